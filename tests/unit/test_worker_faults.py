"""Slack faults, each with its defined behaviour (worker + real SQLite + the fake Slack):
transient ones (429 with Retry-After, 5xx, `ratelimited`, reset connections) are waited out and
the reply goes out once; channel errors fail the job without retries; a refused token stops that
workspace's work, logged once; a refused message size or blocks falls back to a shorter reply;
a fault that outlasts the retry window puts the job back in the queue, never loses it."""

from __future__ import annotations

import itertools
import logging

import pytest

import bot.worker as worker_module
from tests.fakes.slack_api import ACCEPTED_RESET, RESET, TEAM_ID
from tests.unit.test_worker import World, world

__all__ = ["world"]  # the fixture, imported for this module's tests


@pytest.mark.parametrize(
    ("fault", "refused"),
    [({"status": 429, "retry_after": 1}, 7), ({"status": 503}, 5), ({"status": 500}, 5),
     ({"status": RESET}, 5), ({"error": "ratelimited"}, 2)],
    ids=["429-retry-after", "503", "500", "reset", "ratelimited"],
)
async def test_transient_faults_are_waited_out_and_the_reply_goes_out_once(
    world: World, fault: dict, refused: int
) -> None:
    """`refused` outlasts the client's own retries (5 for 429, 3 for 5xx and resets, none for an
    `ok: false` answer), so the worker's own backoff has to carry the reply through."""
    job = await world.job()
    world.slack.fail_next(refused, method="chat.postMessage", **fault)
    await world.run(job)
    assert len(world.replies(job)) == 1
    assert len(world.posts(job)) == refused + 1  # every refused one, then the one that counts
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "done"


async def test_retry_after_is_honoured(world: World) -> None:
    job = await world.job()
    world.slack.fail_next(1, method="chat.postMessage", status=429, retry_after=2)
    await world.run(job)
    refused, accepted = world.posts(job)
    assert accepted.at - refused.at >= 1.9


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_channel_errors_fail_the_job_without_retries(world: World, error: str) -> None:
    job = await world.job()
    world.slack.fail_next(1, method="chat.postMessage", error=error)
    await world.run(job)
    assert len(world.posts(job)) == 1
    row = await world.store.get_job(job.id)
    assert row is not None and (row.status, row.error_code) == ("failed", f"slack_{error}")


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive", "token_revoked"])
async def test_a_refused_token_stops_the_workspace_logged_once(
    world: World, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = [await world.job() for _ in range(3)]
    world.slack.fail_next(1, method="chat.postMessage", error=error)
    await world.run(*jobs)  # one at a time: the first one meets the refusal
    assert sum(len(world.posts(j)) for j in jobs) == 1  # nothing more was sent for that workspace
    for job in jobs:
        row = await world.store.get_job(job.id)
        assert row is not None and (row.status, row.error_code) == ("failed", f"slack_{error}")
    stopped = [r for r in caplog.records if r.levelno == logging.ERROR and TEAM_ID in r.getMessage()]
    assert len(stopped) == 1 and error in stopped[0].getMessage()


@pytest.mark.parametrize("error", ["msg_too_long", "invalid_blocks", "msg_blocks_too_long"])
async def test_a_refused_size_or_blocks_falls_back_to_a_short_reply(world: World, error: str) -> None:
    job = await world.job()
    world.slack.fail_next(1, method="chat.postMessage", error=error)
    await world.run(job)
    first, second = world.posts(job)
    assert first.args.get("blocks") and not second.args.get("blocks")
    assert 0 < len(second.args["text"]) <= 1000
    assert len(world.replies(job)) == 1


async def test_a_fault_outlasting_the_retry_window_requeues_the_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "REPLY_RETRY_SECONDS", 2.5)
    job = await world.job()
    world.slack.fail_next(1000, method="chat.postMessage", error="ratelimited")
    worker = world.worker()
    worker.submit(job)
    await worker.join()
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "queued"  # kept, for a later sweep
    assert world.replies(job) == []
    world.slack._faults.clear()  # the storm is over
    worker.submit(job)
    await worker.join()
    await worker.close()
    assert len(world.replies(job)) == 1
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "done"


async def test_posts_to_one_channel_are_paced(world: World) -> None:
    first = await world.job()
    more = [await world.store.enqueue_job(first.share.__class__(
        team=first.share.team, channel=first.share.channel, message_ts=f"{first.share.message_ts}{i}"),
        first.url) for i in range(2)]
    worker = world.worker()
    for job in [first, *more]:
        assert job is not None
        worker.submit(job)
    await worker.join()
    await worker.close()
    times = sorted(c.at for c in world.slack.replies() if c.args.get("channel") == first.share.channel)
    assert len(times) == 3
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times))  # about one per second



async def test_a_post_slack_took_but_whose_answer_was_lost_is_not_posted_again(world: World) -> None:
    job = await world.job()
    world.slack.fail_next(1, method="chat.postMessage", status=ACCEPTED_RESET)
    await world.run(job)
    assert len(world.replies(job)) == 1  # found in the thread by its metadata, not posted twice
    assert world.slack.calls_to("conversations.replies", ok_only=True)
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "done"


async def test_a_restarted_job_whose_reply_is_out_does_not_post_again(world: World) -> None:
    job = await world.job()
    first = world.worker()
    first.submit(job)
    await first.join()
    await first.close()
    assert await world.store.finish_job(job.id, "queued", owner=first.token)  # died before recording "done"
    second = world.worker(instance="newsroom-9:3000")
    second.submit(job)
    await second.join()
    await second.close()
    assert len(world.replies(job)) == 1
    row = await world.store.get_job(job.id)
    assert row is not None and row.status == "done"
