"""Durable jobs: one row per (team, channel, message ts, url), so duplicate deliveries, retries
and `message_changed` events can't queue the same work twice, and restarts lose nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.models import Job, Share
from bot.store import claims
from bot.store.common import insert_ignore, share_from_row, share_time
from bot.store.engine import write_tx
from bot.store.tables import jobs, utcnow

# Called inside the transaction that inserts a new job row (PostgreSQL mode: bot.queue.defer_in).
OnEnqueue = Callable[[AsyncConnection, Job], Awaitable[None]]
UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed")


def _job(row: object) -> Job:
    return Job(
        id=row.id,  # type: ignore[attr-defined]
        share=share_from_row(row),
        url=row.url,  # type: ignore[attr-defined]
        status=row.status,  # type: ignore[attr-defined]
        attempts=row.attempts,  # type: ignore[attr-defined]
        error_code=row.error_code,  # type: ignore[attr-defined]
    )


def _takeable() -> ColumnElement[bool]:
    """Queued, or running under a claim whose lease ran out (its process died or stalled)."""
    return or_(jobs.c.status == "queued", and_(jobs.c.status == "running", claims.lapsed(jobs)))


class JobsMixin:
    _engine: AsyncEngine
    _on_enqueue: OnEnqueue | None

    async def enqueue_job(self, share: Share, url: str) -> Job | None:
        """Queue work for one link of one message; None if that key was queued before."""
        values = {
            "team": share.team,
            "channel": share.channel,
            "message_ts": share.message_ts,
            "url": url,
            "thread_ts": share.thread_ts,
            "user": share.user,
            "shared_at": share_time(share),
            "status": "queued",
            "attempts": 0,
            "created_at": utcnow(),
        }
        async with write_tx(self._engine, urgent=True) as conn:  # Slack's ack waits on this
            stmt = insert_ignore(conn, jobs, ["team", "channel", "message_ts", "url"])
            row = (await conn.execute(stmt.values(**values).returning(*jobs.c))).first()
            job = _job(row) if row is not None else None
            if job is not None and self._on_enqueue is not None:
                await self._on_enqueue(conn, job)
        return job

    async def claim_job(
        self, job_id: int, *, owner: str, lease: timedelta = claims.LEASE, by: str | None = None
    ) -> Job | None:
        """Atomically take a queued job, or a running one whose lease ran out, for claim token
        `owner` (`by` names the process, for people reading the table); None if it is held or done."""
        stmt = (
            update(jobs)
            .where(jobs.c.id == job_id, _takeable())
            .values(status="running", claimed_at=utcnow(), claimed_by=by, **claims.take(jobs, owner, lease))
            .returning(*jobs.c)
        )
        async with write_tx(self._engine) as conn:
            row = (await conn.execute(stmt)).first()
        return _job(row) if row is not None else None

    async def renew_jobs(self, owner: str, *, lease: timedelta = claims.LEASE, job_id: int | None = None) -> int:
        """The heartbeat: extend the lease of `owner`'s running jobs (or of one); how many are still ours."""
        where = [jobs.c.owner == owner, jobs.c.status == "running"]
        if job_id is not None:
            where.append(jobs.c.id == job_id)
        async with write_tx(self._engine) as conn:
            return (await conn.execute(update(jobs).where(*where).values(**claims.renewal(lease)))).rowcount or 0

    async def unfinished_jobs(self) -> list[Job]:
        """Queued or running jobs, oldest first."""
        stmt = select(jobs).where(jobs.c.status.in_(UNFINISHED)).order_by(jobs.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(r) for r in rows]

    async def claimable_jobs(self, *, queued_for: timedelta = timedelta(0)) -> list[Job]:
        """Jobs nobody runs, oldest first: queued at least `queued_for`, or running under a lapsed
        lease (the sweep's and start-up's list; `claim_job` still decides each one atomically)."""
        queued = and_(jobs.c.status == "queued", jobs.c.created_at <= utcnow() - queued_for)
        abandoned = and_(jobs.c.status == "running", claims.lapsed(jobs))
        stmt = select(jobs).where(or_(queued, abandoned)).order_by(jobs.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(r) for r in rows]

    async def requeue_running(self) -> int:
        """Put every `running` job back in the queue: for a process that knows no other one runs
        jobs on this database (bot/store/lock.py). Returns how many."""
        stmt = update(jobs).where(jobs.c.status == "running").values(status="queued", owner=None)
        async with write_tx(self._engine) as conn:
            return (await conn.execute(stmt)).rowcount or 0

    async def get_job(self, job_id: int) -> Job | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).first()
        return _job(row) if row is not None else None

    async def finish_job(
        self,
        job_id: int,
        status: str,
        *,
        owner: str,
        error_code: str | None = None,
        reply_ts: str | None = None,
    ) -> bool:
        """Record the outcome (`done` or `failed` with a stable error code, or back to `queued`) if
        claim token `owner` still holds the job; False when another process took it over (fencing)."""
        if status not in (*FINISHED, "queued"):
            raise ValueError(f"unknown job status {status!r}")
        values: dict[str, object] = {"status": status, "error_code": error_code, "reply_ts": reply_ts}
        if status in FINISHED:
            values["finished_at"] = utcnow()
        else:
            values["owner"] = None  # free for whoever sweeps next
        async with write_tx(self._engine) as conn:
            res = await conn.execute(update(jobs).where(claims.held(jobs, job_id, owner)).values(**values))
        return bool(res.rowcount)
