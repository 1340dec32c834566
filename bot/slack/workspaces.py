"""Which Slack client answers for a workspace: the one bot token (single-workspace mode), or the
token its OAuth installation stored (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`, many workspaces).

Workers and digest posters ask here per job or per post, never keep a client: a workspace
reinstalled meanwhile has a new token, an uninstalled one has none (`NotInstalled`, and its work
stops). Listeners need none of this: Bolt hands them a client built for the request's workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.client import make_client

if TYPE_CHECKING:
    from bot.store import Store

# Clients kept per token (each is a small object; a newsroom group is tens of workspaces).
MAX_CLIENTS = 1024


class NotInstalled(LookupError):
    """The workspace has no installation (never installed, or uninstalled since)."""

    def __init__(self, team: str) -> None:
        super().__init__(f"Newsbot is not installed in workspace {team}")
        self.team = team


class Workspaces(Protocol):
    async def client(self, team: str) -> AsyncWebClient:
        """The client to call Slack with on `team`'s behalf; raises NotInstalled."""
        ...


class OneWorkspace:
    """Single-workspace mode: `SLACK_BOT_TOKEN` answers for every team id."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def client(self, team: str) -> AsyncWebClient:
        return self._client


class InstalledWorkspaces:
    """OAuth mode: each workspace's bot token from the installation store (Newsbot's database)."""

    def __init__(self, settings: Settings, store: Store, client_id: str) -> None:
        self._settings = settings
        self._store = store
        self._client_id = client_id
        self._clients: dict[str, AsyncWebClient] = {}  # bot token -> its client

    async def client(self, team: str) -> AsyncWebClient:
        token = await self._store.bot_token(self._client_id, team)
        if token is None:
            raise NotInstalled(team)
        if token not in self._clients:
            if len(self._clients) >= MAX_CLIENTS:
                self._clients.clear()
            self._clients[token] = make_client(self._settings, token=token)
        return self._clients[token]
