"""Soak run: `--links` link events (default 2,000) spread over `--minutes` (default 10) against
the real `newsbot serve`, the local fake Slack and local sites (the extraction benchmark's pages,
shared again and again, as a newsroom's stories are). Every link must be answered once; the bot's
process-tree RSS, open files, database connections and asyncio tasks are read at the start
(after a warm-up minute) and at the end; each may grow less than 10 %.

Run: `.venv/bin/python -m bench.soak [--links 2000] [--minutes 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import PeakRSS, english_pages, read_html, tree_rss_bytes, write_results
from bench.slack_load import (
    NEWSBOT,
    REQUEST_TIMEOUT_S,
    SECRET,
    Acks,
    Client,
    Fakes,
    Shares,
    _stop_server,
)
from tests.fakes.serve import free_port, serve_env

WARM_UP_SECONDS = 60
MAX_GROWTH = 0.10
SETTLE_SECONDS = 5


async def _vitals(http: aiohttp.ClientSession, base: str, pid: int) -> dict[str, float]:
    async with http.get(base + "/healthz") as r:
        health = await r.json()
    return {"rss_mb": round(tree_rss_bytes(pid) / 2**20, 1), "open_files": health["open_files"],
            "db_connections": health["db_connections"], "asyncio_tasks": health["asyncio_tasks"]}


async def run(links: int, minutes: float, fakes: Fakes, urls: list[str], workdir: Path) -> dict[str, Any]:
    port = free_port()
    log = (workdir / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(NEWSBOT), "serve", env=serve_env(fakes.slack, workdir / "newsbot.db", port, SECRET), cwd=workdir,
        stdout=log, stderr=log,
    )
    try:
        with PeakRSS(proc.pid, interval=1.0) as rss:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
                client = Client(f"http://127.0.0.1:{port}", http)
                await client.wait_ready(proc)
                shares, acks = Shares(fakes.slack), Acks()
                spread = minutes * 60
                every = spread / links
                started = time.monotonic()
                baseline: dict[str, float] | None = None
                pending: set[asyncio.Task[str]] = set()
                for i in range(links):
                    await asyncio.sleep(max(0.0, started + i * every - time.monotonic()))
                    pending.add(asyncio.create_task(client.share(shares, urls[i % len(urls)], acks)))
                    if baseline is None and time.monotonic() - started >= WARM_UP_SECONDS:
                        baseline = await _vitals(http, client.base, proc.pid)
                channels = set(await asyncio.gather(*pending))
                await shares.wait(channels, within=600)
                answered_after = time.monotonic() - started
                await asyncio.sleep(SETTLE_SECONDS)
                end = await _vitals(http, client.base, proc.pid)
        per_channel = {c: n for c, n in shares.counts().items() if c in channels}
        return {
            "links": links, "minutes": minutes, "distinct_pages": len(urls),
            "answered_once": sum(n == 1 for n in per_channel.values()),
            "missing": len(channels) - len(per_channel), "doubled": sum(n > 1 for n in per_channel.values()),
            "ack_errors": sorted(set(acks.errors)), "ack": acks.summary(),
            "all_answered_after_s": round(answered_after, 1),
            "start": baseline, "end": end, "peak_rss_mb": round(rss.peak / 2**20, 1),
        }
    finally:
        await _stop_server(proc)
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            print(f"bench: newsbot serve exited with {proc.returncode}; see {workdir / 'serve.log'}")


def _growth(start: dict[str, float] | None, end: dict[str, float]) -> dict[str, float]:
    if not start:
        return {}
    return {k: round((end[k] - start[k]) / start[k], 3) if start[k] > 0 else 0.0 for k in end}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=int, default=2000)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    paths = english_pages()
    pages = {p.name.removesuffix(".gz"): read_html(p) for p in paths}
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-soak-"))
    try:
        with Fakes(pages) as fakes:
            result = asyncio.run(run(args.links, args.minutes, fakes, [fakes.urls[n] for n in pages], workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["growth"] = growth = _growth(result["start"], result["end"])
    result["growth_ok"] = bool(growth) and all(g < MAX_GROWTH for g in growth.values())
    print(f"soak: {result['links']} links over {result['minutes']:.0f} min ({result['distinct_pages']} distinct pages)")
    print(f"  answered once {result['answered_once']}, missing {result['missing']}, doubled {result['doubled']}; "
          f"ack p99 {result['ack']['p99_ms']:.0f} ms, errors {result['ack_errors'] or 'none'}")
    print(f"  {'':16} {'start':>10} {'end':>10} {'growth':>8}")
    for key in result["end"]:
        start = result["start"][key] if result["start"] else float("nan")
        print(f"  {key:16} {start:>10} {result['end'][key]:>10} {growth.get(key, float('nan')):>8.1%}")
    print(f"  peak RSS {result['peak_rss_mb']} MB; growth under {MAX_GROWTH:.0%}: {result['growth_ok']}")
    print(f"wrote {write_results('soak', result)}")


if __name__ == "__main__":
    main()
