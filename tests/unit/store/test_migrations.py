"""Migrations: several processes starting together on one PostgreSQL take turns (an advisory
lock), `DATABASE_URL` is accepted as platforms write it, and an unreachable database is one
clear error without its password."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

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


ROWS_AT_0003 = """
INSERT INTO articles (id, canonical_url, title, authors, paragraphs, word_count, sort_at, first_seen_at,
                      latest_analysis_id, updated_at)
VALUES (1, 'https://ex.test/1', 'One', '[]', '[]', 0, '2025-03-04 00:00:00', '2025-03-04 00:00:00', 2,
        '2025-03-04 00:00:00');
INSERT INTO analyses (id, article_id, analyzer_version, created_at, data) VALUES
  (1, 1, '1', '2025-03-04 00:00:00', '{}'), (2, 1, '1', '2025-03-05 00:00:00', '{}');
INSERT INTO organizations (id, name, name_key) VALUES (1, 'Acme', 'acme'), (2, 'Globex', 'globex');
INSERT INTO org_mentions (analysis_id, org_id, article_id, mentions) VALUES (1, 1, 1, 1), (2, 2, 1, 3);
INSERT INTO quotes (analysis_id, article_id, position, text, key, score) VALUES
  (1, 1, 0, 'old words', false, 0), (2, 1, 0, 'new words', false, 0);
INSERT INTO shares (article_id, team, channel, message_ts, shared_at) VALUES
  (1, 'T1', 'C1', '1.1', '2025-03-06 00:00:00'), (1, 'T1', 'C2', '1.2', '2025-03-07 00:00:00'),
  (1, 'T2', 'C9', '1.3', '2025-03-08 00:00:00')
"""


async def _at_0003(url: str) -> None:
    from alembic import command

    from bot.store.engine import _alembic_config

    def upgrade(connection: object) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0003")

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade)
            for statement in ROWS_AT_0003.split(";"):
                await conn.execute(text(statement))
    finally:
        await dispose(engine)


async def test_0004_on_sqlite(tmp_path: Path) -> None:
    await _check_0004(f"sqlite+aiosqlite:///{tmp_path}/old.db")


@pytest.mark.postgres
async def test_0004_on_postgres(empty_postgres: str) -> None:
    await _check_0004(empty_postgres)


async def _check_0004(url: str) -> None:
    """An archive written before 0004 keeps working: mentions of superseded analyses go, the rest
    get the article's date, and the organization counters start equal to the archive."""
    await _at_0003(url)
    store = await Store.open(url)
    try:
        async with store._engine.connect() as conn:
            quotes = (await conn.execute(text("SELECT text, sort_at FROM quotes"))).all()
            counts = (await conn.execute(text("SELECT team, org_id, month, articles FROM org_months"))).all()
        assert [q.text for q in quotes] == ["new words"] and str(quotes[0].sort_at).startswith("2025-03-04")
        assert sorted(tuple(c) for c in counts) == [("T1", 2, "2025-03", 1), ("T2", 2, "2025-03", 1)]
        report = await store.org_report("Globex", team="T1")
        assert report is not None and (report.article_count, report.by_month) == (1, [("2025-03", 1)])
        acme = await store.org_report("Acme", team="T1")  # only the superseded analysis named it
        assert acme is None or acme.article_count == 0
        assert [h.article_id for h in (await store.recent(team="T1", channel="C2")).items] == [1]
    finally:
        await store.close()
