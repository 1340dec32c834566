"""`DigestScheduler`: APScheduler jobs rebuilt from `digest_subscriptions`, posting via claims.

The database is the source of truth: jobs live in APScheduler's memory store and are rebuilt
at start-up and re-synced every `SYNC_SECONDS` (subscriptions made in a web process reach a
separate `newsbot clock` process that way). Every post first claims its `digest_runs` row,
so a restart, a late start, two schedulers or a fall-back hour never post a slot twice.

Time: `clock` is injectable for our own decisions (catch-up, slot keys, periods). APScheduler
itself reads the real time; it only decides *when* to call us.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.schedule.poster import DigestPoster, Outcome
from bot.schedule.slots import Clock, Slot, catch_up, latest_fire, local_date, utc_now
from bot.slack.pacing import Pacer
from bot.store.digests import FAILED, RUNNING, SKIPPED, Subscription

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.slack.workspaces import Workspaces
    from bot.store import Store

log = logging.getLogger(__name__)

__all__ = ["DigestScheduler", "Outcome", "Pacer", "slot_of"]  # Outcome: from poster; Pacer: bot.slack.pacing

RETENTION_SECONDS = 3600  # retention is in days: an hourly sweep is plenty
SYNC_SECONDS = 30  # how soon a subscription made elsewhere gets its job in this process
JOB_PREFIX = "digest:"
# A post that fails after the client's own retries (outage, rate limit) is tried again after
# these pauses, so at most len + 1 attempts, and only while the slot is within the grace.
RETRY_DELAYS = (60.0, 300.0)


def slot_of(sub: Subscription) -> Slot:
    hour, minute = (int(x) for x in sub.time.split(":"))
    return Slot(hour, minute, sub.timezone, sub.days)


class DigestScheduler:
    """Owns an `AsyncIOScheduler`; `start()`/`stop()` from aiohttp's startup/cleanup."""

    def __init__(
        self,
        store: Store,
        slack: Workspaces,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        pacer: Pacer | None = None,
        sync_seconds: float = SYNC_SECONDS,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        cron_second: int = 0,
    ) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.poster = DigestPoster(store, slack, settings, clock=clock, pacer=pacer)
        self.grace = timedelta(minutes=settings.digest_grace_minutes)
        self.sync_seconds = sync_seconds
        self.retry_delays = tuple(retry_delays)
        # Tests of the real `newsbot clock` only: slots fire at HH:MM:<cron_second> (APScheduler's
        # own cron trigger), and our slot arithmetic is shifted by the same seconds to match.
        self.cron_second = cron_second
        self._offset = timedelta(seconds=cron_second)
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._specs: dict[str, tuple[str, str, str]] = {}  # job id -> (time, timezone, days)

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Build jobs from the database, post slots missed within the grace, start firing."""
        sched = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={
                "misfire_grace_time": max(1, int(self.grace.total_seconds())),
                "coalesce": True,
                "max_instances": 1,
            },
            timezone="UTC",
        )
        self._scheduler = sched
        quiet = logging.getLogger("apscheduler.executors.default")  # "Running job" every sync
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)
        subs = await self.sync()
        sched.add_job(self.sync, "interval", seconds=self.sync_seconds, id="digest-sync", coalesce=True)
        if self.settings.retention_days:  # housekeeping rides on the one scheduler per deployment
            sched.add_job(
                self.purge, "interval", seconds=RETENTION_SECONDS, id="retention", next_run_time=self.clock()
            )
        sched.start()
        for sub in subs:
            self._spawn(self._catch_up(sub))
        log.info("digest scheduler started: %d subscription(s)", len(subs))

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._scheduler = None

    async def drain(self) -> None:
        """Wait for catch-up posts started by `start()` (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)  # keep a reference: unreferenced tasks can be collected
        task.add_done_callback(self._tasks.discard)

    async def purge(self) -> dict[str, int]:
        """Retention (`NEWSBOT_RETENTION_DAYS`): delete shares and analyses older than the window."""
        assert self.settings.retention_days is not None
        counts = await self.store.purge(timedelta(days=self.settings.retention_days))
        if any(counts.values()):
            log.info("retention: deleted %s", ", ".join(f"{n} {k}" for k, n in counts.items() if n))
        return counts

    # --- jobs --------------------------------------------------------------------------
    async def sync(self) -> list[Subscription]:
        """Make the jobs match `digest_subscriptions` (add, replace changed, remove gone)."""
        subs = await self.store.digest_subscriptions()
        sched = self._scheduler
        if sched is None:
            return subs
        wanted = {f"{JOB_PREFIX}{s.team}:{s.channel}:{s.time}": s for s in subs}
        for job_id in set(self._specs) - set(wanted):
            if sched.get_job(job_id):
                sched.remove_job(job_id)
            del self._specs[job_id]
        for job_id, sub in wanted.items():
            spec = (sub.time, sub.timezone, sub.days)
            if self._specs.get(job_id) == spec:
                continue
            sched.add_job(
                self._fire,
                CronTrigger(**slot_of(sub).cron(), second=self.cron_second),
                args=(sub.team, sub.channel, slot_of(sub)),
                id=job_id,
                replace_existing=True,
            )
            self._specs[job_id] = spec
        return subs

    def next_run(self, team: str, channel: str, time_key: str) -> datetime | None:
        """When APScheduler will next fire this subscription (None if not scheduled here)."""
        job = self._scheduler.get_job(f"{JOB_PREFIX}{team}:{channel}:{time_key}") if self._scheduler else None
        return job.next_run_time if job else None

    async def _fire(self, team: str, channel: str, slot: Slot) -> None:
        """APScheduler's job: the slot that just came due (computed from our clock)."""
        now = self.clock() - self._offset
        fire = latest_fire(slot, now)
        if fire is None or now - fire > self.grace:
            log.warning("digest %s/%s %s fired with no slot due within the grace; ignored", team, channel, slot.key)
            return
        await self._owned(self._attempts(team, channel, local_date(slot, fire), slot.key, fire + self._offset))

    async def _owned(self, coro: Awaitable[Any]) -> Any:
        """Run in a task `stop()` cancels (a retry may be sleeping when the process stops)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await task

    async def _attempts(
        self, team: str, channel: str, day: str, slot_key: str, fire: datetime, *, reclaim_first: bool = False
    ) -> Outcome:
        """Post the slot; a retryable failure is tried again after `retry_delays`, while the slot
        is still within the grace. Each retry re-claims the FAILED run, so one poster wins."""
        outcome = await self.post(team, channel, day, slot_key, reclaim_failed=reclaim_first)
        attempts = len(self.retry_delays) + 1
        for attempt, delay in enumerate(self.retry_delays, start=2):
            if not outcome.retryable:
                return outcome
            if self.clock() + timedelta(seconds=delay) - fire > self.grace:
                log.error("digest %s/%s %s %s: not retried, the next try would be past the %s grace",
                          team, channel, day, slot_key, self.grace)
                return outcome
            log.warning("digest %s/%s %s %s failed (%s); attempt %d/%d in %.0fs",
                        team, channel, day, slot_key, outcome.error, attempt, attempts, delay)
            await asyncio.sleep(delay)
            outcome = await self.post(team, channel, day, slot_key, reclaim_failed=True)
        if outcome.retryable:
            log.error("digest %s/%s %s %s failed %d times; giving up", team, channel, day, slot_key, attempts)
        return outcome

    async def post_due(self) -> None:
        """Post every subscription's latest slot that is due and not yet posted: the job engine's
        periodic tick on PostgreSQL (no APScheduler), the same decision as start-up catch-up."""
        subs = await self.store.digest_subscriptions()
        await asyncio.gather(*(self._catch_up(sub) for sub in subs))

    async def _catch_up(self, sub: Subscription) -> None:
        """At start-up: post the latest slot if it was missed by less than the grace, or if its
        post failed and it is still within the grace."""
        slot = slot_of(sub)
        now = self.clock()
        decision = catch_up(slot, now - self._offset, self.grace, since=sub.created_at - self._offset)
        if decision.fire is None:
            return
        day = local_date(slot, decision.fire)
        fired = decision.fire + self._offset
        run = await self.store.digest_run(sub.team, sub.channel, day, slot.key)
        if run is not None and run.status == RUNNING and decision.action == "post":
            # Left running by a process that died mid-post, or being posted by a live peer right
            # now: wait until its lease would lapse, then take it back if it is still running.
            wait = run.lease_left or 0.0
            if now + timedelta(seconds=max(wait, 0)) - fired > self.grace:
                return
            if wait > 0:
                await asyncio.sleep(wait + 1)
                run = await self.store.digest_run(sub.team, sub.channel, day, slot.key)
            if run is not None and run.status == RUNNING:
                log.warning("digest %s/%s %s %s was left running (a process died mid-post): trying again",
                            sub.team, sub.channel, day, slot.key)
                await self._attempts(sub.team, sub.channel, day, slot.key, fired, reclaim_first=True)
            return
        if run is not None and run.status == FAILED and decision.action == "post":
            log.info("digest %s/%s %s %s failed before the restart: trying again", sub.team, sub.channel, day,
                     slot.key)
            await self._attempts(sub.team, sub.channel, day, slot.key, fired, reclaim_first=True)
            return
        if run is not None:
            return
        if decision.action == "post":
            log.info("digest %s/%s %s %s missed by %s: posting now", sub.team, sub.channel, day, slot.key,
                     decision.late)
            await self._attempts(sub.team, sub.channel, day, slot.key, fired)
        elif await self.store.claim_digest_run(
            sub.team, sub.channel, day, slot.key, now, owner=self.poster.token, status=SKIPPED
        ):
            log.warning(
                "digest %s/%s %s %s skipped: %s late, more than the %s grace",
                sub.team, sub.channel, day, slot.key, decision.late, self.grace,
            )

    # --- posting -----------------------------------------------------------------------
    async def post(self, team: str, channel: str, day: str, slot_key: str, *, reclaim_failed: bool = False) -> Outcome:
        """Claim the slot and post its digest (see `DigestPoster.post`)."""
        return await self.poster.post(team, channel, day, slot_key, reclaim_failed=reclaim_failed)


