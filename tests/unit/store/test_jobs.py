"""Durable jobs on SQLite and PostgreSQL: dedup key, atomic claims, resume after restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.models import Share
from bot.store import Store

LAPSED = timedelta(seconds=-1)  # a claim whose holder stopped renewing it
SHARE = Share(team="T1", channel="C1", message_ts="1712345678.000100", user="U1")


async def test_enqueue_is_unique_per_message_and_url(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        job = await store.enqueue_job(SHARE, "https://example.com/a")
        assert job is not None and job.status == "queued" and job.attempts == 0
        assert job.share.message_ts == SHARE.message_ts and job.share.user == "U1"
        assert await store.enqueue_job(SHARE, "https://example.com/a") is None  # retry / message_changed
        other = await store.enqueue_job(SHARE, "https://example.com/b")  # second link, same message
        assert other is not None and other.id != job.id
    finally:
        await store.close()


async def test_claim_is_atomic_and_finish_ends_it(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        job = await store.enqueue_job(SHARE, "https://example.com/a")
        assert job is not None
        owners = [f"worker-{i}" for i in range(5)]
        claims = await asyncio.gather(*(store.claim_job(job.id, owner=o) for o in owners))
        won = [(o, c) for o, c in zip(owners, claims, strict=True) if c is not None]
        assert len(won) == 1 and won[0][1].status == "running" and won[0][1].attempts == 1
        winner = won[0][0]
        loser = next(o for o in owners if o != winner)
        assert not await store.finish_job(job.id, "done", owner=loser)  # fenced: not the owner
        assert await store.finish_job(job.id, "failed", owner=winner, error_code="fetch_timeout")
        assert await store.claim_job(job.id, owner=loser, lease=LAPSED) is None  # finished jobs stay finished
        done = await store.get_job(job.id)
        assert done is not None and done.status == "failed" and done.error_code == "fetch_timeout"
        assert await store.unfinished_jobs() == []
        with pytest.raises(ValueError):
            await store.finish_job(job.id, "bogus", owner=winner)
    finally:
        await store.close()


async def test_a_lapsed_lease_passes_the_job_on_and_fences_the_old_owner(database_url: str) -> None:
    store = await Store.open(database_url)
    a = await store.enqueue_job(SHARE, "https://example.com/a")
    b = await store.enqueue_job(SHARE, "https://example.com/b")
    assert a is not None and b is not None
    assert await store.claim_job(a.id, owner="old", lease=timedelta(seconds=0.5)) is not None  # then "crashes"
    await store.close()

    store = await Store.open(database_url)  # migrations are idempotent
    try:
        left = await store.unfinished_jobs()
        assert [(j.id, j.status) for j in left] == [(a.id, "running"), (b.id, "queued")]
        assert await store.claim_job(a.id, owner="new") is None  # still within its lease
        assert [j.id for j in await store.claimable_jobs()] == [b.id]
        assert await store.renew_jobs("old", lease=timedelta(seconds=0.5)) == 1  # a heartbeat extends it
        await asyncio.sleep(0.7)  # no heartbeat since: the lease (on the database clock) runs out
        assert [j.id for j in await store.claimable_jobs()] == [a.id, b.id]
        again = await store.claim_job(a.id, owner="new")
        assert again is not None and again.attempts == 2
        assert await store.renew_jobs("old") == 0  # the old owner's heartbeat finds nothing to renew
        assert not await store.finish_job(a.id, "done", owner="old", reply_ts="1.2")  # nor an outcome
        assert await store.finish_job(a.id, "queued", owner="new")  # handing it back frees it
        assert (await store.claim_job(a.id, owner="third")) is not None
    finally:
        await store.close()


async def test_sqlite_relative_path_creates_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = await Store.open("sqlite+aiosqlite:///data/newsbot.db")
    try:
        assert (tmp_path / "data" / "newsbot.db").exists()
        async with store._engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, fks) == ("wal", 1)
    finally:
        await store.close()
