"""PostgreSQL mode end to end: real `newsbot web` and `newsbot worker` processes on one real
PostgreSQL database (the job engine), the local fake Slack and article server (conftest.py),
signed Events API requests. Slack's redelivery is played by sending every event to both web processes.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from bot.queue import conninfo
from tests.conftest import secrets_in
from tests.fakes.article_server import ArticleServer
from tests.fakes.serve import children, free_port, kill, serve_env, start_newsbot, stop
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import event_body, message, new_channel, replies_in

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.postgres]

SECRET = "test-signing-secret"
LINKS = 60
PAGE_DELAY = 2  # seconds the site takes to answer: jobs are in flight when a worker dies


async def _rows(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(conninfo(url), timeout=5)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def _post(http: aiohttp.ClientSession, base: str, body: bytes, *, retry: bool = False) -> int:
    headers = signed_headers(SECRET, body)
    if retry:  # Slack's redelivery of an event it thinks was not acknowledged
        headers |= {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    async with http.post(base + "/slack/events", data=body, headers=headers) as r:
        return r.status


async def _ready(http: aiohttp.ClientSession, base: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with http.get(base + "/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{base} not ready")


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


async def _until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


async def _log_says(path: Path, text: str, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while text not in await asyncio.to_thread(_read, path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} never said {text!r}")
        await asyncio.sleep(0.1)


def _logs(folder: Path) -> dict[str, str]:
    return {p.name: _read(p) for p in sorted(folder.glob("*.log"))}


def _answered(slack: FakeSlack, channels: list[str]) -> list[int]:
    return [len(replies_in(slack, c)) for c in channels]


async def test_two_webs_and_two_workers_answer_every_link_once_when_a_worker_is_killed(
    slack: FakeSlack, web_server: ArticleServer, postgres_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    env = serve_env(
        slack, tmp_path / "unused.db", 0, SECRET, DATABASE_URL=postgres_url, NEWSBOT_WORKERS="1",
        NEWSBOT_MAX_CONCURRENT_JOBS="4",
    )
    webs = [await start_newsbot("web", env | {"PORT": str(p)}, tmp_path, f"web{i}.log") for i, p in enumerate(ports)]
    workers: list[asyncio.subprocess.Process] = []
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for base in bases:
                await _ready(http, base)

            # `newsbot web` alone records and queues, and answers nothing
            first = new_channel()
            body = event_body(message(first, f"<{web_server.url('/slow-headers?delay=0&copy=first')}>"))
            assert [await _post(http, b, body) for b in bases] == [200, 200]
            await asyncio.sleep(5)
            assert replies_in(slack, first) == []
            assert [r["status"] for r in await _rows(postgres_url, "SELECT status FROM jobs")] == ["queued"]
            engine_sql = "SELECT status FROM procrastinate_jobs WHERE task_name = 'newsbot.reply'"
            queued = await _rows(postgres_url, engine_sql)
            assert [r["status"] for r in queued] == ["todo"]

            for i in range(2):
                workers.append(await start_newsbot("worker", env, tmp_path, f"worker{i}.log"))
            for i in range(2):
                await _log_says(tmp_path / f"worker{i}.log", "newsbot worker ready")
            await _until(lambda: bool(replies_in(slack, first)), 30, "the first link was not answered")
            assert len(replies_in(slack, first)) == 1  # queued before any worker ran: answered once one did

            channels = [new_channel() for _ in range(LINKS)]
            urls = [web_server.url(f"/slow-headers?delay={PAGE_DELAY}&copy={c}") for c in channels]
            bodies = [event_body(message(c, f"<{u}>")) for c, u in zip(channels, urls, strict=True)]
            # every event delivered to both web processes, at once (Slack's redelivery, two load-balanced webs)
            statuses = await asyncio.gather(*(_post(http, b, body) for body in bodies for b in bases))
            assert set(statuses) == {200}

            victim = workers[0]
            # mid-run: some links answered and the victim holding claims (its jobs all start and end
            # together, so "some answered" alone can catch it between batches, holding nothing)
            await _until(lambda: sum(_answered(slack, channels)) >= 6, 60, "no link answered")
            holding = "SELECT channel FROM jobs WHERE status = 'running' AND claimed_by LIKE $1"
            mine = f"%:pid{victim.pid}"
            # kill just after the victim claims a job it was not holding at the last look: that job
            # has most of PAGE_DELAY still to wait, so it cannot finish between the look and the kill
            deadline = time.monotonic() + 30
            seen = {r["channel"] for r in await _rows(postgres_url, holding, mine)}
            while True:
                now_held = {r["channel"] for r in await _rows(postgres_url, holding, mine)}
                if now_held - seen:
                    break
                assert time.monotonic() < deadline, "the victim never claimed a new job"
                seen = now_held
                await asyncio.sleep(0.02)
            orphans = children(victim.pid)
            victim.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await victim.wait()
            kill(orphans)
            held = await _rows(postgres_url, holding, mine)  # still running: nobody finished them for it
            lost = [r["channel"] for r in held]
            assert lost, "the killed worker held no job: the test did not kill it mid-run"

            deadline = time.monotonic() + 120
            last_reply: dict[str, float] = {}
            while time.monotonic() < deadline and min(_answered(slack, channels)) < 1:
                for c in lost:
                    if c not in last_reply and replies_in(slack, c):
                        last_reply[c] = time.monotonic() - killed_at
                await asyncio.sleep(0.1)
            for c in lost:
                last_reply.setdefault(c, time.monotonic() - killed_at)
            await asyncio.sleep(3)  # anything that would answer twice has had its chance
            counts = _answered(slack, channels)
            assert counts == [1] * LINKS, f"replies per link: {counts}"
            assert len(replies_in(slack, first)) == 1
            recover = max(last_reply.values())
            print(f"\n{len(lost)} job(s) held by the killed worker answered within {recover:.1f} s of the kill")
            assert recover < 60
            done = await _rows(postgres_url, "SELECT status, count(*) AS n FROM jobs GROUP BY status")
            assert {r["status"]: r["n"] for r in done} == {"done": LINKS + 1}
        logs = await asyncio.to_thread(_logs, tmp_path)
        assert [name for name, text in logs.items() if secrets_in(text)] == []  # no token or secret logged
    except BaseException:
        for name, text in (await asyncio.to_thread(_logs, tmp_path)).items():
            print(f"--- {name}\n{text[-2500:]}")
        raise
    finally:
        await asyncio.gather(*(stop(p) for p in [*webs, *workers]))


async def test_web_and_worker_on_sqlite_refuse_with_a_clear_message(slack: FakeSlack, tmp_path: Path) -> None:
    env = serve_env(slack, tmp_path / "newsbot.db", free_port(), SECRET)
    for command in ("web", "worker"):
        proc = await start_newsbot(command, env, tmp_path, f"{command}.log")
        await asyncio.wait_for(proc.wait(), 60)
        text = await asyncio.to_thread(_read, tmp_path / f"{command}.log")
        assert proc.returncode == 2, text
        assert "needs PostgreSQL" in text and "newsbot serve" in text and "Traceback" not in text


async def test_serve_on_postgres_runs_the_engine_in_process_and_answers_once(
    slack: FakeSlack, web_server: ArticleServer, postgres_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = serve_env(slack, tmp_path / "unused.db", port, SECRET, DATABASE_URL=postgres_url, NEWSBOT_WORKERS="1")
    proc = await start_newsbot("serve", env, tmp_path, "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await _ready(http, base, within=90)
            channel = new_channel()
            body = event_body(message(channel, f"<{web_server.url('/files/pharma-manufacturing.html')}>"))
            assert await _post(http, base, body) == 200
            assert await _post(http, base, body, retry=True) == 200  # the unique row queues nothing
            await _until(lambda: bool(replies_in(slack, channel)), 60, "no reply")
            await asyncio.sleep(2)
            [reply] = replies_in(slack, channel)
            assert reply.args["metadata"]["event_type"] == "newsbot_reply"
            rows = await _rows(postgres_url, "SELECT status, attempts, owner FROM jobs")
            assert [(r["status"], r["attempts"]) for r in rows] == [("done", 1)] and rows[0]["owner"]
        log = await asyncio.to_thread(_read, tmp_path / "serve.log")
        assert "job engine on PostgreSQL" in log and "Traceback" not in log
    finally:
        await stop(proc)
