"""The one `AsyncWebClient` factory: Settings-driven base URL, and retries Slack recommends.

Bolt copies `base_url` and `retry_handlers` into every per-request client, so pointing this at a
local fake (tests) or adding retries here covers every Web API call the app makes.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

# 429: wait Retry-After, a few times (a burst of replies in one channel can hit ~1 msg/s).
RATE_LIMIT_RETRIES = 5
# 5xx: 0.5 s, 1 s, 2 s backoff; then the worker's own backoff (bot/worker.py) takes over.
TRANSIENT_RETRIES = 3
BACKOFF_FACTOR = 0.5
API_TIMEOUT_SECONDS = 30


def retry_handlers() -> list[AsyncRetryHandler]:
    """429 and 5xx mean Slack did not act, so the call is safely repeated. A dropped connection
    may have carried a post Slack accepted: repeating it blindly would double a reply, so those
    errors reach the caller (the worker looks in the thread before posting again)."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=BACKOFF_FACTOR)
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=TRANSIENT_RETRIES, interval_calculator=backoff),
    ]


def make_client(
    settings: Settings, *, token: str | None = None, retries: bool = True, tokenless: bool = False
) -> AsyncWebClient:
    """A client for the bot token (or `token`); `settings.slack_api_url` lets tests point it at a
    fake. `retries=False` for `newsbot check`, which reports a failure rather than waiting it out;
    `tokenless` for Bolt's base client, whose per-request clients take their token from `authorize`."""
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return AsyncWebClient(
        token=None if tokenless else token or settings.slack_bot_token,
        base_url=base_url,
        timeout=API_TIMEOUT_SECONDS,
        retry_handlers=retry_handlers() if retries else [],
    )
