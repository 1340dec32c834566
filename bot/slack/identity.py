"""Who the bot is (`auth.test`), asked once at start-up and remembered. Bolt's single-token mode
would ask on the first event, inside the ack: during a Slack outage that event got a 500 and was
lost. Given to Bolt as its `authorize` function, this never lets Slack's faults reach an ack.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.faults import SLACK_ERRORS, error_word

log = logging.getLogger(__name__)


class BotIdentity:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._known: AuthorizeResult | None = None

    async def load(self) -> AuthorizeResult:
        """Ask Slack (the client retries transient faults); raises what the client raises."""
        if self._known is None:
            response = await self._client.auth_test()
            self._known = AuthorizeResult.from_auth_test_response(
                auth_test_response=response, bot_token=self._client.token
            )
        return self._known

    def authorize_function(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """For Bolt's `authorize=` (Bolt passes arguments by their names, so a plain function)."""

        async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
            try:
                return await self.load()
            except SLACK_ERRORS as exc:  # the token alone: own messages are then told apart only as a bot's
                log.warning("auth.test failed (%s); handling this request with the token alone", error_word(exc))
                return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
                                       bot_token=self._client.token)

        return authorize
