"""Claim a job -> fetch -> extract + analyze (process pool) -> store -> threaded reply -> done.

The worker owns its tasks (strong references, cancelled on close) and bounds how many run at
once; listeners only record jobs. Jobs are durable rows, so a restart resumes whatever was
queued or running. "Exactly one reply" rests on the job table's unique key plus `claim_job`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import Analysis, Article, Failure, Job, Page, Share
from bot.pipeline import read_target
from bot.slack.blocks import PriorShare, analysis_blocks, failure_blocks

if TYPE_CHECKING:
    from bot.pipeline import Analyzer
    from bot.store import Store

log = logging.getLogger(__name__)

WORKING, DONE, PROBLEM = "eyes", "white_check_mark", "warning"
# What a Web API call raises once the client's retry handlers have given up.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError)
RESUME_LEASE = timedelta(0)  # at start-up, jobs left running belonged to our previous process


class PageLoader(Protocol):
    async def fetch(self, url: str) -> Page: ...


class Worker:
    """Runs jobs in tasks it owns, at most `max_concurrent` at a time, once `ready` is set."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: PageLoader,
        analyzer: Analyzer,
        client: AsyncWebClient,
        max_concurrent: int,
        freshness: timedelta,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._analyzer = analyzer
        self._client = client
        self._freshness = freshness
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: dict[int, asyncio.Task[None]] = {}  # job id -> its task (strong references)
        self._ready = asyncio.Event()
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
        """Snapshot what a previous process left unfinished (call before accepting events)."""
        return await self._store.unfinished_jobs()

    def resume(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.submit(job, takeover=True)
        if jobs:
            log.info("resuming %d unfinished job(s)", len(jobs))

    def submit(self, job: Job, *, takeover: bool = False) -> None:
        """Run `job` in a task this worker keeps; a job id already running here is ignored."""
        if job.id in self._tasks:
            return
        task = asyncio.create_task(self._run(job, takeover), name=f"job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(functools.partial(self._forget, job.id))

    def _forget(self, job_id: int, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)

    async def close(self) -> None:
        """Cancel what is running; those jobs stay `running` in the DB and resume next start."""
        tasks = list(self._tasks.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def join(self) -> None:
        """Wait until every submitted job has finished (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    # --- one job --------------------------------------------------------------------------
    async def _run(self, job: Job, takeover: bool) -> None:
        await self._ready.wait()
        async with self._slots:
            lease = {"lease": RESUME_LEASE} if takeover else {}
            claimed = await self._store.claim_job(job.id, **lease)
            if claimed is None:
                return  # done already, or another worker holds it
            try:
                await self._process(claimed)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker or leave the job spinning
                log.exception("job %s (%s) failed unexpectedly", job.id, job.url)
                await self._store.finish_job(job.id, "failed", error_code="internal_error")
            finally:
                self.completed += 1

    async def _process(self, job: Job) -> None:
        share, t0 = job.share, time.perf_counter()
        await self._react("reactions_add", share, WORKING)
        error_code: str | None = None
        try:
            article, analysis, prior, failure = await self._read(job)
            if failure is not None:
                error_code = failure.code
                text, blocks = failure_blocks(failure, url=job.url)
            else:
                assert article is not None and analysis is not None
                text, blocks = analysis_blocks(article, analysis, first_share=await self._prior(prior, share))
            resp = await self._client.chat_postMessage(
                channel=share.channel,
                thread_ts=share.reply_thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SLACK_ERRORS as exc:
            slack_error = _slack_error(exc)
            log.warning("job %s: could not reply in %s: %s", job.id, share.channel, slack_error)
            await self._store.finish_job(job.id, "failed", error_code=f"slack_{slack_error}")
            await self._react("reactions_remove", share, WORKING)
            return
        await self._react("reactions_remove", share, WORKING)
        await self._react("reactions_add", share, PROBLEM if error_code else DONE)
        await self._store.finish_job(job.id, "done", error_code=error_code, reply_ts=resp.get("ts"))
        log.info(
            "job %s: replied in %.2fs (%.2fs after the share) %s %s",
            job.id, time.perf_counter() - t0, time.time() - share.shared_at if share.shared_at else -1,
            error_code or "ok", job.url,
        )

    async def _read(
        self, job: Job
    ) -> tuple[Article | None, Analysis | None, Share | None, Failure | None]:
        """The stored analysis when fresh (no second fetch), else the pipeline's; shares recorded."""
        stored = await self._store.fresh_article(job.url, self._freshness)
        if stored is not None:
            await self._store.record_share(stored.article_id, job.share)
            return stored.article, stored.analysis, stored.first_share, None
        load: Callable[[str], Awaitable[Page]] = self._fetcher.fetch
        report = await read_target(job.url, load, self._analyzer)
        if report.failure is not None:
            return None, None, None, report.failure
        assert report.article is not None and report.analysis is not None
        await self._store.save_and_share(job.url, report.article, report.analysis, job.share)
        return report.article, report.analysis, None, None

    async def _prior(self, first: Share | None, share: Share) -> PriorShare | None:
        """Where the article was first shared, unless that was this very message."""
        if first is None or (first.channel, first.message_ts) == (share.channel, share.message_ts):
            return None
        permalink = None
        try:
            resp = await self._client.chat_getPermalink(channel=first.channel, message_ts=first.message_ts)
            permalink = resp.get("permalink")
        except SLACK_ERRORS as exc:
            log.info("no permalink for %s/%s: %s", first.channel, first.message_ts, _slack_error(exc))
        return PriorShare(first.channel, first.shared_at or float(first.message_ts), permalink)

    async def _react(self, method: str, share: Share, name: str) -> None:
        """Progress reactions are nice to have: their errors (already_reacted, ...) are not fatal."""
        try:
            call: Callable[..., Awaitable[Any]] = getattr(self._client, method)
            await call(channel=share.channel, timestamp=share.message_ts, name=name)
        except SLACK_ERRORS as exc:
            log.debug("%s %s on %s/%s: %s", method, name, share.channel, share.message_ts, _slack_error(exc))


def _slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__
