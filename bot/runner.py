"""Tasks that answer Slack after the ack (slash commands, buttons, the Home tab), owned in one place.

Listeners ack within Slack's 3 seconds and hand the slow part to `Runner.spawn`; the composition
root closes the runner before the store and the analyzer, so no answer outlives what it uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from bot.config import Settings

# On-demand `analyze` fetches a page and uses the analysis processes outside the job worker, so
# it gets its own small bound (`Runner.analyses`).
ANALYZE_CONCURRENCY = 4


class Runner:
    """Owns the answer tasks (strong references, so none is garbage-collected mid-flight) and
    the on-demand analysis bound. Built and closed by the composition root (`bot.server`,
    `Deps.commands`), so no answer outlives the store and analyzer it uses."""

    def __init__(self, max_analyses: int = ANALYZE_CONCURRENCY) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.analyses = asyncio.Semaphore(max_analyses)
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Runner:
        return cls(max_analyses=min(ANALYZE_CONCURRENCY, settings.max_concurrent_jobs))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:  # shutting down: don't start what cleanup would have to cancel
            coro.close()
            return
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        """Cancel the answers still running and wait for them (before the store closes)."""
        self._closed = True
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
