"""No-op listeners so every event Slack delivers gets HTTP 200.

Bolt answers an unmatched event with 404; Slack counts that as a failed delivery, retries it,
and disables the subscription when more than 5 % fail in an hour. Registered last.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps

log = logging.getLogger(__name__)

# Events the manifest subscribes to (or Slack sends unasked) that need no work: logged only.
NOTED_EVENTS = ("app_mention", "member_joined_channel")
ANY_EVENT = re.compile(r".*")


async def _note(event: dict[str, Any]) -> None:
    log.info("slack event %s", event.get("type"))


async def _ignore(event: dict[str, Any]) -> None:
    log.debug("ignored slack event %s/%s", event.get("type"), event.get("subtype"))


def register(app: AsyncApp, deps: Deps) -> None:
    for name in NOTED_EVENTS:
        app.event(name)(_note)
    app.event(ANY_EVENT)(_ignore)  # everything else, including any message subtype
