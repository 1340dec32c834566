"""Engine set-up and migrations: the only dialect-aware plumbing outside search.

SQLite gets WAL (readers never wait for the writer), foreign keys, a busy timeout, and
`BEGIN IMMEDIATE` for write transactions: a deferred transaction that reads and then writes can
fail at once with SQLITE_BUSY when another writer got there first; IMMEDIATE waits its turn.

SQLite has one writer at a time, and its busy handler is neither fair nor prompt (a waiting
writer sleeps and retries, up to 100 ms a nap). So within a process, SQLite writers queue on a
`WriteGate` first: first come, first served, urgent ones (a Slack ack waits on them) ahead of
the rest. busy_timeout still covers writers in other processes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.errors import DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000  # a write waits this long for another writer before failing
_IMMEDIATE = "newsbot_immediate"
MIGRATION_LOCK_KEY = 0x6E657773  # "news": any constant shared by all Newsbot instances
T = TypeVar("T")


class WriteGate:
    """An asyncio lock whose waiters are served urgent first, then in arrival order.

    Waiters are futures of the running loop, so one gate serves whichever loop uses it.
    """

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []  # (0 urgent | 1, seq, fut)
        self._seq = itertools.count()

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._held:  # release() empties the queue before it lets go, so nobody waits
            self._held = True
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (0 if urgent else 1, next(self._seq), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # handed the gate just as we were cancelled
                self.release()
            raise

    def release(self) -> None:
        """Hand the gate to the next live waiter (it stays held across the hand-over)."""
        while self._waiters:
            *_, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)
                return
        self._held = False


_gates: weakref.WeakKeyDictionary[Any, WriteGate] = weakref.WeakKeyDictionary()


def write_gate(engine: AsyncEngine) -> WriteGate | None:
    """The engine's in-process writer queue (SQLite only; PostgreSQL has row locks)."""
    if engine.dialect.name != "sqlite":
        return None
    sync = engine.sync_engine
    gate = _gates.get(sync)
    if gate is None:
        gate = _gates[sync] = WriteGate()
    return gate


# DATABASE_URL as platforms hand it out names no driver (Heroku still says `postgres://`);
# Newsbot talks to each engine through one async driver, so it picks it.
ASYNC_DRIVERS = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


def async_url(database_url: str | URL) -> URL:
    """The URL with Newsbot's async driver when it names none (`postgres://u@h/db` → asyncpg)."""
    url = make_url(database_url)
    return url.set(drivername=ASYNC_DRIVERS[url.drivername]) if url.drivername in ASYNC_DRIVERS else url


def prepare_sqlite_path(database_url: str) -> None:
    """Create the parent folder of a file-backed SQLite database (e.g. ./data/)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(sync_engine: Engine) -> None:
    """Pragmas, ln(), and our own BEGIN [IMMEDIATE] on every connection of a SQLite engine."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is broken)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints
        try:  # search ranking uses ln(); SQLite builds without math functions get Python's
            cur.execute("SELECT ln(1)")
        except Exception:
            dbapi_conn.create_function("ln", 1, math.log, deterministic=True)
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(database_url: str) -> AsyncEngine:
    prepare_sqlite_path(database_url)
    url = async_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _configure_sqlite(engine.sync_engine)
    return engine


_twins: weakref.WeakKeyDictionary[Any, Engine] = weakref.WeakKeyDictionary()


def thread_engine(engine: AsyncEngine) -> Engine | None:
    """File SQLite: a plain pysqlite engine on the same database, for `run_write`'s threads."""
    url = engine.url
    if engine.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
        return None
    twin = _twins.get(engine.sync_engine)
    if twin is None:
        twin = sa_create_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(twin)
        _twins[engine.sync_engine] = twin
    return twin


async def dispose(engine: AsyncEngine) -> None:
    """Close the engine's connections, its thread twin's included."""
    twin = _twins.pop(engine.sync_engine, None)
    if twin is not None:
        await asyncio.to_thread(twin.dispose)
    await engine.dispose()


@asynccontextmanager
async def write_tx(engine: AsyncEngine, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
    """A transaction that will write (IMMEDIATE on SQLite; plain elsewhere).

    On SQLite it first waits its turn at the engine's `WriteGate` (before taking a pooled
    connection, so queued writers hold none); `urgent` is for short writes someone is waiting
    on, such as queueing a job before Slack's ack.
    """
    gate = write_gate(engine)
    if gate is not None:
        await gate.acquire(urgent=urgent)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(**{_IMMEDIATE: True})
            async with conn.begin():
                yield conn
    finally:
        if gate is not None:
            gate.release()


def _in_tx(engine: Engine, fn: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        conn = conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            return fn(conn)


async def run_write(engine: AsyncEngine, fn: Callable[[Connection], T], *, urgent: bool = False) -> T:
    """Run `fn(connection)` as one write transaction and return its result.

    For long writes (saving an article is a dozen statements). Through aiosqlite each statement
    costs several hops between the event loop and the driver's thread, each waiting for a busy
    loop's turn, all while holding SQLite's one write lock and every other writer (a Slack ack
    among them) waits. So on file SQLite the whole transaction runs in a worker thread on a
    plain pysqlite engine: one hop, after a turn at the `WriteGate`. Elsewhere (PostgreSQL,
    in-memory SQLite) it goes through `AsyncConnection.run_sync` on the loop.
    """
    twin = thread_engine(engine)
    gate = write_gate(engine)
    if twin is None or gate is None:
        async with write_tx(engine, urgent=urgent) as conn:
            return await conn.run_sync(fn)
    await gate.acquire(urgent=urgent)
    work = asyncio.ensure_future(asyncio.to_thread(_in_tx, twin, fn))
    try:
        return await asyncio.shield(work)  # cancelled or not, the thread finishes its transaction
    finally:
        if work.done():
            gate.release()
        else:  # keep the gate until the thread's transaction ends
            work.add_done_callback(lambda _: gate.release())


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _upgrade(connection: Connection) -> None:
    cfg = _alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Apply Alembic migrations to head (every start-up, and `newsbot migrate`).

    On PostgreSQL the whole upgrade holds a transaction-scoped advisory lock: processes starting
    together take turns, and the second finds the schema already at head.
    """
    async with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        await conn.run_sync(_upgrade)


async def migration_state(engine: AsyncEngine) -> tuple[str | None, str]:
    """(the database's revision or None when never migrated, the code's head revision)."""
    async with engine.connect() as conn:
        current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None  # the package ships its migrations
    return current, head


@asynccontextmanager
async def reaching(engine: AsyncEngine) -> AsyncIterator[None]:
    """Turn "cannot connect" (refused, unknown host, bad credentials, no such database, timeout)
    into one error that names the database without its password; failed queries pass through."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        yield
    except (OSError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot reach the database {where}: {type(exc).__name__}: {exc}") from exc
    except DBAPIError as exc:
        if exc.statement is not None:  # SQLAlchemy sets no statement when the connection itself failed
            raise
        raise DatabaseUnavailable(f"cannot reach the database {where}: {exc.orig}") from exc


async def migrate_url(database_url: str) -> str:
    """`newsbot migrate`: migrate the database at `database_url`; say what changed."""
    engine = create_engine(database_url)
    try:
        async with reaching(engine):
            before, head = await migration_state(engine)
            await migrate(engine)
            after, _ = await migration_state(engine)
    finally:
        await dispose(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        return f"{where}: already at the latest schema ({head})"
    return f"{where}: migrated from {before or 'empty'} to {after} (latest: {head})"
