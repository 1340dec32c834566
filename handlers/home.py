"""The Home tab: `app_home_opened` publishes a view of the workspace's archive; its buttons open
a person page or a channel's sources ledger in a modal.

Thin: the queries are the store's (`recent`, `sources`, `who`), the views `command_blocks`'.
Work runs in the command runner's tasks so the event is acknowledged at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.slack import command_blocks as cb
from bot.slack.permalinks import share_links
from bot.store.people import COUNT_CAP
from handlers.commands.router import Reply

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

    def modal_button(title: str, build: Callable[[str, str], Awaitable[Reply]]) -> Callable[..., Awaitable[None]]:
        """A Home tab button: ack, then build the view from the button's value and open it."""

        async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            value = str(((body.get("actions") or [{}])[0]).get("value", ""))

            async def run() -> None:
                try:
                    _text, blocks = await build(_team(body), value)
                    await _open(client, str(body.get("trigger_id")), title or value, blocks)
                except Exception:
                    log.exception("could not open the %s view", title or "person")

            runner.spawn(run())

        return on_click

    async def person(team: str, name: str) -> Reply:
        found = await deps.store.who(name, team=team)
        if found.profile is None:
            return cb.notice(messages.NOBODY_QUOTED.format(name=name))
        return cb.person_page(found.profile, COUNT_CAP)

    async def sources(team: str, channel: str) -> Reply:
        return cb.sources_report(await deps.store.sources(team, channel, LEDGER_DAYS), channel, LEDGER_DAYS)

    app.event("app_home_opened")(on_home)
    app.action(cb.WHO_ACTION)(modal_button("", person))  # titled with the person's name
    app.action(cb.SOURCES_ACTION)(modal_button("Sources", sources))
