"""Logging set-up: one stderr handler, and no secret ever written by it.

slack_sdk logs request and response bodies at DEBUG (an OAuth code exchange's answer carries the
new workspace's bot token), and an exception's text may quote a URL with a token: the handler's
filter masks Slack tokens by their shape and the configured secrets by their value, whatever the
level and whichever library wrote the line.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from bot.config import Settings

# Slack token shapes: bot, user, app-level, refresh and configuration tokens (xoxb-, xoxp-, xapp-, xoxe-...).
TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
MASK = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Chatty at INFO about their own set-up, not about Newsbot's work.
QUIET_LOGGERS = ("alembic.runtime.plugins", "alembic.runtime.migration")


class Redact(logging.Filter):
    """Replaces each record's message (arguments merged in) and traceback with a masked copy."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        values = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)  # short ones: no meaning
        self._secrets = re.compile("|".join(map(re.escape, values))) if values else None

    def mask(self, text: str) -> str:
        text = TOKEN.sub(MASK, text)
        return self._secrets.sub(MASK, text) if self._secrets is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


def configure(settings: Settings) -> None:
    """The CLI's logging: level from NEWSBOT_LOG_LEVEL, every line through `Redact`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redact(secret_values(settings)))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def secret_values(settings: Settings) -> list[str]:
    return [v for v in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
                        settings.slack_client_secret) if v]
