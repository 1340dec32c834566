"""fetch -> extract -> analyze. The fetcher (I/O) and the analyzer (a process pool) are injected."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Protocol

from bot.errors import AnalysisError, NewsbotError
from bot.extract import extract_article
from bot.models import Analysis, Article, Failure, Page, Report

log = logging.getLogger(__name__)

# --- worker-process side ---------------------------------------------------------------
_NLP = None  # the spaCy pipeline, loaded once per worker process by `_init_worker`


def _init_worker(model: str) -> None:
    global _NLP
    from bot.analysis.nlp import load_nlp

    _NLP = load_nlp(model)


def _ping() -> bool:
    return _NLP is not None


def _extract(page: Page) -> Article:
    return extract_article(page)


def _extract_and_analyze(page: Page) -> tuple[Article, Analysis]:
    article = extract_article(page)
    return article, _analyze(article)


def _analyze(article: Article) -> Analysis:
    from bot.analysis.nlp import to_analysis

    if _NLP is None:  # pragma: no cover - the initializer always ran
        raise AnalysisError("analysis worker has no pipeline loaded")
    return to_analysis(_NLP(article.text))


# --- event-loop side -------------------------------------------------------------------
class PageSource(Protocol):
    async def fetch(self, url: str) -> Page: ...


class Analyzer:
    """Owns the process pool that runs extraction and spaCy off the event loop."""

    def __init__(self, model: str, workers: int) -> None:
        self.model = model
        self.workers = workers
        self._pool: Executor | None = None

    async def start(self) -> None:
        """Start the workers and wait until every one has its pipeline loaded."""
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        ctx = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_init_worker, initargs=(self.model,)
        )
        await asyncio.gather(*(self._run(_ping) for _ in range(self.workers)))

    async def _run(self, fn: Callable[..., object], *args: object) -> object:
        if self._pool is None:
            raise RuntimeError("Analyzer.start() was not awaited")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    async def extract(self, page: Page) -> Article:
        result = await self._run(_extract, page)
        assert isinstance(result, Article)
        return result

    async def read(self, page: Page) -> tuple[Article, Analysis]:
        result = await self._run(_extract_and_analyze, page)
        return result  # type: ignore[return-value]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


async def read_target(
    target: str,
    load: Callable[[str], Awaitable[Page]],
    analyzer: Analyzer,
    *,
    analyze: bool = True,
) -> Report:
    """Run one target through the pipeline; every expected failure becomes `Report.failure`."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        page = await load(target)
        timings["fetch"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if analyze:
            article, analysis = await analyzer.read(page)
        else:
            article, analysis = await analyzer.extract(page), None
        timings["process"] = time.perf_counter() - t1
    except NewsbotError as exc:
        return Report(target=target, failure=Failure(exc.code, exc.message), timings=timings)
    except Exception as exc:  # a bug in the analyzer must not take other targets down
        log.exception("unexpected failure reading %s", target)
        return Report(
            target=target,
            failure=Failure(AnalysisError.code, f"internal error: {type(exc).__name__}"),
            timings=timings,
        )
    # `Article.url` is the target exactly as the user gave it (the page's own is canonical_url).
    article = dataclasses.replace(article, url=target)
    return Report(target=target, article=article, analysis=analysis, timings=timings)
