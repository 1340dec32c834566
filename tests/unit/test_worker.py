"""The worker against a real SQLite file, real HTTP (the local article server) and a local fake
of Slack's Web API: replies recorded before the reactions, takeover of abandoned jobs (and only
those), the attempts cap, failure replies after unexpected errors, permanent Slack errors
logged once. Pages are ones the pipeline rejects before analysis (HTTP 404), so no spaCy
process is needed; the analyzer is real but never started.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.fetch import Fetcher, FetchLimits
from bot.models import Job, Share
from bot.pipeline import Analyzer
from bot.slack.client import make_client
from bot.slack.workspaces import OneWorkspace
from bot.store import Store, StoredArticle
from bot.worker import MAX_ATTEMPTS, Worker
from tests.fakes.article_server import ArticleServer
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, Call, FakeSlack

ME, SIBLING = "newsroom-1:3000", "newsroom-2:3000"
LAPSED = timedelta(seconds=-1)  # a claim whose holder stopped renewing it: anyone may take it
_ids = itertools.count(1)


@dataclass
class World:
    store: Store
    slack: FakeSlack
    web: ArticleServer
    fetcher: Fetcher
    analyzer: Analyzer

    def worker(self, instance: str = ME, store: Store | None = None, **kw: Any) -> Worker:
        settings = load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=self.slack.api_url)
        w = Worker(store=store or self.store, fetcher=self.fetcher, analyzer=self.analyzer,
                   slack=OneWorkspace(make_client(settings)), max_concurrent=4,
                   instance=instance, **kw)
        w.mark_ready()
        return w

    async def run(self, *jobs: Job) -> None:
        """Run the jobs to their end one after another on one worker, then close it."""
        worker = self.worker()
        for job in jobs:
            worker.submit(job)
            await worker.join()
        await worker.close()

    async def job(self, path: str = "/status/404") -> Job:
        n = next(_ids)
        share = Share(team=TEAM_ID, channel=f"C{n:08d}", message_ts=f"{int(time.time())}.{n:06d}",
                      user="U0REPORTER", shared_at=time.time())
        job = await self.store.enqueue_job(share, self.web.url(path))
        assert job is not None
        return job

    def posts(self, job: Job) -> list[Call]:
        return [c for c in self.slack.calls_to("chat.postMessage") if c.args.get("channel") == job.share.channel]

    def replies(self, job: Job) -> list[Call]:
        return [c for c in self.slack.replies() if c.args.get("channel") == job.share.channel]

    def reactions(self, job: Job) -> list[tuple[str, str]]:
        return [(c.method, c.args["name"]) for c in self.slack.calls
                if c.method.startswith("reactions.") and c.args.get("channel") == job.share.channel
                and c.answered == 200]


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}")
    fetcher = Fetcher(FetchLimits(allow_private=True))
    await fetcher.start()
    async with FakeSlack() as slack, ArticleServer(root=tmp_path) as web:
        yield World(store, slack, web, fetcher, Analyzer("unused", workers=1))
    await fetcher.close()
    await store.close()


async def until(check: Any, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_reply_is_recorded_done_before_the_reactions(world: World) -> None:
    """A crash while the reactions are retried must not leave a job that would reply again."""
    world.slack.fail_next(3, method="reactions.remove", status=503)  # ~3.5 s of backoff retries
    job = await world.job()
    worker = world.worker()
    worker.submit(job)
    await until(lambda: world.slack.calls_to("reactions.remove"))  # the reply went out before this
    await worker.close()  # "crash" in the middle of the reaction retries
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "done" and row.error_code == "http_404"
    [reply] = world.replies(job)
    assert "wasn't found" in reply.args["text"]

    restarted = world.worker()  # a restarted process
    assert await restarted.pending_at_startup() == []
    assert await restarted.sweep() == 0
    await restarted.close()
    assert len(world.replies(job)) == 1


async def test_restart_takes_over_lapsed_claims_whatever_their_name_but_not_a_live_siblings(world: World) -> None:
    dead, theirs, queued = await world.job(), await world.job(), await world.job()
    # a process killed mid-job (its heartbeat stopped: the lease lapses) and a live sibling
    assert await world.store.claim_job(dead.id, owner="dead-process", lease=LAPSED) is not None
    assert await world.store.claim_job(theirs.id, owner=SIBLING) is not None  # alive, working on it
    worker = world.worker(instance="another-host:4000")  # restarted elsewhere: names play no part
    leftover = await worker.pending_at_startup()
    assert [j.id for j in leftover] == [dead.id, queued.id]
    worker.resume(leftover)
    await worker.join()
    assert len(world.replies(dead)) == 1 and len(world.replies(queued)) == 1
    assert world.posts(theirs) == [] and world.reactions(theirs) == []
    row = await world.store.get_job(theirs.id)
    assert row is not None and row.status == "running" and row.attempts == 1
    await worker.close()


async def test_periodic_sweep_takes_over_a_dead_siblings_job_after_the_lease(world: World) -> None:
    theirs = await world.job()
    assert await world.store.claim_job(theirs.id, owner=SIBLING, lease=timedelta(seconds=1)) is not None
    worker = world.worker(sweep_every=0.1)  # then the sibling dies: no heartbeat renews its lease
    assert await worker.pending_at_startup() == []  # its claim is fresh: not ours to take
    assert await worker.sweep() == 0
    worker.resume([])
    await until(lambda: world.replies(theirs), within=10)  # the background sweep, once the lease ran out
    await worker.join()
    row = await world.store.get_job(theirs.id)
    assert row is not None and row.status == "done" and row.attempts == 2
    assert len(world.replies(theirs)) == 1
    await worker.close()


async def test_the_heartbeat_keeps_a_slow_jobs_claim_and_a_stalled_owner_cannot_post(world: World) -> None:
    slow = await world.job(path="/slow-headers?delay=2")
    worker = world.worker(lease=timedelta(seconds=0.6))  # renewed every 0.2 s while the page loads
    worker.submit(slow)
    await until(lambda: world.web.hits.get("/slow-headers"))
    for _ in range(4):  # well past one lease: a heartbeat, not the first claim, keeps it ours
        await asyncio.sleep(0.3)
        assert await world.store.claim_job(slow.id, owner="intruder") is None
    await worker.join()
    assert len(world.replies(slow)) == 1

    stalled = await world.job()
    paused = world.worker()
    claimed = await world.store.claim_job(stalled.id, owner=paused.token, lease=LAPSED)  # then it stalls
    assert claimed is not None
    taker = world.worker(instance="newsroom-3:3000")
    taker.submit(stalled)
    await taker.join()
    # the stalled process wakes up: its outcome is refused, and it will not post
    assert not await world.store.finish_job(stalled.id, "failed", owner=paused.token, error_code="fetch_timeout")
    assert await world.store.renew_jobs(paused.token, job_id=stalled.id) == 0
    row = await world.store.get_job(stalled.id)
    assert row is not None and row.status == "done" and row.error_code == "http_404"
    assert len(world.replies(stalled)) == 1
    await asyncio.gather(worker.close(), taker.close(), paused.close())


async def test_two_instances_sweeping_the_same_jobs_reply_once_each(world: World) -> None:
    jobs = [await world.job() for _ in range(6)]
    a, b = world.worker(ME), world.worker(SIBLING)
    a.resume(await a.pending_at_startup())
    b.resume(await b.pending_at_startup())
    await asyncio.gather(a.join(), b.join())
    assert [len(world.replies(j)) for j in jobs] == [1] * 6
    await asyncio.gather(a.close(), b.close())


async def test_a_job_that_keeps_crashing_its_process_is_given_up_with_a_reply(world: World) -> None:
    job = await world.job(path="/files/never-fetched.html")
    for _ in range(MAX_ATTEMPTS):  # three processes each claimed it and died
        assert await world.store.claim_job(job.id, lease=LAPSED, owner=ME) is not None
    worker = world.worker()
    worker.resume(await worker.pending_at_startup())
    await worker.join()
    [reply] = world.replies(job)
    assert reply.args["text"].startswith(":warning:") and "couldn't read this article" in reply.args["text"]
    assert reply.args["thread_ts"] == job.share.message_ts
    assert world.web.hits["/files/never-fetched.html"] == 0  # not tried a fourth time
    assert world.reactions(job) == [("reactions.remove", "eyes"), ("reactions.add", "warning")]
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "failed" and row.error_code == "gave_up"
    await worker.close()


class BrokenStore(Store):
    """The real store, except that reading the archive fails as a lost database would."""

    async def fresh_article(
        self, url: str, max_age: timedelta, *, analyzer_version: str | None = None
    ) -> StoredArticle | None:
        raise OperationalError("SELECT ... FROM articles", {}, Exception("disk I/O error"))


async def test_unexpected_error_still_replies_and_warns(world: World, tmp_path: Path) -> None:
    job = await world.job()
    broken = await BrokenStore.open(f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}")
    try:
        worker = world.worker(store=broken)
        worker.submit(job)
        await worker.join()
        await worker.close()
    finally:
        await broken.close()
    [reply] = world.replies(job)
    text = reply.args["text"]
    assert text.startswith(":warning:") and "went wrong" in text
    assert "disk I/O" not in text and "OperationalError" not in text
    assert world.reactions(job) == [("reactions.add", "eyes"), ("reactions.remove", "eyes"),
                                    ("reactions.add", "warning")]
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "failed" and row.error_code == "analysis_failed"


async def test_permanent_slack_errors_are_logged_once_per_channel(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.worker")
    first = await world.job()
    second_share = Share(team=TEAM_ID, channel=first.share.channel, message_ts=f"{int(time.time())}.999999")
    second = await world.store.enqueue_job(second_share, world.web.url("/status/404"))
    other = await world.job()
    assert second is not None
    world.slack.fail_next(3, method="chat.postMessage", error="not_in_channel")
    worker = world.worker()
    for job in (first, second, other):
        worker.submit(job)
        await worker.join()
    await worker.close()
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "not_in_channel" in r.getMessage()]
    assert sorted(first.share.channel in r.getMessage() for r in warned) == [False, True]  # one per channel
    assert any(r.levelno == logging.DEBUG and "not_in_channel" in r.getMessage() for r in caplog.records)
    for job in (first, second, other):
        row = await world.store.get_job(job.id)
        assert row is not None and row.status == "failed" and row.error_code == "slack_not_in_channel"
