"""Digest stories end to end: the real `newsbot clock` process fires a subscription by itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.models import Analysis
from bot.store import Store
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.unit.schedule.helpers import TEAM, article, shared

REPO = Path(__file__).resolve().parents[2]
START_MARGIN = timedelta(seconds=12)  # time to subscribe, start, restart and double-start clocks


def clock_process(db_url: str, slack: FakeSlack, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
           "NEWSBOT_LOG_LEVEL": "INFO", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "clock"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def started(proc: subprocess.Popen[bytes], within: float = 20) -> None:
    """Wait for the process to log that its scheduler runs (its jobs are built)."""
    assert proc.stderr is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        line = await asyncio.wait_for(loop.run_in_executor(None, proc.stderr.readline), deadline - loop.time())
        if b"digest scheduler started" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"clock exited with {proc.returncode}")
    raise AssertionError("clock did not start")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.terminate()
    return proc.wait(timeout=10)


async def test_clock_process_posts_a_subscription_exactly_once_across_restart(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    store = await Store.open(db_url)
    now = datetime.now(UTC)
    await shared(store, article("s1", "Harbour bridge reopens", "Wire"), Analysis(), ("C1", now - timedelta(hours=1)))
    boundary = (now + START_MARGIN).replace(second=0, microsecond=0) + timedelta(minutes=1)
    slot = f"{boundary:%H:%M}"
    await store.digest_subscribe(TEAM, "C1", slot, "UTC", "daily", "U1", now)
    procs = []
    async with FakeSlack() as slack:
        try:
            first = clock_process(db_url, slack, tmp_path)
            await started(first)
            assert stop(first) == 0  # a clean restart...
            procs = [clock_process(db_url, slack, tmp_path) for _ in range(2)]  # ...and, by mistake, two clocks
            await asyncio.gather(*(started(p) for p in procs))
            assert datetime.now(UTC) < boundary, "start-up took longer than START_MARGIN"
            assert slack.replies() == []  # nothing before the minute: the scheduler fires it, not start-up
            wait = (boundary - datetime.now(UTC)).total_seconds() + 10
            [call] = await slack.wait_for("chat.postMessage", 1, wait)
            posted_at = datetime.fromtimestamp(call.at, UTC)
            assert boundary <= posted_at < boundary + timedelta(seconds=5)
            await asyncio.sleep(2.5)  # any second post would arrive by now
            assert len(slack.replies()) == 1 and call.args["channel"] == "C1"
            assert "Harbour bridge reopens" in str(call.args["blocks"])
        finally:
            for p in procs:
                if p.poll() is None:
                    stop(p)
    [run] = await store.digest_runs(TEAM, "C1")
    assert (run.slot, run.status, run.article_count) == (slot, "posted", 1)
    await store.close()
