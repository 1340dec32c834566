"""Many workspaces: Bolt's OAuth flow (`/slack/install`, `/slack/oauth_redirect`) on Newsbot's
database, and an `authorize` that answers from the stored installation.

Bolt's own installation-store authorize calls `auth.test` for every request it has not cached,
inside Slack's 3-second ack: during a Slack outage events would fail. Everything it needs (bot
token, bot user id, bot id) was stored at install time, so `InstalledBots` reads it from there.
"""

from __future__ import annotations

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.manifest import manifest_scopes
from bot.store import Store

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class InstalledBots(AsyncAuthorize):
    """The request's workspace's installed bot, or None (Bolt then answers without running any
    listener: a workspace that removed the app gets nothing)."""

    def __init__(self, installations: AsyncInstallationStore) -> None:
        super().__init__()
        self._installations = installations

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        bot = await self._installations.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        if bot is None or not bot.bot_token:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


def oauth_flow(settings: Settings, store: Store, client: AsyncWebClient) -> AsyncOAuthFlow:
    """The install flow: scopes from config/manifest.yml (what the app's manifest asks for), the
    code exchange through `client` (so SLACK_API_URL covers oauth.v2.access too), installations
    and state in Newsbot's database."""
    assert settings.slack_client_id and settings.slack_client_secret
    return AsyncOAuthFlow(
        client=client,
        settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=sorted(manifest_scopes()),
            user_scopes=[],
            redirect_uri=settings.slack_redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store.installation_store(settings.slack_client_id),
            state_store=store.oauth_state_store(),
        ),
    )
