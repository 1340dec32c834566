"""Run the real `newsbot serve` as a subprocess against the local fakes (scenario tests, bench)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(slack: FakeSlack, db: Path, port: int, secret: str, **extra: str) -> dict[str, str]:
    """The caller's environment minus any Newsbot/Slack settings, plus what points the bot at the
    fakes: loopback only, a fresh SQLite file, private URLs allowed (the article server is local)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_", "DATABASE_URL"))}
    return env | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": slack.api_url,
        "PORT": str(port),
        "NEWSBOT_HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "NEWSBOT_ALLOW_PRIVATE_URLS": "1",
        **extra,
    }


def children(pid: int) -> list[int]:
    """Direct children of `pid` (Linux /proc), to clean up what a SIGKILLed process leaves."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def start_newsbot(command: str, env: dict[str, str], cwd: Path, log_name: str) -> asyncio.subprocess.Process:
    """`newsbot <command>` with its log in cwd/<log_name> (a file: the analysis processes inherit
    stderr, and a pipe they hold open would keep `wait()` from returning after a kill)."""
    with (cwd / log_name).open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", command, env=env, cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )


async def stop(proc: asyncio.subprocess.Process, within: float = 20) -> None:
    """SIGTERM, then SIGKILL (with its children) if it has not exited within `within` seconds."""
    if proc.returncode is not None:
        return
    orphans = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
    kill(orphans)
