"""The SQLite write gate: writers of one process take turns first come, first served, urgent
ones (a Slack ack waits on them) ahead, instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from bot.models import Share
from bot.store import Store
from bot.store.engine import WriteGate, write_tx


async def test_gate_serves_urgent_first_then_in_arrival_order() -> None:
    gate = WriteGate()
    order: list[str] = []

    async def writer(name: str, urgent: bool = False) -> None:
        await gate.acquire(urgent=urgent)
        order.append(name)
        await asyncio.sleep(0)
        gate.release()

    await gate.acquire()  # a long write holds it
    tasks = []
    for name, urgent in (("a", False), ("b", False), ("ack1", True), ("c", False), ("ack2", True)):
        tasks.append(asyncio.create_task(writer(name, urgent)))
        await asyncio.sleep(0)  # queued in this order
    gate.release()
    await asyncio.gather(*tasks)
    assert order == ["ack1", "ack2", "a", "b", "c"]


async def test_a_cancelled_waiter_does_not_keep_the_gate() -> None:
    gate = WriteGate()
    await gate.acquire()
    gone = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    gate.release()
    await asyncio.wait_for(gate.acquire(), timeout=1)  # not left held by the cancelled waiter
    gate.release()


async def test_enqueue_waits_one_long_write_not_the_whole_queue(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url)
    hold_s = 0.2
    try:

        async def long_write() -> None:
            async with write_tx(store._engine) as conn:
                await conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
                await asyncio.sleep(hold_s)  # the write lock is held meanwhile

        writes = [asyncio.create_task(long_write()) for _ in range(5)]
        await asyncio.sleep(0.05)  # the first one holds the lock, four wait
        t0 = time.perf_counter()
        job = await store.enqueue_job(Share("T1", "C1", "1.000100", "U1"), "https://example.com/a")
        waited = time.perf_counter() - t0
        assert job is not None
        # behind the one write already running, ahead of the four queued (~1 s in all)
        assert waited < 2 * hold_s, waited
        assert not all(w.done() for w in writes)
        await asyncio.gather(*writes)
    finally:
        await store.close()


async def test_run_write_in_a_thread_keeps_the_gate_until_its_transaction_ends(sqlite_url: str) -> None:
    from sqlalchemy.engine import Connection

    from bot.store.engine import run_write, thread_engine

    store = await Store.open(sqlite_url)
    try:
        assert thread_engine(store._engine) is not None  # file SQLite: the thread path

        def slow_insert(conn: Connection) -> int:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            time.sleep(0.3)
            conn.execute(text("INSERT INTO t VALUES (1)"))
            return 7

        assert await run_write(store._engine, slow_insert) == 7
        task = asyncio.create_task(run_write(store._engine, slow_insert))
        await asyncio.sleep(0.05)
        task.cancel()  # the caller gives up; the thread's transaction still runs to its end
        t0 = time.perf_counter()
        job = await store.enqueue_job(Share("T1", "C1", "2.000100", "U1"), "https://example.com/b")
        assert job is not None and time.perf_counter() - t0 > 0.15  # waited for it, at the gate
        async with store._engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2
    finally:
        await store.close()
