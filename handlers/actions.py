"""Buttons on `/newsbot` answers: "More" (next page) and "Share to channel" (post an
on-demand analysis publicly and remember that share)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.models import Share
from bot.slack import command_blocks as cb
from handlers.commands import SUBCOMMANDS, Ctx, answer

log = logging.getLogger(__name__)


def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value", ""))


def register(app: AsyncApp, deps: Deps) -> None:
    runner = deps.commands

    async def on_more(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        parsed = cb.parse_more(_action_value(body))
        if parsed is None or parsed[0] not in SUBCOMMANDS:
            return
        name, arg, offset, after = parsed
        ctx = Ctx(
            deps=deps,
            command=deps.settings.slash_command,
            name=name,
            arg=arg,
            team=(body.get("team") or {}).get("id", ""),
            channel=(body.get("channel") or {}).get("id", ""),
            user=(body.get("user") or {}).get("id", ""),
            offset=max(0, offset),
            after=after,
            client=client,
        )
        runner.spawn(answer(ctx, respond, replace=True))

    async def on_share(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        runner.spawn(_share(deps, body, respond, client))

    app.action(cb.MORE_ACTION)(on_more)
    app.action(cb.SHARE_ACTION)(on_share)


async def _share(deps: Deps, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
    from bot.slack.blocks import analysis_blocks

    try:
        article_id = int(_action_value(body))
    except ValueError:
        return
    team = (body.get("team") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    user = (body.get("user") or {}).get("id", "")
    try:
        stored = await deps.store.get_article(article_id)
        if stored is None:
            await respond(text="That analysis is no longer available.", replace_original=False)
            return
        text, blocks = analysis_blocks(stored.article, stored.analysis)
        posted = await client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        ts = str(posted["ts"])
        await deps.store.record_share(article_id, Share(team, channel, ts, user, shared_at=float(ts)))
        await respond(text=f"Shared to <#{channel}>.", replace_original=True)
    except Exception:
        log.exception("sharing article %s failed", article_id)
        await respond(text="Sorry, I couldn't share that to the channel.", replace_original=False)
