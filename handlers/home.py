"""The Home tab: `app_home_opened` publishes a view of the workspace's archive; its buttons open
a person page or a channel's sources ledger in a modal.

Thin: the queries are the store's (`recent`, `sources`, `who`), the views `command_blocks`'.
Work runs in the command runner's tasks so the event is acknowledged at once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack import command_blocks as cb
from bot.slack.permalinks import share_links
from bot.store.people import COUNT_CAP

log = logging.getLogger(__name__)

HOME_STORIES = 8
VOICES_DAYS = 7
LEDGER_DAYS = 7


async def publish_home(deps: Deps, client: AsyncWebClient, team: str, user: str) -> None:
    store = deps.store
    recent = (await store.recent(team=team, limit=HOME_STORIES)).items
    voices = await store.sources(team, None, VOICES_DAYS)
    subscriptions = await store.digest_subscriptions(team)
    links = await share_links(client, [h.share for h in recent if h.share is not None])
    await client.views_publish(user_id=user, view=cb.home_view(recent, voices, subscriptions, links))


async def _open(client: AsyncWebClient, trigger_id: str, title: str, blocks: list[dict[str, Any]]) -> None:
    await client.views_open(trigger_id=trigger_id, view=cb.modal(title, blocks))


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("team_id") or "")


def register(app: AsyncApp, deps: Deps) -> None:
    runner = deps.commands

    async def on_home(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return

        async def run() -> None:
            try:
                await publish_home(deps, client, _team(body), str(event["user"]))
            except Exception:
                log.exception("could not publish the Home tab")

        runner.spawn(run())

    async def on_who(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        name = str(((body.get("actions") or [{}])[0]).get("value", ""))

        async def run() -> None:
            try:
                found = await deps.store.who(name, team=_team(body))
                if found.profile is not None:
                    _text, blocks = cb.person_page(found.profile, COUNT_CAP)
                else:
                    _text, blocks = cb.notice(f"Nobody called “{name}” is quoted in articles shared here.")
                await _open(client, str(body.get("trigger_id")), name, blocks)
            except Exception:
                log.exception("could not open a person page")

        runner.spawn(run())

    async def on_sources(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        channel = str(((body.get("actions") or [{}])[0]).get("value", ""))

        async def run() -> None:
            try:
                ledger = await deps.store.sources(_team(body), channel, LEDGER_DAYS)
                _text, blocks = cb.sources_report(ledger, channel, LEDGER_DAYS)
                await _open(client, str(body.get("trigger_id")), "Sources", blocks)
            except Exception:
                log.exception("could not open a sources ledger")

        runner.spawn(run())

    app.event("app_home_opened")(on_home)
    app.action(cb.WHO_ACTION)(on_who)
    app.action(cb.SOURCES_ACTION)(on_sources)
