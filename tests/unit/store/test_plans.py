"""The query plans behind each `/newsbot` lookup and the digest: every statement they run is
EXPLAINed, and the test fails when one stops using its index (a full scan of a big table, or a
"newest first" walk that turns into a sort of everything).

The archive here is tiny, so on PostgreSQL the planner is told sequential scans and sorts are
expensive (as they are at a million rows); what is checked is that an index plan exists for the
statement as written. SQLite plans without statistics (Newsbot never runs ANALYZE), as in use.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.models import Analysis, Article, Organization, Person, Quote, Share
from bot.store import Store

BIG = ("articles", "shares", "quotes", "org_mentions", "person_mentions", "org_months", "search_docs", "analyses")
Lookup = Callable[[Store], Awaitable[Any]]
# a channel's shares newest first; either shares index walks them in order (PostgreSQL's choice
# on a dozen rows may be the team one, filtering the channel)
RECENT = "ix_shares_channel_recent|ix_shares_team_recent"

# lookup -> indexes its statements must use ("a|b": either; "sqlite:ix": on SQLite only)
LOOKUPS: dict[str, tuple[Lookup, tuple[str, ...]]] = {
    "search": (lambda s: s.search("harbour budget", team="T1"), ()),
    "theme": (lambda s: s.theme("infrastructure", team="T1"), ()),
    "quotes": (lambda s: s.quotes_by("Ann Lee", team="T1"), ("ix_quotes_person_sort",)),
    "quotes_more": (lambda s: s.quotes_by("Lee", team="T1", after="2025-01-01T00:00:00+00:00|9"),
                    ("ix_quotes_person_sort",)),
    "org": (lambda s: s.org_report("Acme Corp", team="T1"), ("ix_org_mentions_org_sort", "org_months")),
    "org_more": (lambda s: s.org_report("Acme Corp", team="T1", after="2025-01-01T00:00:00+00:00|9"),
                 ("ix_org_mentions_org_sort",)),
    "recent": (lambda s: s.recent(team="T1", channel="C1"), (RECENT,)),
    "recent_more": (lambda s: s.recent(team="T1", channel="C1", after="2025-01-01T00:00:00+00:00|9"), (RECENT,)),
    "recent_team": (lambda s: s.recent(team="T1"), ("ix_shares_team_recent",)),
    "who": (lambda s: s.who("Ann Lee", team="T1"), ("ix_quotes_person_sort",)),
    "who_surname": (lambda s: s.who("Lee", team="T1"), ("ix_quotes_person_sort",)),
    "sources": (lambda s: s.sources("T1", "C1", 7, now=datetime(2025, 6, 1, tzinfo=UTC)), (RECENT,)),
    "digest": (lambda s: s.digest_period_articles("T1", "C1", datetime(2024, 1, 1, tzinfo=UTC),
                                                  datetime(2027, 1, 1, tzinfo=UTC)),
               # popularity: a probe per article, not the team's shares (PostgreSQL picks by statistics)
               (RECENT, "sqlite:ix_shares_article_id_team")),
}


async def _seed(store: Store) -> None:
    for i in range(12):
        url = f"https://ex.test/{i}"
        article = Article(url=url, canonical_url=url, title=f"Harbour budget {i}", published=f"2025-0{1 + i % 9}-02",
                          paragraphs=("The harbour budget passed.",))
        analysis = Analysis(
            organizations=(Organization("Acme Corp", ("Acme",)),),
            people=(Person("Ann Lee", quoted=True),),
            quotes=(Quote(f"We will build {i}.", "Ann Lee", "CEO of Acme Corp"),),
        )
        await store.save_and_share(url, article, analysis, Share("T1", "C1", f"1735800000.{i:06d}", "U1"))


async def _statements(store: Store, lookup: Lookup) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((sql, params))

    event.listen(store._engine.sync_engine, "before_cursor_execute", record)
    try:
        await lookup(store)
    finally:
        event.remove(store._engine.sync_engine, "before_cursor_execute", record)
    return seen


async def _plan(store: Store, sql: str, params: Any) -> str:
    async with store._engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(r.detail for r in rows.all())
        await conn.exec_driver_sql("SET enable_seqscan = off")
        await conn.exec_driver_sql("SET enable_sort = off")
        rows = await conn.exec_driver_sql(f"EXPLAIN {sql}", params)
        return "\n".join(r[0] for r in rows.all())


def _full_scans(plan: str, dialect: str) -> list[str]:
    if dialect == "sqlite":  # "SCAN shares" (a table walk); "SCAN shares USING INDEX ..." is fine
        return [line for line in plan.splitlines()
                if (m := re.search(r"\bSCAN (\w+)(?: AS \w+)?$", line.strip())) and m.group(1) in BIG]
    return [line for line in plan.splitlines() if (m := re.search(r"Seq Scan on (\w+)", line)) and m.group(1) in BIG]


@pytest.mark.parametrize("name", list(LOOKUPS))
async def test_each_lookup_uses_its_indexes(database_url: str, name: str) -> None:
    store = await Store.open(database_url)
    try:
        await _seed(store)
        lookup, indexes = LOOKUPS[name]
        statements = await _statements(store, lookup)
        assert statements, name
        plans = [await _plan(store, sql, params) for sql, params in statements]
        for (sql, _params), plan in zip(statements, plans, strict=True):
            assert not _full_scans(plan, store.dialect), (name, sql, plan)
        every = "\n".join(plans)
        for index in indexes:
            dialect, _, index = index.rpartition(":")
            if dialect in ("", store.dialect):
                assert any(i in every for i in index.split("|")), (name, index, every)
        if name.startswith(("quotes", "org", "recent", "who")):  # newest-first walks: no sort of the matches
            walks = [p for (sql, _), p in zip(statements, plans, strict=True)
                     if any(i in p for x in indexes if x.startswith("ix_") for i in x.split("|"))
                     and "GROUP BY" not in sql.upper()]  # a grouped count or max sorts groups, not matches
            assert walks and not any(re.search(r"TEMP B-TREE FOR ORDER BY|Sort\b", p) for p in walks), walks
    finally:
        await store.close()
