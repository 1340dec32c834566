"""The one place that builds Newsbot's long-lived objects for every process kind: the store (with
the job engine's hook on PostgreSQL), the worker, the job engine's worker, the reading half
(fetcher + analysis processes). `bot.server` (serve, web), `bot.processes` (worker, clock) and the
CLI tools assemble them; nothing else constructs these."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.errors import ConfigError
from bot.fetch import Fetcher, FetchLimits
from bot.pipeline import Analyzer
from bot.slack.client import make_client
from bot.slack.workspaces import InstalledWorkspaces, OneWorkspace, Workspaces
from bot.store import Store
from bot.worker import Worker

if TYPE_CHECKING:
    from bot.queue import Runtime

log = logging.getLogger(__name__)


def is_postgres(database_url: str) -> bool:
    """PostgreSQL mode (the job engine, several processes) or SQLite (one process per file)."""
    return make_url(database_url).get_backend_name() in ("postgresql", "postgres")


async def open_store(settings: Settings) -> Store:
    """The store; on PostgreSQL each new job row also queues its engine job, in one transaction."""
    if not is_postgres(settings.database_url):
        return await Store.open(settings.database_url)
    from bot.queue import defer_in

    return await Store.open(settings.database_url, on_enqueue=defer_in)


def require_slack_access(settings: Settings, who: str) -> None:
    """A process that posts needs the bot token, or the app's credentials (installations' tokens)."""
    if not settings.slack_bot_token and not settings.many_workspaces:
        raise ConfigError(f"{who} needs SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID and "
                          "SLACK_CLIENT_SECRET (many: each workspace's token from its installation).")


def workspaces(settings: Settings, store: Store) -> Workspaces:
    """Who answers for a workspace: each one's installed token (OAuth), or the one bot token."""
    if settings.many_workspaces:
        assert settings.slack_client_id is not None
        return InstalledWorkspaces(settings, store, settings.slack_client_id)
    return OneWorkspace(make_client(settings))


def build_worker(
    settings: Settings, store: Store, fetcher: Fetcher, analyzer: Analyzer, slack: Workspaces
) -> Worker:
    return Worker(
        store=store, fetcher=fetcher, analyzer=analyzer, slack=slack, max_concurrent=settings.max_concurrent_jobs
    )


def process_name(role: str) -> str:
    """How this process appears in the job engine's worker list and in claims."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


@asynccontextmanager
async def engine_worker(
    settings: Settings, runtime: Runtime, *, queues: list[str]
) -> AsyncIterator[asyncio.Task[None]]:
    """The job engine's worker running in a task of this process until the block exits."""
    from bot.queue import make_app, run_worker

    app = make_app(settings.database_url)
    async with app.open_async():
        name = process_name("worker" if runtime.worker is not None else "clock")
        task = asyncio.create_task(
            run_worker(app, runtime, queues=queues, concurrency=settings.max_concurrent_jobs, name=name, signals=False),
            name="job-engine",
        )
        log.info("job engine worker %s listening on %s", name, ", ".join(queues))
        try:
            yield task
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@asynccontextmanager
async def reading(settings: Settings, *, workers: int) -> AsyncIterator[tuple[Fetcher, Analyzer]]:
    """A started fetcher and `workers` analysis processes, closed (processes first) on exit
    (`newsbot analyze|extract`, the playground, `newsbot worker`)."""
    analyzer = Analyzer(settings.spacy_model, workers=max(1, workers))
    await analyzer.start()
    try:
        async with Fetcher(FetchLimits.from_settings(settings)) as fetcher:
            yield fetcher, analyzer
    finally:
        await analyzer.aclose()
