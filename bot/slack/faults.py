"""What a failed Web API call means for the job that made it, decided once from Slack's error
word (or the exception's name, or `http_<status>`), after the client's own retries gave up.

- transient: rate limits, Slack's 5xx, timeouts, dropped connections; wait and post again;
- channel: this channel will not take the post (archived, not a member, gone); fail the job;
- auth: the workspace's token no longer works; stop all of its work until a restart;
- too_big: the message was refused for its size or blocks; post a shorter one;
- other errors (invalid_arguments, ...) are bugs of ours: fail the job, loudly.
Error words: https://api.slack.com/methods/chat.postMessage#errors
"""

from __future__ import annotations

from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

Fault = Literal["transient", "channel", "auth", "too_big", "other"]

# What a Web API call raises once the client's retry handlers have given up.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError, OSError)

FAULTS: dict[str, Fault] = {
    **dict.fromkeys(("ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
                     "team_added_to_org", "http_429"), "transient"),
    **dict.fromkeys(("channel_not_found", "not_in_channel", "is_archived", "restricted_action",
                     "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
                     "restricted_action_non_threadable_channel", "cannot_reply_to_message", "thread_locked"),
                    "channel"),
    **dict.fromkeys(("invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed",
                     "no_permission", "ekm_access_denied", "org_login_required"), "auth"),
    **dict.fromkeys(("msg_too_long", "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long",
                     "too_many_attachments"), "too_big"),
}


def error_word(exc: Exception) -> str:
    """Slack's error word, `http_<status>` when there is none, else the exception's name."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


def fault_of(error: str) -> Fault:
    if error in FAULTS:
        return FAULTS[error]
    if error.startswith("http_5") or not error.islower():  # a 5xx, or an exception (ServerDisconnectedError)
        return "transient"
    return "other"
