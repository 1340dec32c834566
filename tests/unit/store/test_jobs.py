"""Durable jobs on SQLite and PostgreSQL: dedup key, atomic claims, resume after restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.models import Share
from bot.store import Store

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
        claims = await asyncio.gather(*(store.claim_job(job.id) for _ in range(5)))
        won = [c for c in claims if c is not None]
        assert len(won) == 1 and won[0].status == "running" and won[0].attempts == 1
        await store.finish_job(job.id, "failed", error_code="fetch_timeout")
        assert await store.claim_job(job.id, lease=timedelta(0)) is None  # finished jobs stay finished
        done = await store.get_job(job.id)
        assert done is not None and done.status == "failed" and done.error_code == "fetch_timeout"
        assert await store.unfinished_jobs() == []
        with pytest.raises(ValueError):
            await store.finish_job(job.id, "bogus")
    finally:
        await store.close()


async def test_unfinished_jobs_survive_restart_and_stale_claims_expire(database_url: str) -> None:
    store = await Store.open(database_url)
    a = await store.enqueue_job(SHARE, "https://example.com/a")
    b = await store.enqueue_job(SHARE, "https://example.com/b")
    assert a is not None and b is not None
    assert await store.claim_job(a.id) is not None  # "crashes" while running
    await store.close()

    store = await Store.open(database_url)  # migrations are idempotent
    try:
        left = await store.unfinished_jobs()
        assert [(j.id, j.status) for j in left] == [(a.id, "running"), (b.id, "queued")]
        assert await store.claim_job(a.id) is None  # still within its lease
        again = await store.claim_job(a.id, lease=timedelta(0))  # taking over at start-up
        assert again is not None and again.attempts == 2
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
