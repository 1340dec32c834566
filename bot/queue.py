"""PostgreSQL mode: jobs and digests on procrastinate (a well-kept PostgreSQL job engine).

The `jobs` row (unique per team, channel, message ts and url) stays the permanent
de-duplication record and the claim (`bot/store/claims.py`); a procrastinate job carrying its
id is deferred in the same transaction as that row's insert (`defer_in`), so a link is either
recorded and queued, or neither. Procrastinate delivers it to a worker (LISTEN/NOTIFY), retries
transient failures with backoff (`Backoff`), and its workers send heartbeats: every few seconds
one worker's periodic `retry_stalled` gives the jobs of a worker whose heartbeat stopped
(SIGKILL, a lost host) to the others. Digests run as a periodic task; procrastinate defers each
tick once however many processes run, and the `digest_runs` claim posts each slot once.
Why procrastinate and not pgqueuer: the README's "Deployment" section.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procrastinate import App, Blueprint, JobContext, PsycopgConnector, RetryDecision
from procrastinate.retry import BaseRetryStrategy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.engine import async_url

if TYPE_CHECKING:
    from procrastinate.jobs import Job as EngineJob
    from sqlalchemy.ext.asyncio import AsyncConnection

    from bot.models import Job
    from bot.schedule.scheduler import DigestScheduler
    from bot.worker import Worker

log = logging.getLogger(__name__)

REPLIES = "replies"  # link jobs: `newsbot worker` (and `serve`) listen here
CLOCK = "clock"  # digests and upkeep: `newsbot worker`, `clock` and `serve` listen here
REPLY_TASK = "newsbot.reply"
# Workers beat every HEARTBEAT_SECONDS; one silent for STALLED_AFTER seconds is dead, and the
# next `retry_stalled` (every RETRY_STALLED_EVERY seconds) hands its jobs on: < 30 s in all.
HEARTBEAT_SECONDS = 4.0
STALLED_AFTER = 15.0
RETRY_STALLED_EVERY = 5
SHUTDOWN_GRACE_SECONDS = 5.0
SWEEP_EVERY = 10  # seconds: link rows nobody will run (an aborted or lost engine job) are queued again
MAX_TRIES = 12  # a job Slack keeps refusing for ~1 hour of backoff gives up
MAX_BACKOFF_SECONDS = 600


class RetryLater(Exception):
    """The job could not finish now (Slack kept failing, or the previous owner's lease has not
    lapsed yet): try again after `after` seconds, or with exponential backoff."""

    def __init__(self, reason: str, after: int | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Backoff(BaseRetryStrategy):
    """Retry only `RetryLater` (a bug is not retried: the worker already replied with a failure)."""

    def get_retry_decision(self, *, exception: BaseException, job: EngineJob) -> RetryDecision | None:
        if not isinstance(exception, RetryLater) or job.attempts + 1 >= MAX_TRIES:
            return None
        seconds = exception.after if exception.after is not None else min(MAX_BACKOFF_SECONDS, 2 ** (job.attempts + 2))
        return RetryDecision(retry_in={"seconds": seconds})


@dataclass(frozen=True, slots=True)
class Runtime:
    """What this process runs: link jobs (a Worker), digests (a scheduler used without its own
    clock), or both. Handed to every task as procrastinate's additional context."""

    worker: Worker | None = None
    digests: DigestScheduler | None = None


def _runtime(context: JobContext) -> Runtime:
    runtime = context.additional_context["runtime"]
    assert isinstance(runtime, Runtime)
    return runtime


tasks = Blueprint()


@tasks.task(name=REPLY_TASK, queue=REPLIES, pass_context=True, retry=Backoff())
async def reply(context: JobContext, job_id: int) -> None:
    worker = _runtime(context).worker
    if worker is None:  # a queue misconfiguration: fail loudly rather than drop the link
        raise RuntimeError("this process runs no link jobs; it should not listen on the replies queue")
    outcome = await worker.run_job(job_id)
    if outcome == "held":  # a dead owner's lease has not lapsed yet
        raise RetryLater("held by another process", after=3)
    if outcome == "requeued":  # Slack kept refusing for minutes
        raise RetryLater("Slack kept refusing the reply")


@tasks.periodic(cron=f"* * * * * */{RETRY_STALLED_EVERY}")
@tasks.task(name="newsbot.retry_stalled", queue=CLOCK, pass_context=True)
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    assert context.app is not None
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
        log.warning("job %s (%s) ran on a worker that stopped beating; handing it on", job.id, job.task_name)
        await manager.retry_job(job)
    await manager.prune_stalled_workers(STALLED_AFTER)


@tasks.periodic(cron="* * * * *")
@tasks.task(name="newsbot.digests", queue=CLOCK, pass_context=True)
async def digests(context: JobContext, timestamp: int) -> None:
    scheduler = _runtime(context).digests
    if scheduler is None:
        log.debug("digest tick %d: this process posts no digests", timestamp)
        return
    await scheduler.post_due()


def conninfo(database_url: str) -> str:
    """The libpq URL procrastinate's psycopg wants, from Newsbot's DATABASE_URL (any spelling)."""
    url = make_url(async_url(database_url)).set(drivername="postgresql")
    query = dict(url.query)
    if "ssl" in query:  # asyncpg's spelling of libpq's sslmode
        query["sslmode"] = query.pop("ssl")
    return url.set(query=query).render_as_string(hide_password=False)


def make_app(database_url: str, *, pool_size: int = 4) -> App:
    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=pool_size))
    app.add_tasks_from(tasks, namespace="")
    return app


def _reply_row(job_id_sql: str) -> str:
    """procrastinate's row type for one `newsbot.reply` job (its SQL defer function's argument)."""
    return (
        f"ROW('{REPLIES}', '{REPLY_TASK}', 0, NULL, NULL, jsonb_build_object('job_id', {job_id_sql}), NULL)"
        "::procrastinate_job_to_defer_v1"
    )


async def defer_in(conn: AsyncConnection, job: Job) -> None:
    """Queue `job` for the workers inside the caller's transaction (the one inserting its row),
    through procrastinate's own SQL function: committed together or not at all."""
    stmt = f"SELECT procrastinate_defer_jobs_v1(ARRAY[{_reply_row('CAST(:job_id AS bigint)')}])"
    await conn.execute(text(stmt), {"job_id": job.id})


# Link rows that no live engine job will answer: queued for a while, or running under a lapsed
# lease (an engine job aborted at shutdown, or one whose worker died and was handed on already),
# with no engine job waiting or running for them. `jobs` columns as in bot/store/tables.py.
ORPHANS = f"""
SELECT procrastinate_defer_jobs_v1(ARRAY(
    SELECT {_reply_row('j.id')} FROM jobs j
     WHERE ((j.status = 'queued' AND j.created_at < now() - interval '30 seconds')
            OR (j.status = 'running' AND (j.lease_expires IS NULL
                                          OR j.lease_expires < extract(epoch from clock_timestamp()))))
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs p
                        WHERE p.task_name = '{REPLY_TASK}' AND p.status IN ('todo', 'doing')
                          AND p.args ->> 'job_id' = j.id::text)
     ORDER BY j.id LIMIT 500)) AS ids
"""


@tasks.periodic(cron=f"* * * * * */{SWEEP_EVERY}")
@tasks.task(name="newsbot.sweep", queue=CLOCK, pass_context=True)
async def sweep(context: JobContext, timestamp: int) -> None:
    assert context.app is not None
    row = await context.app.connector.execute_query_one_async(ORPHANS)
    if row["ids"]:
        log.warning("sweep: queued %d link job(s) no engine job was running", len(row["ids"]))


async def run_worker(
    app: App, runtime: Runtime, *, queues: list[str], concurrency: int, name: str, signals: bool
) -> None:
    """Run procrastinate's worker until stopped (SIGTERM/SIGINT when `signals`, else cancelled)."""
    options: dict[str, Any] = {
        "queues": queues,
        "concurrency": concurrency,
        "name": name,
        "additional_context": {"runtime": runtime},
        "install_signal_handlers": signals,
        "update_heartbeat_interval": HEARTBEAT_SECONDS,
        "stalled_worker_timeout": STALLED_AFTER,
        "delete_jobs": "successful",  # our `jobs` row is the record; procrastinate's would pile up
        "listen_notify": True,
        # On stop, running jobs get this long; any still running then are aborted, and `sweep`
        # queues them again once their lease lapses: never lost.
        "shutdown_graceful_timeout": SHUTDOWN_GRACE_SECONDS,
    }
    await app.run_worker_async(**options)
