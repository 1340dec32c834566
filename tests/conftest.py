"""Shared fixtures. Keep each one small and documented; module-specific ones live beside their tests."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `tests.fakes...` imports work under plain `pytest` too
    sys.path.insert(0, str(REPO_ROOT))

from tests.fakes.article_server import ArticleServer  # noqa: E402

# The tests' own small copy of shared data (the seed story and a few benchmark pages; sources and
# licences in tests/data/SOURCES.md), laid out like ../shared so a lone clone runs every test.
DATA_DIR = REPO_ROOT / "tests" / "data"
SHARED_ARTICLES = DATA_DIR / "articles"


@pytest.fixture
async def article_server() -> AsyncIterator[ArticleServer]:
    """A real HTTP server on 127.0.0.1 serving tests/data/articles under /files/ and test routes."""
    async with ArticleServer(root=SHARED_ARTICLES) as server:
        yield server


# --- no secret in any log line -------------------------------------------------------------
# Slack tokens by their documented prefixes, and the signing and client secrets the tests use.
SECRET_PATTERN = re.compile(
    r"xox[abepr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|[a-z]+-signing-secret|[a-z]+-client-secret|s3cret"
)


def secrets_in(text: str) -> list[str]:
    return SECRET_PATTERN.findall(text)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        if secrets_in(line):
            self.leaks.append(f"{record.name}: {line[:300]}")


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    """Every test: whatever Newsbot, Bolt, slack_sdk or aiohttp log at INFO and above (the
    production default) carries no token and no signing secret. (`newsbot serve` subprocesses'
    logs are scanned by the tests that start them.)"""
    root, handler = logging.getLogger(), _Lines()
    level = root.level
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert not handler.leaks, f"secrets in log lines: {handler.leaks[:3]}"
