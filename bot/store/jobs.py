"""Durable jobs: one row per (team, channel, message ts, url), so duplicate deliveries, retries
and `message_changed` events can't queue the same work twice, and restarts lose nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Job, Share
from bot.store.common import insert_ignore, share_from_row, share_time
from bot.store.engine import write_tx
from bot.store.tables import jobs, utcnow

# A running job whose claim is older than this is presumed abandoned (its process died) and
# may be claimed again; analysis of one article takes seconds, so this is generous.
JOB_LEASE = timedelta(minutes=10)
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


class JobsMixin:
    _engine: AsyncEngine

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
        return _job(row) if row is not None else None

    async def claim_job(
        self, job_id: int, *, lease: timedelta = JOB_LEASE, owner: str | None = None
    ) -> Job | None:
        """Atomically move a job queued -> running; None if another worker holds it or it's done.

        A job left `running` longer than `lease` (its process died) can be claimed again, and so
        can one claimed by `owner` itself (our previous process, restarted under the same name).
        """
        now = utcnow()
        stale = jobs.c.claimed_at <= now - lease
        if owner is not None:
            stale = or_(stale, jobs.c.claimed_by == owner)
        stmt = (
            update(jobs)
            .where(jobs.c.id == job_id, or_(jobs.c.status == "queued", and_(jobs.c.status == "running", stale)))
            .values(status="running", attempts=jobs.c.attempts + 1, claimed_at=now, claimed_by=owner)
            .returning(*jobs.c)
        )
        async with write_tx(self._engine) as conn:
            row = (await conn.execute(stmt)).first()
        return _job(row) if row is not None else None

    async def unfinished_jobs(self) -> list[Job]:
        """Queued or running jobs, oldest first: what to resume at start-up."""
        stmt = select(jobs).where(jobs.c.status.in_(UNFINISHED)).order_by(jobs.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(r) for r in rows]

    async def claimable_jobs(
        self, *, owner: str, lease: timedelta = JOB_LEASE, queued_for: timedelta = timedelta(0)
    ) -> list[Job]:
        """Jobs `owner` may take over, oldest first: queued at least `queued_for`, or running
        under `owner`'s name or with a claim older than `lease` (the sweep's and start-up's list)."""
        now = utcnow()
        queued = and_(jobs.c.status == "queued", jobs.c.created_at <= now - queued_for)
        abandoned = and_(
            jobs.c.status == "running", or_(jobs.c.claimed_at <= now - lease, jobs.c.claimed_by == owner)
        )
        stmt = select(jobs).where(or_(queued, abandoned)).order_by(jobs.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(r) for r in rows]

    async def requeue_running(self) -> int:
        """Put every `running` job back in the queue: for a process that knows no other one runs
        jobs on this database (bot/store/lock.py). Returns how many."""
        stmt = update(jobs).where(jobs.c.status == "running").values(status="queued", claimed_by=None)
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
        error_code: str | None = None,
        reply_ts: str | None = None,
    ) -> None:
        """Record the outcome: `done` or `failed` (with a stable error code), or back to `queued`."""
        if status not in (*FINISHED, "queued"):
            raise ValueError(f"unknown job status {status!r}")
        values: dict[str, object] = {"status": status, "error_code": error_code, "reply_ts": reply_ts}
        if status in FINISHED:
            values["finished_at"] = utcnow()
        async with write_tx(self._engine) as conn:
            await conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
