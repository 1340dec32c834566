"""`newsbot worker` and, on PostgreSQL, `newsbot clock`: job engine processes without HTTP.

`worker` runs link jobs (fetch, analysis processes, reply) and the engine's upkeep and digest
ticks; `clock` runs only the upkeep and digests (no analysis processes). Both stop on SIGINT or
SIGTERM, letting running jobs finish for a few seconds (the engine's sweep re-queues any left).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.compose import (
    build_worker,
    engine_worker,
    is_postgres,
    open_store,
    reading,
    require_slack_access,
    workspaces,
)
from bot.config import Settings
from bot.errors import ConfigError
from bot.queue import CLOCK, REPLIES, Runtime
from bot.schedule.scheduler import DigestScheduler

log = logging.getLogger(__name__)

SQLITE_WORKER = (
    "`newsbot worker` needs PostgreSQL (DATABASE_URL=postgresql://…): several processes share jobs through "
    "its job engine. On SQLite run one `newsbot serve`, which answers links itself."
)


async def _until_stopped(stop: asyncio.Event, engine: asyncio.Task[None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({stopped, engine}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if engine.done() and not engine.cancelled() and engine.exception() is not None:
        raise engine.exception()  # type: ignore[misc]


async def _worker(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    slack = workspaces(settings, store)
    try:
        async with reading(settings, workers=settings.workers) as (fetcher, analyzer):
            worker = build_worker(settings, store, fetcher, analyzer, slack)
            worker.mark_ready()
            digests = DigestScheduler(store, slack, settings) if settings.scheduler else None
            async with contextlib.AsyncExitStack() as stack:
                stack.push_async_callback(worker.close)
                engine = await stack.enter_async_context(
                    engine_worker(settings, Runtime(worker, digests), queues=[REPLIES, CLOCK])
                )
                log.info("newsbot worker ready (%d analysis process(es))", analyzer.workers)
                await _until_stopped(stop, engine)
    finally:
        await store.close()
        log.info("newsbot worker stopped")


async def _clock(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    try:
        digests = DigestScheduler(store, workspaces(settings, store), settings)
        async with engine_worker(settings, Runtime(None, digests), queues=[CLOCK]) as engine:
            log.info("newsbot clock running on the job engine; Ctrl-C to stop")
            await _until_stopped(stop, engine)
    finally:
        await store.close()
        log.info("newsbot clock stopped")


def run_worker(settings: Settings) -> int:
    if not is_postgres(settings.database_url):
        raise ConfigError(SQLITE_WORKER)
    require_slack_access(settings, "`newsbot worker`")
    asyncio.run(_worker(settings, asyncio.Event()))
    return 0


def run_engine_clock(settings: Settings) -> int:
    asyncio.run(_clock(settings, asyncio.Event()))
    return 0
