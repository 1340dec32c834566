"""Links to Slack messages: `chat.getPermalink` first, the archive URL form only as a fallback.

Why ask Slack: its permalink carries the workspace domain and, for a message inside a thread,
the `thread_ts`/`cid` that open the thread; a hand-built URL guesses both. The archive form
(`https://slack.com/archives/<channel>/p<ts>`, which Slack redirects to the workspace) is kept
for when the call fails, so an answer never loses its "where it was shared" link.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.models import Share

log = logging.getLogger(__name__)

ARCHIVE_BASE = "https://slack.com/archives"
Key = tuple[str, str]  # (channel, message_ts)


def archive_url(channel: str, ts: str, thread_ts: str | None = None) -> str:
    """The documented archive form of a message link (a thread reply also names its thread)."""
    url = f"{ARCHIVE_BASE}/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        url += f"?thread_ts={thread_ts}&cid={channel}"
    return url


async def permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    """Slack's permalink for the message; None when Slack won't say (deleted, no access, outage)."""
    try:
        resp = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        log.info("no permalink for %s %s: %s", channel, ts, exc.response.get("error"))
        return None
    link = resp.get("permalink")
    return str(link) if link else None


async def share_links(client: AsyncWebClient | None, shares: Iterable[Share]) -> dict[Key, str]:
    """(channel, message_ts) -> a link for each share: Slack's permalink, else the archive URL.

    The lookups run concurrently (a page has a handful); `client=None` gives archive URLs only."""
    unique = {(s.channel, s.message_ts): s for s in shares}
    found: list[str | None] = [None] * len(unique)
    if client is not None and unique:
        found = list(await asyncio.gather(*(permalink(client, c, ts) for c, ts in unique)))
    return {
        key: url or archive_url(s.channel, s.message_ts, s.thread_ts)
        for (key, s), url in zip(unique.items(), found, strict=True)
    }
