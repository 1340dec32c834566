"""Claim a job -> fetch -> extract + analyze (process pool) -> store -> threaded reply -> done.

The worker owns its tasks (strong references, cancelled on close) and bounds how many run at
once; listeners only record jobs. Jobs are durable rows claimed with this process's token under a
lease on the database clock that a heartbeat renews (`bot/store/claims.py`), so several processes
can share one database: at start-up and in a sweep every few seconds a worker takes over queued
jobs nobody runs and running jobs whose lease ran out (their process died, on any host or port).
Only the claim's owner records an outcome or posts. A job is marked done as soon as Slack accepts
its reply, before the reactions; a job claimed more than `MAX_ATTEMPTS` times (it keeps killing
its process) gets a short failure reply instead.

When Slack refuses a reply, `bot/slack/faults.py` says why and this module acts on it: wait out
transient faults (then requeue), fail on channel errors, stop a workspace whose token was refused,
shorten a reply refused for its size. A reply is never posted twice: it carries its job id as
message metadata, and after any doubt the thread is searched for it first. Each job talks to
Slack with its workspace's own client (`bot/slack/workspaces.py`); a workspace that removed the
app since has its jobs dropped, unanswered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import AnalysisError, NotModified
from bot.models import Analysis, Article, Failure, Job, Page, Share
from bot.pipeline import read_target
from bot.slack.blocks import PriorShare, analysis_blocks, failure_blocks, short_reply, update_note
from bot.slack.faults import SLACK_ERRORS, error_word, fault_of
from bot.slack.pacing import Pacer
from bot.slack.workspaces import NotInstalled, Workspaces
from bot.store import claims
from bot.store.archive import Validators
from bot.store.installations import UNINSTALLED
from bot.story_changes import StoryChange, compare

if TYPE_CHECKING:
    from bot.pipeline import Analyzer
    from bot.store import Store

log = logging.getLogger(__name__)

WORKING, DONE, PROBLEM = "eyes", "white_check_mark", "warning"
# A job claimed this many times without finishing crashed its process each time: give up.
MAX_ATTEMPTS = 3
STORED_FOREVER = timedelta(days=365 * 100)  # any stored analysis of this analyzer version: a re-share
GAVE_UP = "gave_up"  # error code of a job given up after MAX_ATTEMPTS
# How often to look for jobs nobody runs (a dead sibling's, whose lease ran out, or queued ones
# never picked up), and how long a queued job may wait before the sweep takes it (its own process
# submits it at once; this only catches ones whose process died first, or a web process's).
SWEEP_SECONDS = 5.0
QUEUED_GRACE = timedelta(seconds=5)
# A reply Slack keeps refusing for transient reasons (after the client's own retries) is posted
# again with backoff for this long, then the job goes back to the queue for a later sweep.
REPLY_RETRY_SECONDS = 180.0
REPLY_BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # then 30 s each time
MAX_REMEMBERED_ERRORS = 10_000
# Slack message metadata on every reply, carrying its job id: after a crash or a lost answer the
# worker looks in the thread for it before posting again (conversations.replies).
REPLY_EVENT = "newsbot_reply"


class PageLoader(Protocol):
    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Page: ...


@dataclass(frozen=True, slots=True)
class _Read:
    """What a job read: the article and analysis to reply with (or the failure), where it was
    first shared, and what changed since then (a re-share of an updated story)."""

    article: Article | None = None
    analysis: Analysis | None = None
    first_share: Share | None = None
    failure: Failure | None = None
    change: StoryChange | None = None


class Worker:
    """Runs jobs in tasks it owns, at most `max_concurrent` at a time, once `ready` is set."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: PageLoader,
        analyzer: Analyzer,
        slack: Workspaces,
        max_concurrent: int,
        instance: str | None = None,
        lease: timedelta = claims.LEASE,
        sweep_every: float = SWEEP_SECONDS,
        queued_grace: timedelta = QUEUED_GRACE,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._analyzer = analyzer
        self._slack = slack
        self.instance = instance or f"{socket.gethostname()}:pid{os.getpid()}"  # for people reading the table
        self.token = claims.new_token()  # this process's claims; a restarted process is a new owner
        self._lease = lease
        self._sweep_every = sweep_every
        self._queued_grace = queued_grace
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: dict[int, asyncio.Task[str]] = {}  # job id -> its task (strong references)
        self._sweeper: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._reported: set[tuple[str, str]] = set()  # (channel, permanent Slack error) logged once
        self._stopped: dict[str, str] = {}  # bot token -> the auth error Slack refused it with
        self._pacer = Pacer(spacing=0, jitter=0)  # thread replies: per channel only, in arrival order
        self.completed = 0

    # --- lifecycle ------------------------------------------------------------------------
    def mark_ready(self) -> None:
        """The analyzer is loaded: queued tasks may start."""
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def active(self) -> int:
        return len(self._tasks)

    async def pending_at_startup(self) -> list[Job]:
        """Snapshot what is ours to take over (call before accepting events): queued jobs and
        running jobs whose lease ran out."""
        return await self._store.claimable_jobs()

    def resume(self, jobs: list[Job]) -> None:
        """Run the start-up snapshot, then keep sweeping for abandoned jobs until `close`."""
        for job in jobs:
            self.submit(job)
        if jobs:
            log.info("resuming %d unfinished job(s)", len(jobs))
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="job-sweeper")

    def submit(self, job: Job) -> None:
        """Run `job` in a task this worker keeps; a job id already running here is ignored."""
        if job.id in self._tasks:
            return
        task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(functools.partial(self._forget, job.id))

    def _forget(self, job_id: int, _task: asyncio.Task[str]) -> None:
        self._tasks.pop(job_id, None)

    async def sweep(self) -> int:
        """Submit the jobs nobody is running (a dead sibling's, queued ones never picked up);
        `claim_job` decides atomically, so two sweeping processes never run one job twice."""
        jobs = await self._store.claimable_jobs(queued_for=self._queued_grace)
        fresh = [j for j in jobs if j.id not in self._tasks]
        for job in fresh:
            self.submit(job)
        if fresh:
            log.info("sweep: taking over %d abandoned job(s)", len(fresh))
        return len(fresh)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_every)
            try:
                await self.sweep()
            except Exception:  # the database may be away for a moment: try again next round
                log.warning("job sweep failed", exc_info=True)

    async def close(self) -> None:
        """Stop sweeping and cancel what is running; those jobs stay `running` in the DB until
        their lease runs out (no more heartbeats), then any process takes them over."""
        tasks: list[asyncio.Task[Any]] = list(self._tasks.values())
        if self._sweeper is not None:
            tasks.append(self._sweeper)
            self._sweeper = None
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def join(self) -> None:
        """Wait until every submitted job has finished (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    # --- one job --------------------------------------------------------------------------
    async def run_job(self, job_id: int) -> str:
        """Run one job to its end in the caller's task (the job engine's, PostgreSQL mode):
        `done` (replied, or failed with a reply or a code), `requeued` (Slack kept refusing:
        try later), `held` (another process holds a live claim: try later), `finished` (already)."""
        job = await self._store.get_job(job_id)
        if job is None:
            log.warning("job %s is not in the database (purged?); nothing to do", job_id)
            return "finished"
        return await self._run(job)

    async def _run(self, job: Job) -> str:
        await self._ready.wait()
        async with self._slots:
            claimed = await self._store.claim_job(job.id, owner=self.token, lease=self._lease, by=self.instance)
            if claimed is None:  # done already, or another process holds it
                now = await self._store.get_job(job.id)
                return "held" if now is not None and now.status == "running" else "finished"
            reply = _Reply()
            renew = functools.partial(self._store.renew_jobs, self.token, lease=self._lease, job_id=job.id)
            try:
                async with claims.heartbeat(renew, every=self._lease.total_seconds() / 3, name=f"job-{job.id}-lease"):
                    reply.client = client = await self._slack.client(claimed.share.team)
                    if client.token in self._stopped:  # its token was refused: Slack would refuse this too
                        await self._finish(claimed, "failed", f"slack_{self._stopped[client.token]}")
                    elif claimed.attempts > MAX_ATTEMPTS:
                        log.error("job %s (%s): claimed %d times without finishing; giving up",
                                  job.id, job.url, claimed.attempts)
                        await self._fail(claimed, reply, GAVE_UP)
                    else:
                        await self._process(claimed, reply)
            except asyncio.CancelledError:
                raise
            except NotInstalled as exc:  # the app left that workspace since the link was shared
                log.info("job %s: %s; dropped unanswered", job.id, exc)
                await self._finish(claimed, "failed", UNINSTALLED)
            except Exception:  # a bug or a database error: never silence, never a stuck job
                log.exception("job %s (%s) failed unexpectedly", job.id, job.url)
                await self._fail(claimed, reply, AnalysisError.code)
            finally:
                self.completed += 1
            return "requeued" if reply.requeued else "done"

    async def _process(self, job: Job, reply: _Reply) -> None:
        share, client, t0 = job.share, reply.client, time.perf_counter()
        assert client is not None  # set by _run before it calls here
        await self._react(client, "reactions_add", share, WORKING)
        read = await self._read(job)
        prior = await self._prior(client, read.first_share, share)
        if read.failure is not None:
            text, blocks = failure_blocks(read.failure, url=job.url)
        else:
            assert read.article is not None and read.analysis is not None
            text, blocks = analysis_blocks(read.article, read.analysis, first_share=prior, change=read.change)
        error_code = read.failure.code if read.failure is not None else None
        if not await self._reply(job, reply, text, blocks, error_code):
            return
        if read.change is not None and read.first_share is not None and prior is not None:
            await self._note_update(client, read.first_share, read.change, share, reply.ts)
        log.info(
            "job %s: replied in %.2fs (%.2fs after the share) %s %s",
            job.id, time.perf_counter() - t0, time.time() - share.shared_at if share.shared_at else -1,
            error_code or "ok", job.url,
        )

    async def _reply(
        self,
        job: Job,
        reply: _Reply,
        text: str,
        blocks: list[dict[str, Any]],
        error_code: str | None,
        status: str = "done",
    ) -> bool:
        """Post in the thread (paced per channel, retried per the fault, looked for in the thread
        before any second attempt) and mark the job done at once (before the reactions, so a crash
        there can't cause a second reply); then swap :eyes: for the outcome. False if not posted."""
        share, client = job.share, reply.client
        assert client is not None
        backoff = iter(REPLY_BACKOFF_SECONDS)
        deadline = time.monotonic() + REPLY_RETRY_SECONDS
        look_first = job.attempts > 1  # an earlier run may have posted before it died
        while True:
            try:
                if look_first:
                    found, look_first = await self._reply_in_thread(client, job)
                    if found is not None:
                        log.info("job %s: our reply is already in the thread; not posting it again", job.id)
                        ts = found
                        break
                await self._pacer.wait(share.channel)
                if not await self._store.renew_jobs(self.token, lease=self._lease, job_id=job.id):
                    log.warning("job %s: another process took it over (our lease ran out); not posting", job.id)
                    return False
                resp = await client.chat_postMessage(
                    channel=share.channel,
                    thread_ts=share.reply_thread_ts,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={"event_type": REPLY_EVENT, "event_payload": {"job_id": str(job.id)}},
                )
                ts = resp.get("ts") or ""
                break
            except SLACK_ERRORS as exc:
                slack_error = error_word(exc)
            look_first = True  # Slack may have taken the post and lost only its answer
            fault = fault_of(slack_error)
            if fault == "too_big" and blocks:
                log.warning("job %s: Slack refused the reply (%s); posting a shorter one", job.id, slack_error)
                text, blocks = short_reply(text), []
                continue
            wait = next(backoff, REPLY_BACKOFF_SECONDS[-1])
            if fault == "transient" and time.monotonic() + wait < deadline:
                log.info("job %s: Slack answered %s; posting again in %.0f s", job.id, slack_error, wait)
                await asyncio.sleep(wait)
                continue
            await self._react(client, "reactions_remove", share, WORKING)
            if fault == "transient":  # still failing after minutes: a later sweep tries again
                log.warning("job %s: Slack kept answering %s; back to the queue", job.id, slack_error)
                reply.requeued = True
                await self._finish(job, "queued")
                return False
            if fault == "auth":
                self._stop_token(client, share.team, slack_error)
            else:
                self._log_reply_error(job, slack_error)
            await self._finish(job, "failed", f"slack_{slack_error}")
            return False
        reply.ts, reply.error_code = ts, error_code
        await self._finish(job, status, error_code, reply.ts)
        reply.recorded = True
        await self._react(client, "reactions_remove", share, WORKING)
        await self._react(client, "reactions_add", share, PROBLEM if error_code else DONE)
        return True

    async def _finish(self, job: Job, status: str, error_code: str | None = None, reply_ts: str | None = None) -> None:
        """Record the outcome unless another process took the job over meanwhile (then its outcome stands)."""
        if not await self._store.finish_job(job.id, status, owner=self.token, error_code=error_code, reply_ts=reply_ts):
            log.warning("job %s: another process took it over (our lease ran out); its outcome stands", job.id)

    async def _reply_in_thread(self, client: AsyncWebClient, job: Job) -> tuple[str | None, bool]:
        """(the ts of our reply to `job` if the thread shows it, found by the job id in its message
        metadata; whether to look again next time). A transient Slack error propagates: without an
        answer the caller must not post (it could double the reply), so it waits and asks again.
        A permanent one (no history scope for this channel) means nobody can look: post."""
        share = job.share
        try:
            resp = await client.conversations_replies(
                channel=share.channel, ts=share.reply_thread_ts, include_all_metadata=True, limit=200
            )
        except SLACK_ERRORS as exc:
            if fault_of(error_word(exc)) == "transient":
                raise
            log.info("job %s: cannot look in the thread (%s); posting", job.id, error_word(exc))
            return None, False
        for message in resp.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == REPLY_EVENT and payload.get("job_id") == str(job.id):
                return str(message.get("ts") or ""), False
        return None, False

    async def _fail(self, job: Job, reply: _Reply, code: str) -> None:
        """Best effort after an unexpected error: a short failure reply (unless the reply went
        out already) and :warning:, then the job is failed. Errors here are logged, not raised."""
        try:
            if reply.recorded:  # the job is finished; only a reaction went wrong
                return
            if reply.ts is not None:  # the reply is out; only recording it failed
                await self._finish(job, "done", reply.error_code, reply.ts)
                return
            if reply.client is None:  # no client for the workspace (its lookup failed): nothing to post with
                await self._finish(job, "failed", code)
                return
            text, blocks = failure_blocks(Failure(code, "unexpected error"), url=job.url)
            await self._reply(job, reply, text, blocks, code, status="failed")
        except Exception:
            log.exception("job %s: could not record its failure; the sweep retries it", job.id)

    async def _read(self, job: Job) -> _Read:
        """A link seen before is asked again with a conditional request: unchanged (304, or the
        same text), unreachable or now unreadable, the stored analysis answers; changed, the new
        version is analysed and compared. A new link goes through the pipeline. Shares recorded."""
        stored = await self._store.fresh_article(job.url, STORED_FOREVER)
        load: Callable[[str], Awaitable[Page]] = self._fetcher.fetch
        if stored is not None:
            load = functools.partial(self._fetcher.fetch, etag=stored.etag, last_modified=stored.last_modified)
        report = await read_target(job.url, load, self._analyzer)
        change: StoryChange | None = None
        if stored is not None:
            if report.article is not None and report.analysis is not None:
                change = compare((stored.article, stored.analysis), (report.article, report.analysis))
            if change is None:
                if not report.ok and report.failure is not None and report.failure.code != NotModified.code:
                    log.info("job %s: %s could not be read again (%s); the stored analysis answers",
                             job.id, job.url, report.failure.code)
                fresh = Validators(report.etag, report.last_modified)
                if report.ok and fresh != Validators(stored.etag, stored.last_modified):
                    await self._store.set_validators(stored.article_id, fresh)
                await self._store.record_share(stored.article_id, job.share)
                return _Read(stored.article, stored.analysis, stored.first_share)
        if report.failure is not None:
            return _Read(failure=report.failure)
        assert report.article is not None and report.analysis is not None
        validators = Validators(report.etag, report.last_modified)
        await self._store.save_and_share(job.url, report.article, report.analysis, job.share, validators=validators)
        if stored is None:
            return _Read(report.article, report.analysis)
        log.info("job %s: %s changed since it was first read; analysed again", job.id, job.url)
        return _Read(report.article, report.analysis, stored.first_share, change=change)

    async def _note_update(
        self, client: AsyncWebClient, first: Share, change: StoryChange, share: Share, reply_ts: str | None
    ) -> None:
        """Best effort: a short "updated since shared" note in the first thread, linking the new reply."""
        permalink = None
        try:
            if reply_ts:
                resp = await client.chat_getPermalink(channel=share.channel, message_ts=reply_ts)
                permalink = resp.get("permalink")
            await client.chat_postMessage(
                channel=first.channel, thread_ts=first.reply_thread_ts, text=update_note(change, permalink),
                unfurl_links=False, unfurl_media=False,
            )
        except SLACK_ERRORS as exc:
            log.info("could not note the update in %s: %s", first.channel, error_word(exc))

    async def _prior(self, client: AsyncWebClient, first: Share | None, share: Share) -> PriorShare | None:
        """Where the article was first shared, unless that was this very message."""
        if first is None or (first.channel, first.message_ts) == (share.channel, share.message_ts):
            return None
        permalink = None
        try:
            resp = await client.chat_getPermalink(channel=first.channel, message_ts=first.message_ts)
            permalink = resp.get("permalink")
        except SLACK_ERRORS as exc:
            log.info("no permalink for %s/%s: %s", first.channel, first.message_ts, error_word(exc))
        return PriorShare(first.channel, first.shared_at or float(first.message_ts), permalink)

    def _log_reply_error(self, job: Job, slack_error: str) -> None:
        """Channel errors (not_in_channel, ...) once per channel, then at debug level; others always."""
        key = (job.share.channel, slack_error)
        if fault_of(slack_error) != "channel":
            log.error("job %s: could not reply in %s: %s", job.id, job.share.channel, slack_error)
        elif key not in self._reported:
            if len(self._reported) >= MAX_REMEMBERED_ERRORS:
                self._reported.clear()
            self._reported.add(key)
            log.warning("job %s: could not reply in %s: %s", job.id, job.share.channel, slack_error)
        else:
            log.debug("job %s: could not reply in %s: %s (logged before)", job.id, job.share.channel, slack_error)

    def _stop_token(self, client: AsyncWebClient, team: str, slack_error: str) -> None:
        """The workspace's token was refused: work under that token fails at once from now on,
        logged once. A reinstall brings a new token (OAuth mode), which works again."""
        if client.token and client.token not in self._stopped:
            if len(self._stopped) >= MAX_REMEMBERED_ERRORS:
                self._stopped.clear()
            self._stopped[client.token] = slack_error
            log.error("Slack refused the token for workspace %s (%s): its links are no longer answered; "
                      "reinstall the app (or set a new SLACK_BOT_TOKEN and restart)", team, slack_error)

    async def _react(self, client: AsyncWebClient, method: str, share: Share, name: str) -> None:
        """Progress reactions are nice to have: their errors (already_reacted, ...) are not fatal."""
        try:
            call: Callable[..., Awaitable[Any]] = getattr(client, method)
            await call(channel=share.channel, timestamp=share.message_ts, name=name)
        except SLACK_ERRORS as exc:
            log.debug("%s %s on %s/%s: %s", method, name, share.channel, share.message_ts, error_word(exc))


class _Reply:
    """How far one run got: once Slack gave the reply a `ts`, nothing may post for that job again."""

    __slots__ = ("client", "error_code", "recorded", "requeued", "ts")

    def __init__(self) -> None:
        self.client: AsyncWebClient | None = None  # the workspace's client, once looked up
        self.ts: str | None = None  # set once Slack accepted the reply
        self.error_code: str | None = None
        self.recorded = False  # the job row says finished
        self.requeued = False  # Slack kept failing: the job went back to the queue

