"""Archive lookup latency on a 10,000-article archive, on SQLite and PostgreSQL.

Run: `.venv/bin/python -m bench.search [--articles N] [--reps N] [--pg URL]`.

The archive is synthesized: the English ScrapingHub pages are run once through the real
extraction + analysis, then reused under different URLs, titles (a word from another page's
headline is added) and dates spread over four years, each with a share. The texts therefore
repeat (each about N / pages times); that makes matches more common than in a real archive,
so the figures are if anything pessimistic. Saves go as the worker's do (`save_and_share`),
four at a time. PostgreSQL is ANALYZEd after the load (autovacuum's job in a live archive).
Writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import time
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from bench.common import english_pages, pct, write_results
from bot.config import load_settings
from bot.models import Analysis, Article, Share
from bot.store import Store

TEAM = "TBENCH"
TARGET_MS = 200.0
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def analyzed_pages(limit: int) -> list[tuple[Article, Analysis]]:
    from bot.fetch.files import read_local
    from bot.pipeline import Analyzer

    settings = load_settings()
    analyzer = Analyzer(settings.spacy_model, workers=min(2, settings.workers))
    await analyzer.start()
    out: list[tuple[Article, Analysis]] = []
    try:

        async def one(path: str) -> None:
            try:
                page = await asyncio.to_thread(read_local, path, settings.max_bytes)
                out.append(await analyzer.read(page))
            except Exception:  # pages the pipeline rejects are simply not used
                return

        await asyncio.gather(*(one(str(p)) for p in english_pages()[:limit]))
    finally:
        analyzer.close()
    return out


def synthesize(real: list[tuple[Article, Analysis]], n: int) -> list[tuple[str, Article, Analysis, Share]]:
    rng = random.Random(7)
    start = date(2022, 1, 1)
    items = []
    for i in range(n):
        article, analysis = real[i % len(real)]
        donor = (real[rng.randrange(len(real))][0].title or "news").split()
        extra = rng.choice(donor) if donor else "news"
        day = start + timedelta(days=rng.randrange(4 * 365))
        url = f"https://bench.example/{i}"
        title = f"{article.title or ''} {extra}".strip()
        art = dataclasses.replace(article, url=url, canonical_url=url, title=title, published=day.isoformat())
        ts = f"{1640995200 + i * 60}.000100"
        items.append((url, art, analysis, Share(TEAM, f"C{i % 7}", ts, f"U{i % 13}")))
    return items


def queries(real: list[tuple[Article, Analysis]]) -> dict[str, list[str]]:
    rng = random.Random(11)
    words = [w for a, _ in real for w in (a.title or "").split() if len(w) > 4 and w.isalpha()]
    speakers = sorted({q.speaker for _, an in real for q in an.quotes if q.speaker})
    orgs = sorted({n for _, an in real for o in an.organizations for n in (o.name, *o.aliases)})
    themes = sorted({t.label for _, an in real for t in an.themes} | {t.label for _, an in real for t in an.topics})
    k = min(15, len(speakers))  # surnames and full names
    return {
        "search": [" ".join(rng.sample(words, 2)) for _ in range(20)] + rng.sample(words, 10),
        "quotes": [s.split()[-1] for s in rng.sample(speakers, k)] + rng.sample(speakers, k),
        "org": rng.sample(orgs, min(30, len(orgs))),
        "theme": (rng.sample(themes, min(30, len(themes))) if themes else rng.sample(words, 10)),
        "recent": ["5"],
    }


async def build(store: Store, items: list[tuple[str, Article, Analysis, Share]]) -> float:
    """Saves as the worker does (article, analysis and share in one transaction), a few at once:
    SQLite queues them at its write gate, and each one's Python work overlaps another's I/O."""
    t0 = time.perf_counter()
    sem = asyncio.Semaphore(4)

    async def one(item: tuple[str, Article, Analysis, Share]) -> None:
        async with sem:
            await store.save_and_share(*item)

    await asyncio.gather(*(one(i) for i in items))
    return time.perf_counter() - t0


async def analyze(store: Store) -> None:
    """PostgreSQL: fresh planner statistics, as autovacuum keeps them in a live archive. Just
    after a bulk load they still describe empty tables, and plans built on them walk all 10,000
    shares for a quote lookup (45 ms instead of 6). SQLite gets nothing: Newsbot never runs
    ANALYZE there, so neither does its benchmark."""
    if store.dialect == "postgresql":
        async with store._engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def measure(store: Store, qs: dict[str, list[str]], reps: int) -> dict[str, dict[str, float]]:
    async def run(kind: str, q: str) -> None:
        if kind == "search":
            await store.search(q, team=TEAM)
        elif kind == "theme":
            await store.theme(q, team=TEAM)
        elif kind == "quotes":
            await store.quotes_by(q, team=TEAM)
        elif kind == "org":
            await store.org_report(q, team=TEAM)
        else:
            await store.recent(team=TEAM, limit=int(q))

    figures = {}
    for kind, variants in qs.items():
        for q in variants[:3]:  # warm caches
            await run(kind, q)
        times = []
        for i in range(reps):
            t0 = time.perf_counter()
            await run(kind, variants[i % len(variants)])
            times.append((time.perf_counter() - t0) * 1000)
        figures[kind] = {"p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2), "n": reps}
    return figures


async def bench_one(url: str, items: list[Any], qs: dict[str, list[str]], reps: int) -> dict[str, Any]:
    store = await Store.open(url)
    try:
        build_s = await build(store, items)
        await analyze(store)
        figures = await measure(store, qs, reps)
        return {"articles": await store.article_count(), "build_seconds": round(build_s, 1), "queries": figures}
    finally:
        await store.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    real = await analyzed_pages(args.pages)
    items = synthesize(real, args.articles)
    qs = queries(real)
    results: dict[str, Any] = {"real_pages": len(real), "articles": args.articles, "reps": args.reps,
                               "target_ms": TARGET_MS, "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        results["backends"]["sqlite"] = await bench_one(f"sqlite+aiosqlite:///{tmp}/bench.db", items, qs, args.reps)
    results["backends"]["postgresql"] = await bench_pg(args.pg, items, qs, args.reps)
    return results


async def bench_pg(admin_url: str, items: list[Any], qs: dict[str, list[str]], reps: int) -> dict[str, Any]:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"newsbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, TimeoutError) as exc:
        return {"skipped": f"PostgreSQL not reachable: {exc}"}
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
        return await bench_one(url, items, qs, reps)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--pages", type=int, default=60, help="real pages analyzed to synthesize from")
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--pg", default=os.environ.get("NEWSBOT_TEST_PG_URL", DEFAULT_PG))
    args = p.parse_args()
    results = asyncio.run(main_async(args))
    print(f"{args.articles} articles from {results['real_pages']} real pages; {args.reps} runs per query type")
    for backend, r in results["backends"].items():
        if "skipped" in r:
            print(f"{backend}: skipped ({r['skipped']})")
            continue
        print(f"{backend}: built in {r['build_seconds']} s")
        for kind, f in r["queries"].items():
            flag = "" if f["p95_ms"] <= TARGET_MS else "  (over target)"
            print(f"  {kind:<7} p50 {f['p50_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms{flag}")
    path = write_results("search", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
