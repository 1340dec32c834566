"""Slack under load: the real `newsbot serve` process, a local fake Slack and a local article server.

Run: `.venv/bin/python -m bench.slack_load [--links 100] [--spread 5] [--server-log PATH]`.

1. Idle: a few single link messages, one at a time; event -> threaded reply latency.
2. Load: `--links` signed `message` events (one link each, distinct channel/ts/event_id) evenly
   spread over `--spread` seconds, while signed `/newsbot help` commands go out every 100 ms until
   every reply has landed. HTTP ack latency (sent -> response read) for events and commands,
   event -> reply latency, replies vs links, peak RSS of the bot's whole process tree.

The fakes run on their own event loop in a thread, so serving pages and recording Web API calls
never delays the load generator's clock; the generator's own loop lag is reported too, so a slow
client can't pass for a slow bot. Everything binds or connects to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlencode

import aiohttp

from bench.common import SHARED, PeakRSS, english_pages, pct, read_html, write_results
from bot.config import load_settings
from bot.paths import REPO_ROOT
from tests.fakes.article_server import ArticleServer
from tests.fakes.serve import free_port, serve_env
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, Call, FakeSlack

T = TypeVar("T")

SECRET = "bench-signing-secret"
SEED = "pharma-manufacturing.html"
NEWSBOT = Path(os.environ.get("NEWSBOT_BIN", REPO_ROOT / ".venv" / "bin" / "newsbot"))

IDLE_LINKS = 5
COMMAND_EVERY_S = 0.1
POLL_S = 0.02  # reply polling: well under the latencies measured
READY_WITHIN_S = 180  # model load in every worker process
IDLE_REPLY_WITHIN_S = 60
REQUEST_TIMEOUT_S = 30  # far above Slack's 3 s, so a slow ack is measured, not cut off
SHUTDOWN_WITHIN_S = 30

# Targets from the performance issue.
ACK_P99_MS, ACK_MAX_MS = 50.0, 500.0
IDLE_REPLY_P50_S = 2.0
PEAK_RSS_MB = 700.0
IN_FLIGHT_FOR_ACK = 50  # the ack targets apply while this many analyses are outstanding

_ids = itertools.count(1)


# --- the fakes, on their own loop ----------------------------------------------------------
class Fakes:
    """FakeSlack and the article server (each eval page under its own path) in a thread."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self._pages = pages
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fakes", daemon=True)
        self.slack = FakeSlack()
        self.articles = ArticleServer(root=SHARED / "articles")
        self.urls: dict[str, str] = {}  # page name -> URL

    def _run(self, coro: Coroutine[Any, Any, T], within: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(within)

    async def _start(self) -> None:
        await self.slack.start()
        await self.articles.start()
        self.urls[SEED] = self.articles.url(f"/files/{SEED}")
        for name, body in self._pages.items():
            # no charset: several pages are not UTF-8, the bot must sniff it like on the web
            self.urls[name] = self.articles.add(f"eval/{name}", body, content_type="text/html")

    async def _stop(self) -> None:
        await self.articles.close()
        await self.slack.close()

    def __enter__(self) -> Fakes:
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()


# --- the bot process -------------------------------------------------------------------------
async def _stop_server(proc: asyncio.subprocess.Process) -> float:
    """SIGTERM, then wait (SIGKILL past the bound); returns seconds to exit."""
    t0 = time.perf_counter()
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), SHUTDOWN_WITHIN_S)
        except TimeoutError:
            print(f"bench: server still up {SHUTDOWN_WITHIN_S}s after SIGTERM; killing it")
            proc.kill()
            await proc.wait()
    return time.perf_counter() - t0


# --- Slack's side of the conversation --------------------------------------------------------
def _ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def event_body(channel: str, ts: str, url: str) -> bytes:
    event = {"type": "message", "channel": channel, "user": "U0REPORTER", "text": f"Worth a read <{url}>",
             "ts": ts, "event_ts": ts, "channel_type": "channel"}
    return json.dumps({
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0BENCH", "type": "event_callback",
        "event": event, "event_id": f"Ev{next(_ids):010d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }).encode()


def help_body(response_url: str) -> bytes:
    return urlencode({
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "newsroom", "channel_id": "C0BENCH",
        "channel_name": "news", "user_id": "U0EDITOR", "user_name": "editor", "command": "/newsbot",
        "text": "help", "api_app_id": "A0BENCH", "response_url": response_url, "trigger_id": f"1.{next(_ids)}",
    }).encode()


@dataclass
class Acks:
    """HTTP ack latencies (ms) of one kind of request, with what else was going on."""

    ms: list[float] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)  # analyses outstanding when it was sent
    sent_at: list[float] = field(default_factory=list)  # seconds into the phase
    errors: list[str] = field(default_factory=list)

    def summary(self, min_in_flight: int = 0) -> dict[str, Any]:
        ms = [m for m, f in zip(self.ms, self.in_flight, strict=True) if f >= min_in_flight]
        return {"n": len(ms), "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms, default=float("nan")),
                "errors": len(self.errors) if not min_in_flight else None}

    def samples(self) -> list[tuple[float, float, int]]:
        """(sent at s, ack ms, in flight) per request: where in the run the slow acks fell."""
        return [(round(t, 3), round(m, 2), f) for t, m, f in zip(self.sent_at, self.ms, self.in_flight, strict=True)]


@dataclass
class Shares:
    """Sent link messages (channel -> (ts, wall-clock send time)) and the replies matched to them."""

    slack: FakeSlack
    sent: dict[str, tuple[str, float]] = field(default_factory=dict)
    replied: dict[str, float] = field(default_factory=dict)  # channel -> seconds from event to reply

    @property
    def in_flight(self) -> int:
        return len(self.sent) - len(self.replied)

    def poll(self) -> None:
        calls: list[Call] = self.slack.replies()  # a snapshot: the fakes' thread only appends
        for call in calls:
            channel = call.args.get("channel")
            if channel in self.sent and channel not in self.replied:
                ts, at = self.sent[channel]
                if call.args.get("thread_ts") == ts:
                    self.replied[channel] = call.at - at

    def counts(self) -> dict[str, int]:
        """Replies per sent channel (a reply counts once it is in the shared message's thread)."""
        out: dict[str, int] = {}
        for call in self.slack.replies():
            channel = call.args.get("channel")
            if channel in self.sent and call.args.get("thread_ts") == self.sent[channel][0]:
                out[channel] = out.get(channel, 0) + 1
        return out

    def failures(self) -> int:
        """Replies that say the page could not be read (the bot reacts with :warning:)."""
        return sum(1 for c in self.slack.calls_to("reactions.add", ok_only=True)
                   if c.args.get("name") == "warning" and c.args.get("channel") in self.sent)

    async def wait(self, channels: set[str], within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self.poll()
            if channels <= self.replied.keys():
                return True
            await asyncio.sleep(POLL_S)
        return False


class Client:
    """Signs and posts requests as Slack would, timing each one from send to response read."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base, self.http = base, http
        self.epoch = time.perf_counter()  # reset at the start of each phase

    async def post(self, body: bytes, acks: Acks, in_flight: int, content_type: str) -> None:
        headers = signed_headers(SECRET, body, content_type=content_type)
        t0 = time.perf_counter()
        try:
            async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            acks.errors.append(type(exc).__name__)
            return
        if status != 200:
            acks.errors.append(f"HTTP {status}")
            return
        acks.ms.append((time.perf_counter() - t0) * 1000)
        acks.in_flight.append(in_flight)
        acks.sent_at.append(t0 - self.epoch)

    async def share(self, shares: Shares, url: str, acks: Acks) -> str:
        channel, ts = f"C{next(_ids):09d}", _ts()
        body = event_body(channel, ts, url)
        shares.sent[channel] = (ts, time.time())
        await self.post(body, acks, shares.in_flight, "application/json")
        return channel

    async def wait_ready(self, proc: asyncio.subprocess.Process) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < READY_WITHIN_S:
            if proc.returncode is not None:
                raise SystemExit(f"bench: newsbot serve exited with {proc.returncode} during start-up")
            try:
                async with self.http.get(self.base + "/healthz") as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
        raise SystemExit(f"bench: /healthz not 200 after {READY_WITHIN_S}s")


async def _loop_lag(stop: asyncio.Event, out: list[float]) -> None:
    """The generator's own loop lag (ms): a busy client would inflate the acks it measures."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(0.01)
        out.append((loop.time() - t0 - 0.01) * 1000)


# --- the two phases --------------------------------------------------------------------------
async def idle_phase(client: Client, shares: Shares, urls: list[str]) -> list[float]:
    acks, seconds = Acks(), []
    for url in urls:
        channel = await client.share(shares, url, acks)
        if not await shares.wait({channel}, IDLE_REPLY_WITHIN_S):
            raise SystemExit(f"bench: no reply to an idle share of {url} within {IDLE_REPLY_WITHIN_S}s")
        seconds.append(shares.replied[channel])
    await asyncio.sleep(1)  # let the reactions and job bookkeeping after each reply finish
    return seconds


async def load_phase(client: Client, shares: Shares, slack: FakeSlack, urls: list[str], spread: float,
                     within: float) -> dict[str, Any]:
    events, commands, peak_in_flight = Acks(), Acks(), 0
    lag: list[float] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(_loop_lag(stop, lag))
    channels: list[str] = []
    tasks: set[asyncio.Task[Any]] = set()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    client.epoch = time.perf_counter()
    every = spread / len(urls)

    async def send_events() -> None:
        for i, url in enumerate(urls):
            await asyncio.sleep(max(0.0, t0 + i * every - loop.time()))
            task = asyncio.create_task(client.share(shares, url, events))
            task.add_done_callback(lambda t: channels.append(t.result()))
            tasks.add(task)

    async def send_commands() -> None:
        for i in itertools.count():
            if loop.time() - t0 > within or (i and len(shares.replied) >= len(shares.sent) and sender.done()):
                return
            await asyncio.sleep(max(0.0, t0 + i * COMMAND_EVERY_S - loop.time()))
            body = help_body(slack.response_url(f"help{i}"))
            tasks.add(asyncio.create_task(
                client.post(body, commands, shares.in_flight, "application/x-www-form-urlencoded")))

    sender = asyncio.create_task(send_events())
    commander = asyncio.create_task(send_commands())
    all_replied = False
    while loop.time() - t0 < within:
        shares.poll()
        peak_in_flight = max(peak_in_flight, shares.in_flight)
        if sender.done() and len(channels) == len(urls) and shares.in_flight == 0:
            all_replied = True
            break
        await asyncio.sleep(POLL_S)
    wall = loop.time() - t0
    commander.cancel()
    await asyncio.gather(sender, commander, return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    stop.set()
    await lag_task
    replies = [shares.replied[c] for c in channels if c in shares.replied]
    return {
        "links_sent": len(channels),
        "spread_s": spread,
        "replies": len(replies),
        "all_replied": all_replied,
        "failure_replies": shares.failures(),
        "seconds_to_last_reply": wall,
        "peak_in_flight": peak_in_flight,
        "reply_p50_s": pct(replies, 50),
        "reply_p95_s": pct(replies, 95),
        "reply_max_s": max(replies, default=float("nan")),
        "event_ack": events.summary(),
        "event_ack_in_flight_50": events.summary(IN_FLIGHT_FOR_ACK),
        "command_ack": commands.summary(),
        "command_ack_in_flight_50": commands.summary(IN_FLIGHT_FOR_ACK),
        "ack_errors": sorted(set(events.errors + commands.errors)),
        "client_loop_lag_max_ms": max(lag, default=0.0),
        "client_loop_lag_p99_ms": pct(lag, 99),
        "samples": {"event_ack": events.samples(), "command_ack": commands.samples()},
    }


async def run(
    args: argparse.Namespace, fakes: Fakes, names: list[str], workdir: Path, log: BinaryIO
) -> dict[str, Any]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        str(NEWSBOT), "serve", env=serve_env(fakes.slack, workdir / "newsbot.db", port, SECRET), cwd=workdir,
        stdout=log, stderr=log,
    )
    shutdown_s = float("nan")
    try:
        with PeakRSS(proc.pid) as rss:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
                client = Client(f"http://127.0.0.1:{port}", http)
                ready_s = await client.wait_ready(proc)
                print(f"newsbot serve ready in {ready_s:.1f} s (pid {proc.pid}, port {port})")
                idle_names, load_names = [SEED, *names[: IDLE_LINKS - 1]], names[IDLE_LINKS - 1:][: args.links]
                idle_shares = Shares(fakes.slack)
                idle = await idle_phase(client, idle_shares, [fakes.urls[n] for n in idle_names])
                load = await load_phase(client, Shares(fakes.slack), fakes.slack,
                                        [fakes.urls[n] for n in load_names], args.spread, args.within)
        shutdown_s = await _stop_server(proc)
    finally:
        if proc.returncode is None:
            shutdown_s = await _stop_server(proc)
        if proc.returncode not in (0, -signal.SIGTERM):
            text = await asyncio.to_thread(Path(log.name).read_text, errors="replace")
            tail = text.splitlines()[-15:]
            print(f"bench: newsbot serve exited with {proc.returncode}; log tail:\n" + "\n".join(tail))
    return {"ready_s": ready_s, "idle_reply_s": idle, "idle_reply_p50_s": pct(idle, 50),
            "idle_failure_replies": idle_shares.failures(), "load": load,
            "peak_rss_mb": rss.peak / 2**20, "shutdown_s": shutdown_s, "exit_code": proc.returncode}


# --- report ----------------------------------------------------------------------------------
def _row(label: str, value: str, target: str = "", ok: bool | None = None) -> str:
    mark = "" if ok is None else ("PASS" if ok else "MISS")
    return f"  {label:<44} {value:>18}   {target:<26} {mark}"


def report(r: dict[str, Any]) -> dict[str, bool]:
    load = r["load"]
    ev, cmd = load["event_ack_in_flight_50"], load["command_ack_in_flight_50"]
    checks = {
        "event_ack_p99": ev["n"] > 0 and ev["p99_ms"] < ACK_P99_MS,
        "event_ack_max": ev["n"] > 0 and ev["max_ms"] < ACK_MAX_MS,
        "command_ack_p99": cmd["n"] > 0 and cmd["p99_ms"] < ACK_P99_MS,
        "command_ack_max": cmd["n"] > 0 and cmd["max_ms"] < ACK_MAX_MS,
        "idle_reply_p50": r["idle_reply_p50_s"] < IDLE_REPLY_P50_S,
        "replies_equal_links": load["replies"] == load["links_sent"],
        "peak_rss": r["peak_rss_mb"] < PEAK_RSS_MB,
    }
    print(f"\nidle: {len(r['idle_reply_s'])} single shares, event -> reply "
          + ", ".join(f"{s:.2f}" for s in r["idle_reply_s"]) + f" s ({r['idle_failure_replies']} 'could not read')")
    print(f"load: {load['links_sent']} link events over {load['spread_s']:.0f} s, /newsbot help every "
          f"{COMMAND_EVERY_S * 1000:.0f} ms; peak {load['peak_in_flight']} analyses in flight; "
          f"last reply after {load['seconds_to_last_reply']:.1f} s\n")
    print(_row("figure", "measured", "target"))
    print(_row("event -> reply p50, idle", f"{r['idle_reply_p50_s']:.2f} s", f"< {IDLE_REPLY_P50_S:.0f} s",
               checks["idle_reply_p50"]))
    for name, key in (("event", "event_ack"), ("command", "command_ack")):
        a, b = load[key], load[f"{key}_in_flight_50"]
        print(_row(f"{name} ack p50 / p99 / max, all (n={a['n']})",
                   f"{a['p50_ms']:.0f} / {a['p99_ms']:.0f} / {a['max_ms']:.0f} ms"))
        print(_row(f"{name} ack p99, {IN_FLIGHT_FOR_ACK}+ in flight (n={b['n']})", f"{b['p99_ms']:.0f} ms",
                   f"< {ACK_P99_MS:.0f} ms", checks[f"{name}_ack_p99"]))
        print(_row(f"{name} ack max, {IN_FLIGHT_FOR_ACK}+ in flight", f"{b['max_ms']:.0f} ms",
                   f"< {ACK_MAX_MS:.0f} ms", checks[f"{name}_ack_max"]))
    print(_row("event -> reply p50 / p95 / max, load",
               f"{load['reply_p50_s']:.1f} / {load['reply_p95_s']:.1f} / {load['reply_max_s']:.1f} s"))
    print(_row("replies posted / links sent", f"{load['replies']} / {load['links_sent']}", "equal",
               checks["replies_equal_links"]))
    print(_row("  of which 'could not read' replies", str(load["failure_replies"])))
    print(_row("peak RSS, bot process tree", f"{r['peak_rss_mb']:.0f} MB", f"< {PEAK_RSS_MB:.0f} MB",
               checks["peak_rss"]))
    print(_row("ack errors (timeouts, non-200)", ", ".join(load["ack_errors"]) or "none"))
    print(_row("load generator loop lag p99 / max", f"{load['client_loop_lag_p99_ms']:.0f} / "
               f"{load['client_loop_lag_max_ms']:.0f} ms"))
    print(_row("start-up to /healthz 200; SIGTERM to exit", f"{r['ready_s']:.1f} s; {r['shutdown_s']:.1f} s"))
    return checks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--links", type=int, default=100, help="link events in the burst")
    ap.add_argument("--spread", type=float, default=5.0, help="seconds the burst is spread over")
    ap.add_argument("--within", type=float, default=600.0, help="give up waiting for replies after this")
    ap.add_argument("--server-log", type=Path, default=None, help="keep the server's log here")
    args = ap.parse_args()
    if not NEWSBOT.exists():
        raise SystemExit(f"bench: {NEWSBOT} not found (run `make install`, or set NEWSBOT_BIN)")
    paths = english_pages()
    if len(paths) < IDLE_LINKS - 1 + args.links:
        raise SystemExit(f"bench: only {len(paths)} English pages for {IDLE_LINKS - 1 + args.links} links")
    pages = {p.name.removesuffix(".gz"): read_html(p) for p in paths}
    settings = load_settings()
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-slack-load-"))
    try:
        with Fakes(pages) as fakes, open(args.server_log or workdir / "serve.log", "wb") as log:
            result = asyncio.run(run(args, fakes, list(pages), workdir, log))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    checks = report(result)
    payload = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "model": settings.spacy_model,
        "workers": settings.workers,
        "max_concurrent_jobs": settings.max_concurrent_jobs,
        **result,
        "targets": {"ack_p99_ms": ACK_P99_MS, "ack_max_ms": ACK_MAX_MS, "in_flight": IN_FLIGHT_FOR_ACK,
                    "idle_reply_p50_s": IDLE_REPLY_P50_S, "peak_rss_mb": PEAK_RSS_MB},
        "checks": checks,
    }
    print(f"\nwritten: {write_results('slack_load', payload)}")


if __name__ == "__main__":
    main()
