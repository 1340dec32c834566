"""One claim primitive for jobs and digest runs: an owner token, a lease on the database clock,
a heartbeat that renews it, fencing on the outcome, attempts counted in the row.

A row is claimable when nobody owns it or its owner's lease ran out. Leases are compared with the
database's own clock (never a process's), so hosts whose clocks drift, or a process restarted on
another host name or port, agree on who holds what. Only the current owner may record an outcome
(`held`): a process that stalled past its lease and then resumes finds its token replaced, and
its late result is refused instead of overwriting the new owner's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Float, Table, and_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

log = logging.getLogger(__name__)

# A claim nobody renews for this long is presumed dead (SIGKILL, a lost host): a job or digest run
# is taken over within LEASE + one sweep (< 30 s). The heartbeat renews it three times per lease.
LEASE = timedelta(seconds=20)
HEARTBEAT_SECONDS = LEASE.total_seconds() / 3


class db_epoch(FunctionElement[float]):
    """Seconds since 1970 on the database server's clock (a float: sub-second leases in tests)."""

    type = Float()
    inherit_cache = True


@compiles(db_epoch, "postgresql")
def _pg_epoch(_element: db_epoch, _compiler: Any, **_kw: Any) -> str:
    return "extract(epoch from clock_timestamp())"  # not now(): that is frozen for the transaction


@compiles(db_epoch, "sqlite")
def _sqlite_epoch(_element: db_epoch, _compiler: Any, **_kw: Any) -> str:
    return "((julianday('now') - 2440587.5) * 86400.0)"


def new_token() -> str:
    """An owner token: unique per process run, so a restarted process is a new owner."""
    return uuid.uuid4().hex


def lapsed(table: Table) -> ColumnElement[bool]:
    """Nobody holds the row: never claimed, or its lease ran out (a NULL lease predates leases)."""
    c = table.c
    return or_(c.owner.is_(None), c.lease_expires.is_(None), c.lease_expires < db_epoch())


def first(owner: str, lease: timedelta = LEASE) -> dict[str, Any]:
    """The claim values of a row inserted already claimed (its first attempt)."""
    return {"owner": owner, "lease_expires": db_epoch() + lease.total_seconds(), "attempts": 1}


def take(table: Table, owner: str, lease: timedelta = LEASE) -> dict[str, Any]:
    """The values of a claim: our token, a fresh lease, one more attempt."""
    return {
        "owner": owner,
        "lease_expires": db_epoch() + lease.total_seconds(),
        "attempts": table.c.attempts + 1,
    }


def renewal(lease: timedelta = LEASE) -> dict[str, Any]:
    return {"lease_expires": db_epoch() + lease.total_seconds()}


def held(table: Table, row_id: int, owner: str) -> ColumnElement[bool]:
    """Fencing: the row is still ours (whatever the lease says: a late heartbeat that nobody
    overtook is still the owner; a new owner's token replaced ours)."""
    return and_(table.c.id == row_id, table.c.owner == owner)


@contextlib.asynccontextmanager
async def heartbeat(
    renew: Callable[[], Awaitable[object]], *, every: float = HEARTBEAT_SECONDS, name: str = "heartbeat"
) -> AsyncIterator[None]:
    """Call `renew` every `every` seconds while the block runs. A failed renewal is logged and
    tried again next beat; if the lease runs out meanwhile, fencing keeps the outcome safe."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await renew()
            except Exception:  # the database may be away for a moment
                log.warning("%s: could not renew the lease", name, exc_info=True)

    task = asyncio.create_task(beat(), name=name)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
