"""Slack events as Slack sends them (Events API bodies; Socket Mode wraps the same body in an
envelope), and waiting for the bot's replies at the fake Slack."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, Call, FakeSlack

_ids = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def new_channel() -> str:
    return f"C{next(_ids):08d}"


def event_body(event: dict[str, Any], event_type: str = "event_callback", *, team: str = TEAM_ID) -> bytes:
    return json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A0TEST", "type": event_type,
        "event": event, "event_id": f"Ev{next(_ids):08d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
    }).encode()


def message(channel: str, text: str, ts: str | None = None, **extra: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    return {"type": "message", "channel": channel, "user": "U0REPORTER", "text": text, "ts": ts,
            "event_ts": ts, "channel_type": "channel", **extra}


def replies_in(slack: FakeSlack, channel: str) -> list[Call]:
    return [c for c in slack.replies() if c.args.get("channel") == channel]


async def wait_reply(slack: FakeSlack, channel: str, count: int = 1, within: float = 60) -> list[Call]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = replies_in(slack, channel)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no reply in {channel}; calls: {[c.method for c in slack.calls][-10:]}")

