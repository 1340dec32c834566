"""Storage edge: SQLAlchemy 2 async over SQLite (default) or PostgreSQL, migrated by Alembic.

`Store` is the one object the rest of Newsbot talks to; each concern lives in its own module
(jobs, archive, search, people, sources, digests, Slack installations) as a mixin over the same engine.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.archive import ANALYZER_VERSION, ArchiveMixin, StoredArticle, Validators
from bot.store.digests import DigestsMixin
from bot.store.engine import create_engine, dispose, migrate, reaching
from bot.store.installations import InstallationsMixin
from bot.store.jobs import JobsMixin, OnEnqueue
from bot.store.people import PeopleMixin
from bot.store.search import SearchMixin
from bot.store.sources import SourcesMixin

__all__ = ["ANALYZER_VERSION", "Store", "StoredArticle", "Validators"]


class Store(JobsMixin, ArchiveMixin, SearchMixin, PeopleMixin, SourcesMixin, DigestsMixin, InstallationsMixin):
    def __init__(self, engine: AsyncEngine, *, on_enqueue: OnEnqueue | None = None) -> None:
        self._engine = engine
        self._on_enqueue = on_enqueue

    @classmethod
    async def open(cls, database_url: str, *, on_enqueue: OnEnqueue | None = None) -> Store:
        """Connect and migrate to head (creates ./data/ for a relative SQLite path). `on_enqueue`
        runs in each new job's insert transaction (PostgreSQL mode defers its engine job there)."""
        engine = create_engine(database_url)
        try:
            async with reaching(engine):
                await migrate(engine)
        except BaseException:
            await dispose(engine)
            raise
        return cls(engine, on_enqueue=on_enqueue)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def connections(self) -> int:
        """Connections the pool holds open (in use or idle); -1 for pools that do not count."""
        pool = self._engine.pool
        try:
            return int(pool.checkedout()) + int(pool.checkedin())  # type: ignore[attr-defined]
        except AttributeError:
            return -1

    async def close(self) -> None:
        await dispose(self._engine)
