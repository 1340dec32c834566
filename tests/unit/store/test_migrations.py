"""Migrations: several processes starting together on one PostgreSQL take turns (an advisory
lock), `DATABASE_URL` is accepted as platforms write it, and an unreachable database is one
clear error without its password."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.errors import DatabaseUnavailable
from bot.store import Store
from bot.store.engine import async_url, create_engine, dispose, migrate, migration_state
from tests.fakes.serve import free_port
from tests.store_fixtures import _admin, _pg_admin_url

STARTING_TOGETHER = 4


@pytest.fixture
async def empty_postgres(postgres_server: str) -> AsyncIterator[str]:
    """A brand-new database: no tables, never migrated (the session database already is)."""
    name = f"newsbot_migrate_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
async def test_processes_starting_together_migrate_once(empty_postgres: str) -> None:
    engines = [create_engine(empty_postgres) for _ in range(STARTING_TOGETHER)]
    try:
        # Without the lock they deadlock on alembic_version: a bound turns that hang into a failure.
        together = asyncio.gather(*(migrate(e) for e in engines), return_exceptions=True)
        results = await asyncio.wait_for(together, timeout=60)
        assert [r for r in results if isinstance(r, BaseException)] == []
        current, head = await migration_state(engines[0])
        assert current == head
        async with engines[0].connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar() == 1
    finally:
        await asyncio.gather(*(dispose(e) for e in engines))


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@db.example:5432/news", "postgresql+asyncpg"),  # Heroku and friends
        ("postgresql://u@db.example/news", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@db.example/news", "postgresql+asyncpg"),
        ("sqlite:///data/newsbot.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///data/newsbot.db", "sqlite+aiosqlite"),
    ],
)
def test_platform_database_urls_get_the_async_driver(given: str, driver: str) -> None:
    url = async_url(given)
    assert url.drivername == driver
    assert (url.host, url.database) == (make_url(given).host, make_url(given).database)


async def test_an_unreachable_database_is_one_clear_error() -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        await Store.open(f"postgres://newsbot:s3cret@127.0.0.1:{free_port()}/newsbot")
    assert "cannot reach the database" in info.value.message
    assert "s3cret" not in info.value.message
