"""Message listener: find the article links, record one durable job per link, return.

Nothing slow happens here. The app runs with `process_before_response=True`, so the job rows are
committed before Slack gets its 200, and the worker's own tasks do the reading and replying.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.links import find_links, is_article_candidate, links_in_blocks
from bot.models import Share

log = logging.getLogger(__name__)

# Message subtypes a person's link can arrive in (plain, in a thread sent to the channel too,
# with a file, /me); `message_changed` carries the edited (or unfurled) message. Others
# (joins, deletions, topic changes...) have no links to read.
READ_SUBTYPES = frozenset({None, "bot_message", "thread_broadcast", "file_share", "me_message"})
CHANGED = "message_changed"


def message_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The message whose links to read: the event itself, or the new version of an edited one."""
    subtype = event.get("subtype")
    if subtype in READ_SUBTYPES:
        return event
    if subtype == CHANGED and isinstance(event.get("message"), dict):
        return event["message"]
    return None


def is_from_bot(message: dict[str, Any], *, bot_id: str | None, bot_user_id: str | None) -> bool:
    """Ours? Checked on the (possibly nested) message: Bolt's self-filter sees only the top level."""
    return (bot_id is not None and message.get("bot_id") == bot_id) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )


def is_any_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def article_links(message: dict[str, Any], limit: int) -> list[str]:
    """Links in the text and rich_text blocks, normalized, de-duplicated, articles only, capped."""
    found = find_links(message.get("text") or "") + links_in_blocks(message.get("blocks") or [])
    unique = list(dict.fromkeys(found))
    return [u for u in unique if is_article_candidate(u)][:limit]


def share_of(event: dict[str, Any], message: dict[str, Any], team: str) -> Share:
    ts = str(message["ts"])
    return Share(
        team=team,
        channel=str(event["channel"]),
        message_ts=ts,
        user=message.get("user"),
        thread_ts=message.get("thread_ts"),
        shared_at=float(ts),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    settings = deps.settings

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        message = message_of(event)
        if message is None or not message.get("ts") or not event.get("channel"):
            return
        if is_from_bot(message, bot_id=context.bot_id, bot_user_id=context.bot_user_id):
            return
        if settings.ignore_bot_messages and is_any_bot(message):
            return
        urls = article_links(message, settings.max_links_per_message)
        if not urls:
            return
        share = share_of(event, message, team=str(body.get("team_id") or context.team_id or ""))
        for url in urls:
            job = await deps.store.enqueue_job(share, url)
            if job is None:
                log.debug("duplicate delivery for %s %s %s", share.channel, share.message_ts, url)
                continue
            if deps.worker is not None:  # else a worker process runs it from the queue
                deps.worker.submit(job)
