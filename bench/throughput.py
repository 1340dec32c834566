"""Pipeline throughput on the English ScrapingHub pages, against its bound (extraction + spaCy alone).

Run: `.venv/bin/python -m bench.throughput [--workers N] [--limit N]`. All three measurements use
the same number of worker processes, so the ratio compares like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.common import PeakRSS, english_pages, pct, read_html, write_results
from bot.config import load_settings
from bot.models import Page
from bot.pipeline import Analyzer, read_target

_PLAIN_NLP: Any = None


def _init_plain(model: str) -> None:
    global _PLAIN_NLP
    import spacy

    _PLAIN_NLP = spacy.load(model)


def _extract_chunk(paths: list[str]) -> list[str]:
    """Extraction alone; returns the texts so spaCy alone can run on exactly the same input."""
    from bot.errors import NewsbotError
    from bot.extract import extract_article

    texts = []
    for p in paths:
        try:
            texts.append(extract_article(Page(url=p, final_url=p, body=read_html(Path(p)))).text)
        except NewsbotError:
            texts.append("")
    return texts


def _spacy_chunk(texts: list[str]) -> int:
    return sum(len(doc) for doc in _PLAIN_NLP.pipe(texts))


def _chunks(items: list[Any], n: int) -> list[list[Any]]:
    return [items[i::n] for i in range(n)]


def _pool(workers: int, model: str | None = None) -> ProcessPoolExecutor:
    kwargs: dict[str, Any] = {"initializer": _init_plain, "initargs": (model,)} if model else {}
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), **kwargs)


def _warm(pool: ProcessPoolExecutor, workers: int) -> None:
    list(pool.map(len, [[]] * workers))


async def _pipeline(paths: list[Path], model: str, workers: int) -> dict[str, Any]:
    analyzer = Analyzer(model, workers)
    await analyzer.start()  # model load is start-up cost, not throughput

    async def load(target: str) -> Page:
        return await asyncio.to_thread(lambda: Page(url=target, final_url=target, body=read_html(Path(target))))

    t0 = time.perf_counter()
    reports = await asyncio.gather(*(read_target(str(p), load, analyzer) for p in paths))
    wall = time.perf_counter() - t0
    await analyzer.aclose()
    ok = [r for r in reports if r.ok]
    words = sum(r.article.word_count for r in ok if r.article)
    latency = [r.timings.get("fetch", 0) + r.timings.get("process", 0) for r in ok]
    return {
        "seconds": wall,
        "articles": len(ok),
        "failed": len(reports) - len(ok),
        "words": words,
        "articles_per_s": len(ok) / wall,
        "words_per_s": words / wall,
        "latency_p50_s": pct(latency, 50),
        "latency_p95_s": pct(latency, 95),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (quick check)")
    args = ap.parse_args()
    settings = load_settings()
    paths = english_pages()
    if args.limit:
        paths = paths[: args.limit]

    with PeakRSS() as rss:
        pipe = asyncio.run(_pipeline(paths, settings.spacy_model, args.workers))
    pipeline_rss = rss.peak

    with _pool(args.workers) as pool:
        _warm(pool, args.workers)
        t0 = time.perf_counter()
        parts = list(pool.map(_extract_chunk, _chunks([str(p) for p in paths], args.workers)))
        t_extract = time.perf_counter() - t0
    texts = [t for part in parts for t in part]
    with _pool(args.workers, settings.spacy_model) as pool:
        _warm(pool, args.workers)
        t0 = time.perf_counter()
        list(pool.map(_spacy_chunk, _chunks(texts, args.workers)))
        t_spacy = time.perf_counter() - t0

    bound = t_extract + t_spacy
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "model": settings.spacy_model,
        "workers": args.workers,
        "pages": len(paths),
        "pipeline": pipe,
        "peak_rss_mb": pipeline_rss / 2**20,
        "bound": {"extraction_s": t_extract, "spacy_s": t_spacy, "total_s": bound},
        "ratio": pipe["seconds"] / bound,
    }
    print(f"pages: {len(paths)} (English ScrapingHub), workers: {args.workers}, model: {settings.spacy_model}")
    print(f"pipeline: {pipe['seconds']:.2f} s, {pipe['articles_per_s']:.1f} articles/s, "
          f"{pipe['words_per_s']:,.0f} words/s, failed {pipe['failed']}")
    print(f"latency per article: p50 {pipe['latency_p50_s']*1000:.0f} ms, p95 {pipe['latency_p95_s']*1000:.0f} ms "
          f"(in a burst of {len(paths)})")
    print(f"bound: extraction {t_extract:.2f} s + spaCy alone {t_spacy:.2f} s = {bound:.2f} s")
    print(f"ratio pipeline / bound: {result['ratio']:.3f} (target <= 1.18)")
    print(f"peak RSS, all processes: {result['peak_rss_mb']:.0f} MB")
    print(f"written: {write_results('throughput', result)}")


if __name__ == "__main__":
    main()
