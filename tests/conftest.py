"""Shared fixtures. Keep each one small and documented; module-specific ones live beside their tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
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
