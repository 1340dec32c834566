"""Building the reading half (fetcher + analysis processes) for the tools that need only it:
`newsbot analyze|extract` and `newsbot playground`. `bot.server` is the bot's composition root;
`bot.schedule.clock` the clock's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from bot.fetch import Fetcher, FetchLimits
from bot.pipeline import Analyzer


@asynccontextmanager
async def reading(settings: Settings, *, workers: int) -> AsyncIterator[tuple[Fetcher, Analyzer]]:
    """A started fetcher and `workers` analysis processes, closed (processes first) on exit."""
    analyzer = Analyzer(settings.spacy_model, workers=max(1, workers))
    await analyzer.start()
    try:
        async with Fetcher(FetchLimits.from_settings(settings)) as fetcher:
            yield fetcher, analyzer
    finally:
        await analyzer.aclose()
