"""Fixtures the scenario tests share: a local fake Slack and the local article server (one per
module, like the app each module starts), and PostgreSQL (skipped where none runs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.conftest import SHARED_ARTICLES
from tests.fakes.article_server import ArticleServer
from tests.fakes.slack_api import FakeSlack
from tests.store_fixtures import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url", "slack", "web_server"]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def web_server() -> AsyncIterator[ArticleServer]:
    async with ArticleServer(root=SHARED_ARTICLES) as server:
        yield server
