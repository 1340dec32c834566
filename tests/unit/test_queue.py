"""The job engine's pure parts: the libpq URL it is given, and which failures it retries how."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from procrastinate.jobs import Job as EngineJob

from bot.queue import MAX_BACKOFF_SECONDS, MAX_TRIES, Backoff, RetryLater, conninfo


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        ("postgres://u:p@db.example:5433/news", "postgresql://u:p@db.example:5433/news"),
        ("postgresql://u@h/news", "postgresql://u@h/news"),
        ("postgresql+asyncpg://u@h/news?ssl=require", "postgresql://u@h/news?sslmode=require"),
    ],
)
def test_conninfo_is_a_plain_libpq_url_whatever_the_platform_wrote(given: str, wanted: str) -> None:
    assert conninfo(given) == wanted


def _job(attempts: int) -> EngineJob:
    return EngineJob(id=1, queue="replies", lock=None, queueing_lock=None, task_name="newsbot.reply",
                     task_kwargs={"job_id": 7}, attempts=attempts)


def _wait(exception: BaseException, attempts: int) -> float | None:
    """Seconds until the retry the strategy decides on, or None for no retry."""
    decision = Backoff().get_retry_decision(exception=exception, job=_job(attempts))
    if decision is None:
        return None
    assert decision.retry_at is not None
    return (decision.retry_at - datetime.now(UTC)).total_seconds()


def test_a_bug_is_not_retried_only_retry_later_is() -> None:
    assert _wait(RuntimeError("a bug"), 0) is None
    assert _wait(RetryLater("slack"), 0) == pytest.approx(4, abs=1)


def test_waits_double_up_to_the_cap_and_a_held_job_waits_what_it_asks() -> None:
    waits = [_wait(RetryLater("slack"), n) for n in range(MAX_TRIES - 1)]
    expected = [min(MAX_BACKOFF_SECONDS, 2 ** (n + 2)) for n in range(MAX_TRIES - 1)]
    assert waits == [pytest.approx(e, abs=1) for e in expected]
    assert expected[:4] == [4, 8, 16, 32] and expected[-1] == MAX_BACKOFF_SECONDS
    assert _wait(RetryLater("held", after=3), 5) == pytest.approx(3, abs=1)
    assert _wait(RetryLater("slack"), MAX_TRIES - 1) is None  # the engine stops; our sweep re-queues the row
