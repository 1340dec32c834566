"""Digest queries (`DigestsMixin` of `Store`): subscriptions, run claims, period articles.

Written by the digest/scheduler owner over the storage helper's tables (`tables.py`).
The `digest_runs` unique key (team, channel, local_date, slot) is the at-most-once guard:
whoever inserts the row posts; everyone else (a restart, a second scheduler, the second
occurrence of a fall-back hour) finds it taken and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Article
from bot.store import claims
from bot.store.common import unindexed
from bot.store.engine import write_tx
from bot.store.tables import analyses, articles, digest_runs, digest_subscriptions, shares

# Statuses of a digest_runs row; a period starts where the last run that reached the channel began.
RUNNING, POSTED, EMPTY, FAILED, SKIPPED = "running", "posted", "empty", "failed", "skipped"
DONE_STATUSES = (POSTED, EMPTY)


@dataclass(frozen=True, slots=True)
class Subscription:
    team: str
    channel: str
    time: str  # 'HH:MM' local
    timezone: str
    days: str
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DigestRun:
    local_date: str
    slot: str
    status: str
    started_at: datetime
    article_count: int | None
    attempts: int = 1
    lease_left: float | None = None  # seconds until its claim lapses (database clock); < 0: lapsed


@dataclass(frozen=True, slots=True)
class PeriodArticle:
    """An article shared in the channel in a period (raw material for `digest.DigestItem`)."""

    article: Article
    analysis_json: dict[str, Any] | None
    share_count: int  # shares of the article in the team, all channels, up to the period end
    first_shared_at: datetime  # its first share in this channel within the period
    message_ts: str  # that share's message
    thread_ts: str | None  # the thread the share was in, if any


class DigestsMixin:
    """Digest reads and writes, mixed into `Store`."""

    _engine: AsyncEngine

    # --- subscriptions -----------------------------------------------------------------
    async def digest_subscribe(
        self, team: str, channel: str, time: str, timezone: str, days: str, created_by: str | None, now: datetime
    ) -> bool:
        """Create or update the channel's subscription at `time`; True if it is new."""
        key = and_(
            digest_subscriptions.c.team == team,
            digest_subscriptions.c.channel == channel,
            digest_subscriptions.c.time == time,
        )
        values = {"timezone": timezone, "days": days, "created_by": created_by}
        for _ in range(2):  # one retry: a concurrent insert of the same key turns into an update
            try:
                async with write_tx(self._engine) as conn:
                    res = await conn.execute(update(digest_subscriptions).where(key).values(**values))
                    if res.rowcount:
                        return False
                    await conn.execute(
                        insert(digest_subscriptions).values(
                            team=team, channel=channel, time=time, created_at=now, **values
                        )
                    )
                    return True
            except IntegrityError:
                continue
        return False

    async def digest_unsubscribe(self, team: str, channel: str, time: str | None = None) -> int:
        """Remove the channel's subscriptions (only the one at `time` if given); how many."""
        cond = and_(digest_subscriptions.c.team == team, digest_subscriptions.c.channel == channel)
        if time is not None:
            cond = and_(cond, digest_subscriptions.c.time == time)
        async with write_tx(self._engine) as conn:
            res = await conn.execute(delete(digest_subscriptions).where(cond))
            return int(res.rowcount or 0)

    async def digest_subscriptions(self, team: str | None = None, channel: str | None = None) -> list[Subscription]:
        c = digest_subscriptions.c
        q = select(digest_subscriptions).order_by(c.team, c.channel, c.time)
        if team is not None:
            q = q.where(c.team == team)
        if channel is not None:
            q = q.where(c.channel == channel)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).mappings().all()
        return [
            Subscription(r["team"], r["channel"], r["time"], r["timezone"], r["days"], r["created_by"], r["created_at"])
            for r in rows
        ]

    # --- runs --------------------------------------------------------------------------
    async def claim_digest_run(
        self,
        team: str,
        channel: str,
        local_date: str,
        slot: str,
        now: datetime,
        *,
        owner: str,
        status: str = RUNNING,
        lease: timedelta = claims.LEASE,
    ) -> int | None:
        """Insert the run row under claim token `owner`; its id if we won the slot, None if
        someone already has it."""
        try:
            async with write_tx(self._engine) as conn:
                res = await conn.execute(
                    insert(digest_runs)
                    .values(
                        team=team, channel=channel, local_date=local_date, slot=slot, status=status, started_at=now,
                        **claims.first(owner, lease),
                    )
                    .returning(digest_runs.c.id)
                )
                return int(res.scalar_one())
        except IntegrityError:
            return None

    async def reclaim_digest_run(
        self,
        team: str,
        channel: str,
        local_date: str,
        slot: str,
        now: datetime,
        *,
        owner: str,
        lease: timedelta = claims.LEASE,
    ) -> int | None:
        """Take back a run whose post FAILED, or one still RUNNING whose lease ran out (its
        process died mid-post): its id, or None if neither.

        One conditional UPDATE, so of several schedulers retrying at once only one wins."""
        c = digest_runs.c
        takeable = or_(c.status == FAILED, and_(c.status == RUNNING, claims.lapsed(digest_runs)))
        async with write_tx(self._engine) as conn:
            res = await conn.execute(
                update(digest_runs)
                .where(c.team == team, c.channel == channel, c.local_date == local_date, c.slot == slot, takeable)
                .values(status=RUNNING, started_at=now, finished_at=None, **claims.take(digest_runs, owner, lease))
                .returning(c.id)
            )
            run_id = res.scalar()
        return int(run_id) if run_id is not None else None

    async def renew_digest_run(self, run_id: int, owner: str, *, lease: timedelta = claims.LEASE) -> bool:
        """The heartbeat of a post in progress; False if the run is no longer ours."""
        async with write_tx(self._engine) as conn:
            res = await conn.execute(
                update(digest_runs).where(claims.held(digest_runs, run_id, owner)).values(**claims.renewal(lease))
            )
        return bool(res.rowcount)

    async def digest_run(self, team: str, channel: str, local_date: str, slot: str) -> DigestRun | None:
        """The slot's run, or None when nobody has claimed it."""
        c = digest_runs.c
        lease_left = (c.lease_expires - claims.db_epoch()).label("lease_left")
        q = select(c.local_date, c.slot, c.status, c.started_at, c.article_count, c.attempts, lease_left).where(
            c.team == team, c.channel == channel, c.local_date == local_date, c.slot == slot
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).mappings().first()
        return DigestRun(**row) if row is not None else None

    async def digest_run_claimed(self, team: str, channel: str, local_date: str, slot: str) -> bool:
        return await self.digest_run(team, channel, local_date, slot) is not None

    async def finish_digest_run(
        self,
        run_id: int,
        status: str,
        now: datetime,
        *,
        owner: str,
        message_ts: str | None = None,
        article_count: int = 0,
    ) -> bool:
        """Record the outcome if claim token `owner` still holds the run (fencing); False if not."""
        async with write_tx(self._engine) as conn:
            res = await conn.execute(
                update(digest_runs)
                .where(claims.held(digest_runs, run_id, owner))
                .values(status=status, finished_at=now, message_ts=message_ts, article_count=article_count)
            )
        return bool(res.rowcount)

    async def previous_digest_at(self, team: str, channel: str, before: datetime) -> datetime | None:
        """When the last digest that reached this channel started (the next period's start)."""
        c = digest_runs.c
        q = (
            select(c.started_at)  # not func.max: that would bypass the column's UTC type
            .where(c.team == team, c.channel == channel, c.status.in_(DONE_STATUSES), c.started_at < before)
            .order_by(c.started_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            value: datetime | None = (await conn.execute(q)).scalar()
        return value

    async def digest_runs(self, team: str, channel: str, limit: int = 5) -> list[DigestRun]:
        """The channel's latest runs, newest first (for `digest status`)."""
        c = digest_runs.c
        q = select(digest_runs).where(c.team == team, c.channel == channel).order_by(c.started_at.desc()).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).mappings().all()
        return [
            DigestRun(r["local_date"], r["slot"], r["status"], r["started_at"], r["article_count"], r["attempts"])
            for r in rows
        ]

    # --- period articles ---------------------------------------------------------------
    async def digest_period_articles(
        self, team: str, channel: str, since: datetime, until: datetime
    ) -> list[PeriodArticle]:
        """Each article shared in the channel in (since, until], once, with its popularity."""
        s = shares.c
        in_period = and_(s.team == team, s.channel == channel, s.shared_at > since, s.shared_at <= until)
        # The period's shares (ix_shares_channel_recent), the first one per article kept here; the
        # articles by id; their popularity in one grouped count on ix_shares_article_id_team.
        period = select(s.article_id, s.message_ts, s.thread_ts, s.shared_at).where(in_period)
        out: list[PeriodArticle] = []
        async with self._engine.connect() as conn:
            first: dict[int, Any] = {}
            for sh in sorted((await conn.execute(period)).all(), key=lambda sh: (sh.shared_at, sh.message_ts)):
                first.setdefault(sh.article_id, sh)
            ids = list(first)
            if not ids:
                return out
            q = (
                select(articles, analyses.c.data.label("analysis_data"))
                .where(articles.c.id.in_(ids))
                .outerjoin(analyses, analyses.c.id == articles.c.latest_analysis_id)  # as search reads it
            )
            rows = (await conn.execute(q)).mappings().all()
            counted = (
                select(s.article_id, func.count().label("n"))
                .where(s.article_id.in_(ids), s.team == team, unindexed(conn, s.shared_at) <= until)
                .group_by(s.article_id)
            )
            popularity = {a: int(n) for a, n in (await conn.execute(counted)).all()}
        for r in rows:
            share = first[r["id"]]
            article = Article(
                url=r["canonical_url"],
                canonical_url=r["canonical_url"],
                title=r["title"],
                authors=tuple(r["authors"] or ()),
                published=r["published"],
                site_name=r["site_name"],
                language=r["language"],
                description=r["description"],
            )
            out.append(
                PeriodArticle(
                    article=article,
                    analysis_json=r["analysis_data"],
                    share_count=popularity.get(r["id"], 1),
                    first_shared_at=share.shared_at,
                    message_ts=share.message_ts,
                    thread_ts=share.thread_ts,
                )
            )
        return out
