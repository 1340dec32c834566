"""Database fixtures: every storage test runs on SQLite (a temp file) and on real PostgreSQL.

PostgreSQL: NEWSBOT_TEST_PG_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test)
names a server and a database to connect to; each test session creates its own throw-away
database there and drops it at the end. Tests skip with a reason if the server isn't reachable.

Use: `database_url` (parametrized: sqlite, postgres; each test starts empty) or
`sqlite_url` / `postgres_url` alone. Import them in a conftest:
`from tests.store_fixtures import database_url, postgres_url, postgres_server, sqlite_url`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    url = make_url(os.environ.get("NEWSBOT_TEST_PG_URL") or DEFAULT_PG_URL)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def _dsn(sqlalchemy_url: str) -> str:
    """asyncpg wants a plain postgresql:// DSN."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_dsn(_pg_admin_url()), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A fresh database for this test session (URL for SQLAlchemy); dropped afterwards."""
    name = f"newsbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {_pg_admin_url()} ({exc}); set NEWSBOT_TEST_PG_URL")
    except Exception as exc:  # asyncpg's auth/permission errors
        pytest.skip(f"cannot create a test database on {_pg_admin_url()}: {type(exc).__name__}: {exc}")
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _empty_pg(url: str) -> None:
    """Empty every table (migrations stay applied): each test starts from a blank archive."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        names = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        if names:
            tables = ", ".join(f'"{r["tablename"]}"' for r in names)
            await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def postgres_url(postgres_server: str) -> str:
    await _empty_pg(postgres_server)
    return postgres_server


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


# --- a small real archive --------------------------------------------------------------
DATA_DIR = Path(__file__).resolve().parent / "data"  # see tests/data/SOURCES.md
SEED_HTML = DATA_DIR / "articles" / "pharma-manufacturing.html"
SEED_GOLD = DATA_DIR / "articles" / "pharma-manufacturing.gold.json"
EXTRACTION_DIR = DATA_DIR / "eval" / "extraction"
ARCHIVE_EXTRA_ARTICLES = 5  # extraction-set pages added to the seed: varied sites and subjects


def archive_targets() -> list[tuple[str, str]]:
    """(local file, URL it was published at): the seed article, then the extraction set's pages
    sorted by id (a stable order); `analyze_files` keeps the first that read well."""
    import json

    gold = json.loads(SEED_GOLD.read_text())
    truth = json.loads((EXTRACTION_DIR / "ground-truth.json").read_text())
    extra = [(str(EXTRACTION_DIR / "html" / f"{k}.html.gz"), truth[k]["url"]) for k in sorted(truth)]
    return [(str(SEED_HTML), gold["url"]), *extra]


async def analyze_files(targets: list[tuple[str, str]], want: int) -> list[tuple[str, Any, Any]]:
    """Run local pages through the real extraction + analysis (spaCy in a worker process) until
    `want` have been read; pages the pipeline rejects (paywalled, not an article) are skipped."""
    import dataclasses

    from bot.config import load_settings
    from bot.errors import NewsbotError
    from bot.fetch.files import read_local
    from bot.pipeline import Analyzer

    settings = load_settings()
    analyzer = Analyzer(settings.spacy_model, workers=1)
    await analyzer.start()
    out: list[tuple[str, Any, Any]] = []
    try:
        for path, url in targets:
            if len(out) >= want:
                break
            page = await asyncio.to_thread(read_local, path, settings.max_bytes)
            try:
                article, analysis = await analyzer.read(page)
            except NewsbotError:
                continue
            out.append((url, dataclasses.replace(article, url=url), analysis))
    finally:
        analyzer.close()
    return out


@pytest.fixture(scope="session")
def analyzed_articles() -> list[tuple[str, Any, Any]]:
    """[(url, Article, Analysis)] for the seed + a few extraction pages; analyzed once per session."""
    return asyncio.run(analyze_files(archive_targets(), want=1 + ARCHIVE_EXTRA_ARTICLES))
