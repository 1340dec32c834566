"""fetch -> extract -> analyze. The page loader (I/O) and the analyzer (a process pool) are injected.

CPU work (trafilatura, spaCy) runs only in the `Analyzer`'s worker processes, one spaCy pipeline
loaded per worker; the event loop only awaits futures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bot.errors import AnalysisError, AnalysisTimeout, ModelError, NewsbotError
from bot.models import Analysis, Article, Failure, Page, Report

log = logging.getLogger(__name__)

MAX_BATCH = 8  # articles per nlp.pipe call: enough to amortize IPC, small enough to keep latency low
# spaCy's working memory grows with the tokens in a batch (~57 MB for a 3,600-word article in tok2vec):
# cap a batch's characters too, so a burst of long articles cannot push a worker past ~300 MB.
MAX_BATCH_CHARS = 30_000
# Docs spaCy runs through tok2vec together. One at a time, a worker's working arrays are one
# document's, never two long ones': bench.slack_load's bot peak stayed <= 690 MB in 11 runs of 11,
# where 2 went over 700 MB in 5 of 10; bench.throughput the same (README, Performance, 2026-12-03).
SPACY_BATCH = 1
PARENT_POLL_SECONDS = 1.0
# A batch of up to 8 long articles takes a few seconds; a minute means a worker is stuck.
BATCH_TIMEOUT_SECONDS = 60.0
HTML_PER_TEXT = 10  # news pages run ~5-20 bytes of HTML per character of article text

# --- worker-process side ---------------------------------------------------------------
_NLP: Any = None  # the spaCy pipeline, loaded once per worker process by `_init_worker`

Outcome = tuple[Article, Analysis | None] | Failure


def _init_worker(model: str) -> None:
    global _NLP
    from bot.analysis.nlp import load_nlp

    _exit_with_parent()
    _NLP = load_nlp(model)


def _exit_with_parent() -> None:
    """A SIGKILLed bot must not leave workers behind (the pool can't tell them): poll the parent."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _ping() -> bool:
    return _NLP is not None


def _failure(exc: Exception) -> Failure:
    """Errors cross the process boundary as plain data: custom exceptions don't always pickle."""
    if isinstance(exc, NewsbotError):
        return Failure(exc.code, exc.message)
    log.exception("analysis worker failed")
    return Failure(AnalysisError.code, f"internal error: {type(exc).__name__}")


def _process_batch(pages: list[Page], analyze: bool) -> list[Outcome]:
    """Extract every page, then run spaCy over the extracted texts with one `nlp.pipe` call."""
    # Imported here, in the worker: the bot's own process never loads trafilatura or spaCy.
    from bot.analysis.nlp import analyze_text, analyze_texts
    from bot.extract import extract_article

    outcomes: list[Outcome] = []
    for page in pages:
        try:
            outcomes.append((extract_article(page), None))
        except Exception as exc:
            outcomes.append(_failure(exc))
    if not analyze:
        return outcomes
    todo = [i for i, o in enumerate(outcomes) if not isinstance(o, Failure)]
    articles = [outcomes[i][0] for i in todo]  # type: ignore[index]
    try:
        analyses = analyze_texts(_NLP, [a.text for a in articles], SPACY_BATCH)
    except Exception:  # one bad document must not fail its batch-mates: redo them one by one
        analyses = []
        for a in articles:
            try:
                analyses.append(analyze_text(_NLP, a.text))
            except Exception as exc:
                analyses.append(_failure(exc))  # type: ignore[arg-type]
    for i, article, analysis in zip(todo, articles, analyses, strict=True):
        outcomes[i] = analysis if isinstance(analysis, Failure) else (article, analysis)
    return outcomes


# --- event-loop side -------------------------------------------------------------------
_Item = tuple[Page, bool, "asyncio.Future[Outcome]"]  # (page, analyze?, where the outcome goes)


class Analyzer:
    """Owns the process pool and feeds it batches of whatever pages are waiting.

    One dispatcher task per worker process keeps every core busy; when many articles arrive
    at once (a breaking story, a digest backlog) they go through `nlp.pipe` together. A worker
    that dies or hangs costs only its batch: the pool is rebuilt and the next batch runs.
    """

    def __init__(
        self,
        model: str,
        workers: int,
        max_batch: int = MAX_BATCH,
        max_batch_chars: int = MAX_BATCH_CHARS,
        batch_timeout: float = BATCH_TIMEOUT_SECONDS,
    ) -> None:
        self.model = model
        self.workers = workers
        self.max_batch = max_batch
        self.max_batch_chars = max_batch_chars
        self.batch_timeout = batch_timeout
        self.restarts = 0  # pool rebuilds after a crash or a hang (exposed for health and tests)
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0  # bumped per pool, so concurrent dispatchers rebuild it once
        self._waiting: deque[_Item] = deque()
        self._wakeup = asyncio.Event()
        self._dispatchers: list[asyncio.Task[None]] = []
        self.ready = False

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        ctx = multiprocessing.get_context("spawn")
        self._generation += 1
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_init_worker, initargs=(self.model,)
        )

    async def start(self) -> None:
        """Start the workers and wait until every one has its pipeline loaded."""
        from bot.analysis.model_check import check_model

        check_model(self.model)  # a clear ModelError here beats a BrokenProcessPool later
        self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        try:
            await asyncio.gather(*(loop.run_in_executor(self._pool, _ping) for _ in range(self.workers)))
        except BrokenProcessPool as exc:
            self.close()
            raise ModelError(f"the analysis processes could not load spaCy pipeline {self.model!r}") from exc
        except Exception:
            self.close()
            raise
        self._dispatchers = [asyncio.create_task(self._dispatch()) for _ in range(self.workers)]
        self.ready = True

    async def _next_batch(self) -> list[_Item]:
        """The oldest waiting page plus those behind it of the same kind, within the caps."""
        while not self._waiting:
            self._wakeup.clear()
            await self._wakeup.wait()
        first = self._waiting.popleft()
        batch, analyze = [first], first[1]
        size = len(first[0].body) // HTML_PER_TEXT  # estimated text length: extraction happens later
        while self._waiting and len(batch) < self.max_batch:
            page, kind, _ = self._waiting[0]
            if kind != analyze or size + len(page.body) // HTML_PER_TEXT > self.max_batch_chars:
                break
            size += len(page.body) // HTML_PER_TEXT
            batch.append(self._waiting.popleft())
        return batch

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            pages, analyze = [page for page, _, _ in batch], batch[0][1]
            generation, pool = self._generation, self._pool
            outcomes: list[Outcome]
            try:
                async with asyncio.timeout(self.batch_timeout):
                    outcomes = await loop.run_in_executor(pool, _process_batch, pages, analyze)
            except TimeoutError:
                log.error("analysis of %d page(s) took over %.0fs; restarting the pool", len(pages), self.batch_timeout)
                self._recycle(generation, kill=True)
                outcomes = [Failure(AnalysisTimeout.code, AnalysisTimeout().message)] * len(batch)
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory, segfault)
                log.error("analysis pool broke (%s); restarting it", exc)
                self._recycle(generation, kill=False)
                outcomes = [Failure(AnalysisError.code, "the analyzer crashed on this article")] * len(batch)
            for (_, _, fut), outcome in zip(batch, outcomes, strict=True):
                if not fut.done():
                    fut.set_result(outcome)

    def _recycle(self, generation: int, *, kill: bool) -> None:
        """Replace the pool once per failure, however many dispatchers saw it fail."""
        if generation != self._generation or self._pool is None:
            return
        old, self._pool = self._pool, self._new_pool()
        self.restarts += 1
        if kill:  # a hung worker never returns: the executor has no public way to stop it
            for proc in list(getattr(old, "_processes", {}).values()):
                proc.kill()
        old.shutdown(wait=False, cancel_futures=True)

    async def _submit(self, page: Page, analyze: bool) -> tuple[Article, Analysis | None]:
        if self._pool is None:
            raise RuntimeError("Analyzer.start() was not awaited")
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((page, analyze, fut))
        self._wakeup.set()
        outcome = await fut
        if isinstance(outcome, Failure):
            raise _error_from(outcome)
        return outcome

    async def extract(self, page: Page) -> Article:
        article, _ = await self._submit(page, analyze=False)
        return article

    async def read(self, page: Page) -> tuple[Article, Analysis]:
        article, analysis = await self._submit(page, analyze=True)
        assert analysis is not None
        return article, analysis

    def close(self) -> None:
        """Blocking shutdown (waits for the workers to exit): from sync code or a thread."""
        for task in self._dispatchers:
            task.cancel()
        self._dispatchers = []
        self.ready = False
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def aclose(self) -> None:
        """Shutdown from the event loop: cancel dispatchers here, wait for the workers in a thread."""
        tasks, self._dispatchers = self._dispatchers, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, _, fut in self._waiting:
            if not fut.done():
                fut.set_result(Failure(AnalysisError.code, "Newsbot is shutting down"))
        self._waiting.clear()
        await asyncio.to_thread(self.close)


class _WorkerError(NewsbotError):
    """An error reported by a worker process, re-raised on the loop side with its code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _error_from(failure: Failure) -> NewsbotError:
    return _WorkerError(failure.code, failure.message)


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
    analysis: Analysis | None = None
    try:
        page = await load(target)
        timings["fetch"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if analyze:
            article, analysis = await analyzer.read(page)
        else:
            article = await analyzer.extract(page)
        timings["process"] = time.perf_counter() - t1
    except NewsbotError as exc:
        return Report(target=target, failure=Failure(exc.code, exc.message), timings=timings)
    except Exception as exc:  # a bug must not take the other targets down
        log.exception("unexpected failure reading %s", target)
        return Report(
            target=target,
            failure=Failure(AnalysisError.code, f"internal error: {type(exc).__name__}"),
            timings=timings,
        )
    # `Article.url` is the target exactly as the user gave it (the page's own is canonical_url).
    article = dataclasses.replace(article, url=target)
    return Report(target=target, article=article, analysis=analysis, timings=timings,
                  etag=page.etag, last_modified=page.last_modified)
