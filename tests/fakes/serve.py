"""Run the real `newsbot serve` as a subprocess against the local fakes (scenario tests, bench)."""

from __future__ import annotations

import os
import socket
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
