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
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError

from bot.schedule import digest as digest_mod
from bot.schedule.slots import Clock, Slot, catch_up, latest_fire, local_date, utc_now
from bot.slack.permalinks import permalink
from bot.store.codec import analysis_from_json
from bot.store.digests import EMPTY, FAILED, POSTED, SKIPPED, Subscription

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)

RETENTION_SECONDS = 3600  # retention is in days: an hourly sweep is plenty
SYNC_SECONDS = 30  # how soon a subscription made elsewhere gets its job in this process
FIRST_PERIOD = timedelta(hours=24)  # a channel's first digest covers the last day
JOB_PREFIX = "digest:"
# Pacing: Slack allows ~1 chat.postMessage per second per channel; a workspace-wide burst of
# hundreds of digests at 07:30 is also spread, with jitter so several processes don't align.
PER_CHANNEL_SECONDS = 1.0
SPACING_SECONDS = 0.1
JITTER_SECONDS = 1.0


class Pacer:
    """Hands out post times: >= `per_channel` s apart per channel, >= `spacing` s apart overall."""

    def __init__(
        self,
        *,
        per_channel: float = PER_CHANNEL_SECONDS,
        spacing: float = SPACING_SECONDS,
        jitter: float = JITTER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.per_channel, self.spacing, self.jitter = per_channel, spacing, jitter
        self._monotonic, self._sleep = monotonic, sleep
        self._last_any = float("-inf")
        self._last: dict[str, float] = {}

    def reserve(self, channel: str) -> float:
        """Book the next allowed instant for `channel` (monotonic seconds); no waiting here."""
        last = self._last.get(channel, float("-inf"))
        at = max(self._monotonic(), self._last_any + self.spacing, last + self.per_channel)
        at += random.uniform(0, self.jitter) if self.jitter else 0.0
        self._last_any = max(self._last_any, at)
        self._last[channel] = at
        return at

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel) - self._monotonic()
        if delay > 0:
            await self._sleep(delay)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one digest attempt did: posted | empty | taken (already claimed) | failed."""

    status: str
    local_date: str
    slot: str
    article_count: int = 0
    message_ts: str | None = None
    error: str | None = None


def slot_of(sub: Subscription) -> Slot:
    hour, minute = (int(x) for x in sub.time.split(":"))
    return Slot(hour, minute, sub.timezone, sub.days)


class DigestScheduler:
    """Owns an `AsyncIOScheduler`; `start()`/`stop()` from aiohttp's startup/cleanup."""

    def __init__(
        self,
        store: Store,
        client: AsyncWebClient,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        pacer: Pacer | None = None,
        sync_seconds: float = SYNC_SECONDS,
    ) -> None:
        self.store, self.client, self.settings, self.clock = store, client, settings, clock
        self.pacer = pacer or Pacer()
        self.grace = timedelta(minutes=settings.digest_grace_minutes)
        self.sync_seconds = sync_seconds
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
                CronTrigger(**slot_of(sub).cron()),
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
        now = self.clock()
        fire = latest_fire(slot, now)
        if fire is None or now - fire > self.grace:
            log.warning("digest %s/%s %s fired with no slot due within the grace; ignored", team, channel, slot.key)
            return
        await self.post(team, channel, local_date(slot, fire), slot.key)

    async def _catch_up(self, sub: Subscription) -> None:
        """At start-up: post the latest slot if it was missed by less than the grace."""
        slot = slot_of(sub)
        now = self.clock()
        decision = catch_up(slot, now, self.grace, since=sub.created_at)
        if decision.fire is None:
            return
        day = local_date(slot, decision.fire)
        if await self.store.digest_run_claimed(sub.team, sub.channel, day, slot.key):
            return
        if decision.action == "post":
            log.info("digest %s/%s %s %s missed by %s: posting now", sub.team, sub.channel, day, slot.key,
                     decision.late)
            await self.post(sub.team, sub.channel, day, slot.key)
        elif await self.store.claim_digest_run(sub.team, sub.channel, day, slot.key, now, status=SKIPPED):
            log.warning(
                "digest %s/%s %s %s skipped: %s late, more than the %s grace",
                sub.team, sub.channel, day, slot.key, decision.late, self.grace,
            )

    # --- posting -----------------------------------------------------------------------
    async def post(self, team: str, channel: str, day: str, slot_key: str) -> Outcome:
        """Claim (team, channel, day, slot), build the period's digest, post it to the channel."""
        now = self.clock()
        run_id = await self.store.claim_digest_run(team, channel, day, slot_key, now)
        if run_id is None:
            log.info("digest %s/%s %s %s already claimed; not posting again", team, channel, day, slot_key)
            return Outcome("taken", day, slot_key)
        try:
            since = await self.store.previous_digest_at(team, channel, now) or now - FIRST_PERIOD
            period = await self.store.digest_period_articles(team, channel, since, now)
            items = [
                digest_mod.DigestItem(
                    article=p.article,
                    analysis=analysis_from_json(p.analysis_json) if p.analysis_json else None,
                    share_count=p.share_count,
                    first_shared_at=p.first_shared_at.timestamp(),
                )
                for p in period
            ]
            threads = {p.article.url: (p.thread_ts, p.message_ts) for p in period}
            title = f"News digest · {_human_date(day)}"
            built = self._build(items, title)
            if built is None:
                await self.store.finish_digest_run(run_id, EMPTY, self.clock())
                log.info("digest %s/%s %s %s: nothing shared, nothing posted", team, channel, day, slot_key)
                return Outcome("empty", day, slot_key)
            if built.shown:  # link headlines to their threads: only the shown ones need a lookup
                urls = {i.article.url: await self._permalink(channel, *threads[i.article.url]) for i in built.shown}
                items = [replace(i, thread_url=urls.get(i.article.url)) for i in items]
                built = self._build(items, title)
                assert built is not None
            await self.pacer.wait(channel)
            resp = await self.client.chat_postMessage(
                channel=channel, text=built.text, blocks=built.blocks, unfurl_links=False, unfurl_media=False
            )
            ts = resp.get("ts")
            count = len(items)
            status = POSTED if items else EMPTY  # EMPTY + a message: the quiet-day note
            await self.store.finish_digest_run(run_id, status, self.clock(), message_ts=ts, article_count=count)
            log.info("digest %s/%s %s %s posted: %d article(s)", team, channel, day, slot_key, count)
            return Outcome(status, day, slot_key, count, ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "slack_error"))
            await self.store.finish_digest_run(run_id, FAILED, self.clock())
            log.error("digest %s/%s %s %s failed: %s", team, channel, day, slot_key, error)
            return Outcome("failed", day, slot_key, error=error)
        except BaseException:
            await self.store.finish_digest_run(run_id, FAILED, self.clock())
            raise

    def _build(self, items: list[digest_mod.DigestItem], title: str) -> digest_mod.Digest | None:
        return digest_mod.build(
            items,
            title=title,
            max_articles=self.settings.digest_max_articles,
            quiet_note=self.settings.digest_quiet_note,
            slash_command=self.settings.slash_command,
        )

    async def _permalink(self, channel: str, thread_ts: str | None, message_ts: str) -> str | None:
        """The bot's thread for the share (its parent message); None if Slack won't say, and the
        headline then links to the article rather than to a guessed archive URL."""
        return await permalink(self.client, channel, thread_ts or message_ts)


def _human_date(day: str) -> str:
    d = datetime.fromisoformat(day)
    return f"{d:%A}, {d:%B} {d.day}"
