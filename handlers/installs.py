"""The app leaves a workspace: `app_uninstalled`, or `tokens_revoked` naming its bot token.

Its installation (many workspaces) is deleted and its queued and running jobs are dropped, in
one transaction; its digests pause (posters find no installation) until the app is installed
again. Other workspaces are untouched. Bolt runs these without `authorize`: no token is left.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    settings = deps.settings
    client_id = settings.slack_client_id if settings.many_workspaces else None

    async def forget(team: str, why: str) -> None:
        dropped = await deps.store.forget_workspace(client_id, team)
        log.info("workspace %s %s: installation deleted, %d unfinished job(s) dropped, digests paused",
                 team, why, dropped)

    @app.event("app_uninstalled")
    async def on_uninstalled(body: dict[str, Any]) -> None:
        await forget(str(body.get("team_id") or ""), "uninstalled the app")

    @app.event("tokens_revoked")
    async def on_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not (event.get("tokens") or {}).get("bot"):  # only user tokens: Newsbot holds none
            log.info("workspace %s revoked user tokens; the bot's is unaffected", body.get("team_id"))
            return
        await forget(str(body.get("team_id") or ""), "revoked the bot's token")
