"""PostgreSQL mode under load: one `newsbot web` and 1, then 2, `newsbot worker` processes.

Run: `.venv/bin/python -m bench.engine [--links 100] [--spread 5] [--workers 1 2]`
(PostgreSQL at NEWSBOT_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/test; a fresh
database is created per run and dropped after).

Each run sends `--links` real English pages' link events (spread over `--spread` seconds) to the
web process while `/newsbot help` commands go out every 100 ms, and measures throughput (links
answered per second, from the first event to the last reply), event and command ack latency
while 50+ links are in flight, and that every link was answered exactly once. Each worker has
one analysis process (NEWSBOT_WORKERS=1), so the ratio shows what a second worker process buys.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from bench.common import english_pages, read_html, write_results
from bench.slack_load import ACK_P99_MS, IN_FLIGHT_FOR_ACK, NEWSBOT, SECRET, Client, Fakes, Shares, load_phase
from bot.queue import conninfo
from tests.fakes.serve import free_port, serve_env

PG_URL = os.environ.get("NEWSBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
READY_WITHIN_S = 180


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(conninfo(PG_URL), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _worker_ready(log: Path, proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while "newsbot worker ready" not in await asyncio.to_thread(log.read_text, errors="replace"):
        if proc.returncode is not None or time.monotonic() > deadline:
            raise SystemExit(f"bench: worker not ready (exit {proc.returncode}); see {log}")
        await asyncio.sleep(0.2)


async def _stop(procs: list[asyncio.subprocess.Process]) -> None:
    for p in procs:
        if p.returncode is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            await asyncio.wait_for(p.wait(), 30)
        except TimeoutError:
            p.kill()
            await p.wait()


async def one_run(
    fakes: Fakes, urls: list[str], workers: int, args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    name = f"newsbot_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    database_url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    port = free_port()
    env = serve_env(fakes.slack, workdir / "unused.db", port, SECRET, DATABASE_URL=database_url,
                    NEWSBOT_WORKERS="1")
    procs: list[asyncio.subprocess.Process] = []
    try:
        with (workdir / f"web-{workers}.log").open("wb") as log:
            procs.append(await asyncio.create_subprocess_exec(str(NEWSBOT), "web", env=env, cwd=workdir,
                                                              stdout=log, stderr=log))
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            client = Client(f"http://127.0.0.1:{port}", http)
            await client.wait_ready(procs[0])
            for i in range(workers):
                path = workdir / f"worker-{workers}-{i}.log"
                with path.open("wb") as log:
                    procs.append(await asyncio.create_subprocess_exec(str(NEWSBOT), "worker", env=env, cwd=workdir,
                                                                      stdout=log, stderr=log))
                await _worker_ready(path, procs[-1])
            shares = Shares(fakes.slack)
            load = await load_phase(client, shares, fakes.slack, urls, args.spread, args.within)
            counts = shares.counts()
    finally:
        await _stop(procs)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    seconds = load["seconds_to_last_reply"]
    return {
        "workers": workers,
        "links": len(urls),
        "seconds_to_last_reply": seconds,
        "links_per_second": len(urls) / seconds if seconds else 0.0,
        "answered_once": sum(1 for n in counts.values() if n == 1),
        "answered_twice_or_more": sum(1 for n in counts.values() if n > 1),
        "event_ack_p99_ms": load["event_ack_in_flight_50"]["p99_ms"],
        "command_ack_p99_ms": load["command_ack_in_flight_50"]["p99_ms"],
        "peak_in_flight": load["peak_in_flight"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--links", type=int, default=100)
    ap.add_argument("--spread", type=float, default=5.0)
    ap.add_argument("--within", type=float, default=900.0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    paths = english_pages()[: args.links]
    pages = {p.name.removesuffix(".gz"): read_html(p) for p in paths}
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-engine-bench-"))
    runs: list[dict[str, Any]] = []
    with Fakes(pages) as fakes:
        urls = [fakes.urls[n] for n in pages]
        for n in args.workers:
            runs.append(asyncio.run(one_run(fakes, urls, n, args, workdir)))
            r = runs[-1]
            print(f"{n} worker(s): {r['links']} links answered in {r['seconds_to_last_reply']:.1f} s "
                  f"({r['links_per_second']:.2f}/s); once {r['answered_once']}, twice+ {r['answered_twice_or_more']}; "
                  f"ack p99 with {IN_FLIGHT_FOR_ACK}+ in flight: events {r['event_ack_p99_ms']:.0f} ms, "
                  f"commands {r['command_ack_p99_ms']:.0f} ms (target < {ACK_P99_MS:.0f})")
    if len(runs) >= 2 and runs[0]["links_per_second"]:
        print(f"throughput ratio {runs[-1]['workers']} : {runs[0]['workers']} workers = "
              f"{runs[-1]['links_per_second'] / runs[0]['links_per_second']:.2f}")
    payload = {"date": time.strftime("%Y-%m-%d"),
               "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
               "runs": runs, "logs": str(workdir)}
    print(f"written: {write_results('engine', payload)}")


if __name__ == "__main__":
    main()
