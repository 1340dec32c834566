"""Digest stories end to end: signed `/newsbot digest ...` slash commands through the real
/slack/events endpoint (real aiohttp app, SQLite file, local fake Slack), and the real
`newsbot clock` process firing a subscription by itself."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.config import load_settings
from bot.models import Analysis, Quote
from bot.schedule.scheduler import DigestScheduler
from bot.server import STATE, create_app
from bot.store import Store
from tests.fakes.local_http import listen
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.unit.schedule.helpers import TEAM, article, shared

SECRET = "digest-signing-secret"
_ids = itertools.count(1)

REPO = Path(__file__).resolve().parents[2]
# Time to subscribe, start a clock, stop it and start two more (about 2 s each on 2 cores).
START_MARGIN = timedelta(seconds=12)


def clock_process(db_url: str, slack: FakeSlack, cwd: Path, cron_second: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
           "NEWSBOT_LOG_LEVEL": "INFO", "PYTHONPATH": str(REPO),
           "NEWSBOT_DIGEST_CRON_SECOND": str(cron_second)}  # slots fire at HH:MM:<second>: no wait for a minute
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "clock"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def log_line(proc: subprocess.Popen[bytes], needles: tuple[bytes, ...], within: float) -> bytes:
    """The first stderr line of `proc` containing one of `needles` (bounded wait)."""
    assert proc.stderr is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (left := deadline - loop.time()) > 0:
        line = await asyncio.wait_for(loop.run_in_executor(None, proc.stderr.readline), left)
        if any(n in line for n in needles):
            return line
        if not line and proc.poll() is not None:
            raise AssertionError(f"clock exited with {proc.returncode}")
    raise AssertionError(f"no {needles} from the clock within {within}s")


async def started(proc: subprocess.Popen[bytes], within: float = 20) -> None:
    """Wait for the process to log that its scheduler runs (its jobs are built)."""
    await log_line(proc, (b"digest scheduler started",), within)


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.terminate()
    return proc.wait(timeout=10)


async def test_clock_process_posts_a_subscription_exactly_once_across_restart(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    store = await Store.open(db_url)
    now = datetime.now(UTC)
    await shared(store, article("s1", "Harbour bridge reopens", "Wire"), Analysis(), ("C1", now - timedelta(hours=1)))
    fire = (now + START_MARGIN).replace(microsecond=0)  # the cron trigger fires at HH:MM:SS
    slot = f"{fire:%H:%M}"
    await store.digest_subscribe(TEAM, "C1", slot, "UTC", "daily", "U1", now)
    procs = []
    async with FakeSlack() as slack:
        try:
            first = clock_process(db_url, slack, tmp_path, fire.second)
            procs.append(first)
            await started(first)
            assert stop(first) == 0  # a clean restart...
            procs = [clock_process(db_url, slack, tmp_path, fire.second) for _ in range(2)]  # ...and two clocks
            await asyncio.gather(*(started(p) for p in procs))
            assert datetime.now(UTC) < fire, "start-up took longer than START_MARGIN"
            assert slack.replies() == []  # nothing before the slot: the scheduler fires it, not start-up
            # each clock's cron job fires at the slot: one posts, the other finds the slot claimed
            wait = (fire - datetime.now(UTC)).total_seconds() + 10
            outcomes = await asyncio.gather(
                *(log_line(p, (b" posted: ", b"already claimed"), wait) for p in procs)
            )
            assert sorted(b"already claimed" in line for line in outcomes) == [False, True], outcomes
            [call] = slack.replies()
            posted_at = datetime.fromtimestamp(call.at, UTC)
            assert fire <= posted_at < fire + timedelta(seconds=5)
            assert call.args["channel"] == "C1" and "Harbour bridge reopens" in str(call.args["blocks"])
        finally:
            for p in procs:
                if p.poll() is None:
                    stop(p)
    [run] = await store.digest_runs(TEAM, "C1")
    assert (run.slot, run.status, run.article_count) == (slot, "posted", 1)
    await store.close()


# --- slash commands through /slack/events --------------------------------------------------
class App:
    def __init__(
        self, base: str, http: aiohttp.ClientSession, slack: FakeSlack, store: Store, scheduler: object
    ) -> None:
        self.base, self.http, self.slack, self.store, self.scheduler = base, http, slack, store, scheduler

    async def command(self, channel: str, text: str, user: str = "U0EDITOR") -> str:
        """Send a signed slash command; the reply text, from the ack body or the response_url."""
        key = f"r{next(_ids)}"
        body = urlencode({
            "token": "legacy", "team_id": TEAM_ID, "team_domain": "newsroom", "channel_id": channel,
            "channel_name": "news", "user_id": user, "user_name": "editor", "command": "/newsbot",
            "text": text, "api_app_id": "A0TEST", "response_url": self.slack.response_url(key),
            "trigger_id": f"1.{next(_ids)}",
        }).encode()
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as r:
            assert r.status == 200
            raw = await r.text()
        texts = []
        if raw.strip().startswith("{"):
            texts.append(str(json.loads(raw).get("text") or ""))
        for _ in range(100):  # a reply via response_url may follow the ack
            if any(texts) or self.slack.responses.get(key):
                break
            await asyncio.sleep(0.05)
        texts += [str(m.get("text", "")) for m in self.slack.responses.get(key, [])]
        return "\n".join(t for t in texts if t)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    async with FakeSlack() as slack:
        settings = load_settings(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=None,
            slack_api_url=slack.api_url, database_url=db_url, workers=1, scheduler=True,
        )
        web_app = create_app(settings)
        runner, port = await listen(web_app)
        deps = web_app[STATE].deps
        assert deps is not None
        try:
            async with aiohttp.ClientSession() as http:
                yield App(f"http://127.0.0.1:{port}", http, slack, deps.store, deps.scheduler)
        finally:
            await runner.cleanup()


async def test_the_web_app_runs_the_scheduler_when_enabled(app: App) -> None:
    assert isinstance(app.scheduler, DigestScheduler)  # settings.scheduler=True; stopped at cleanup


async def test_subscribe_status_unsubscribe(app: App) -> None:
    # no zone given: the requesting user's Slack zone (the fake says America/New_York)
    reply = await app.command("C0DESK", "digest subscribe 07:30")
    assert "07:30 America/New_York on weekdays" in reply
    reply = await app.command("C0DESK", "digest subscribe 6pm Asia/Kolkata daily")
    assert "18:00 Asia/Kolkata every day" in reply and "IST" in reply
    subs = await app.store.digest_subscriptions(TEAM_ID, "C0DESK")
    assert [(s.time, s.timezone, s.days) for s in subs] == [
        ("07:30", "America/New_York", "weekdays"), ("18:00", "Asia/Kolkata", "daily")]
    status = await app.command("C0DESK", "digest status")
    assert "07:30 America/New_York on weekdays; next:" in status and "18:00 Asia/Kolkata" in status
    assert "Unsubscribed: removed 2 digests" in await app.command("C0DESK", "digest unsubscribe")
    assert "no digest" in await app.command("C0DESK", "digest status")


@pytest.mark.parametrize(("text", "says"), [
    ("digest subscribe 25:00", "is not a time"),
    ("digest subscribe 07:30 Mars/Olympus", "not a time zone I know"),
    ("digest subscribe 07:30 UTC fortnightly", "I don't understand “fortnightly”"),
    ("digest subscribe", "Give a time"),
    ("digest frobnicate", "I don't know `digest frobnicate`"),
])
async def test_clear_errors(app: App, text: str, says: str) -> None:
    reply = await app.command("C0ERR", text)
    assert says in reply and "Usage" in reply
    assert await app.store.digest_subscriptions(TEAM_ID, "C0ERR") == []


async def test_digest_now_posts_to_the_channel_once(app: App) -> None:
    now = datetime.now(UTC)
    await shared(app.store, article("now1", "Tram strike ends", "Metro"),
                 Analysis(quotes=(Quote("We have a deal", "Ana Ruiz", key=True),)), ("C0NOW", now - timedelta(hours=2)))
    await shared(app.store, article("now2", "Other desk story", "Metro"), Analysis(), ("C0ELSE", now))
    reply = await app.command("C0NOW", "digest now")
    assert "Posted the digest: 1 article." in reply
    [post] = [c for c in app.slack.replies() if c.args.get("channel") == "C0NOW"]
    assert "thread_ts" not in post.args  # to the channel, not a thread
    blocks = str(post.args["blocks"])
    assert "Tram strike ends" in blocks and "Ana Ruiz" in blocks and "Other desk story" not in blocks
    again = await app.command("C0NOW", "digest now")  # nothing new since the last digest
    assert "already posted" in again or "Nothing was shared" in again
    assert len([c for c in app.slack.replies() if c.args.get("channel") == "C0NOW"]) == 1
