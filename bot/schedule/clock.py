"""`newsbot clock`: the digest scheduler as its own process (Procfile `clock:`), one per deployment.

Run it with `NEWSBOT_SCHEDULER=off` on the web processes. Two clocks by mistake are harmless
(each slot is claimed once in `digest_runs`), just wasteful.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.schedule.scheduler import DigestScheduler
from bot.store import Store

log = logging.getLogger(__name__)

async def _run(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from bot.compose import workspaces

    store = await Store.open(settings.database_url)
    scheduler = DigestScheduler(store, workspaces(settings, store), settings, cron_second=settings.digest_cron_second)
    try:
        await scheduler.start()
        log.info("newsbot clock running; Ctrl-C to stop")
        await stop.wait()
    finally:
        await scheduler.stop()
        await store.close()
        log.info("newsbot clock stopped")


def run_clock(settings: Settings) -> int:
    """Block until SIGINT/SIGTERM; exit status for the shell. On PostgreSQL the job engine's
    periodic tasks are the clock (`bot.processes`); on SQLite, APScheduler here."""
    from bot.compose import is_postgres, require_slack_access

    require_slack_access(settings, "`newsbot clock`")
    if is_postgres(settings.database_url):
        from bot.processes import run_engine_clock

        return run_engine_clock(settings)
    asyncio.run(_run(settings))
    return 0
