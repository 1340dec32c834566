"""Search, quotes, organizations, themes and recent lookups on SQLite FTS5 and PostgreSQL.

Two archives: tiny hand-made articles where the right order is obvious, and real pages run
through the real extraction + analysis, checked against the seed article's human gold file.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from bot.models import Analysis, Article, Organization, Quote, Share, Theme
from bot.store import Store
from tests.store_fixtures import SEED_GOLD


def _article(n: int, title: str, body: str, published: str) -> Article:
    return Article(
        url=f"https://ex.test/{n}",
        canonical_url=f"https://ex.test/{n}",
        title=title,
        published=published,
        site_name="Ex",
        paragraphs=(body,),
    )


def _share(n: int, team: str = "T1") -> Share:
    return Share(team=team, channel="C1", message_ts=f"17000000{n:02d}.000100", user="U1")


async def _seed_small(store: Store) -> dict[str, int]:
    ids = {}
    specs = [
        ("title_old", "Hospital budget vote", "The council met on Tuesday.", "2020-01-01", ()),
        ("body_new", "Council meeting notes", "A hospital budget was discussed briefly.", "2025-06-01", ()),
        (
            "twin_old",
            "Bridge repairs begin",
            "Crews start bridge repairs downtown.",
            "2019-05-01",
            (Theme("urban infrastructure", 0.8),),
        ),
        (
            "twin_new",
            "Bridge repairs begin",
            "Crews start bridge repairs downtown.",
            "2025-05-01",
            (Theme("urban infrastructure", 0.8),),
        ),
        ("other_team", "Hospital strike", "Hospital nurses strike over budget.", "2025-07-01", ()),
    ]
    for n, (key, title, body, date, themes) in enumerate(specs):
        analysis = Analysis(themes=themes, quotes=(Quote(f"{body} Really.", "Ann Lee"),))
        aid = await store.save_article(f"https://ex.test/{n}", _article(n, title, body, date), analysis)
        await store.record_share(aid, _share(n, "T2" if key == "other_team" else "T1"))
        ids[key] = aid
    return ids


async def test_title_match_outranks_body_match_and_newer_twin_first(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        ids = await _seed_small(store)
        hits = (await store.search("hospital budget", team="T1")).items
        # "Hospital budget" in the title beats the same words in a body, even five years older
        assert [h.article_id for h in hits] == [ids["title_old"], ids["body_new"]]
        hits = (await store.search("bridge repairs", team="T1")).items
        assert [h.article_id for h in hits] == [ids["twin_new"], ids["twin_old"]]  # same text: newer wins
        assert hits[0].share is not None and hits[0].share.channel == "C1"
        assert hits[0].quote is not None and "bridge repairs" in hits[0].quote.text
    finally:
        await store.close()


async def test_team_scope_stemming_paging_and_odd_input(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        ids = await _seed_small(store)
        assert [h.article_id for h in (await store.search("strike", team="T1")).items] == []
        assert [h.article_id for h in (await store.search("strike", team="T2")).items] == [ids["other_team"]]
        assert len((await store.search("repair", team="T1")).items) == 2  # stemmed: repairs
        first = await store.search("bridge", team="T1", limit=1)
        second = await store.search("bridge", team="T1", limit=1, offset=1)
        assert first.has_more and not second.has_more
        assert {first.items[0].article_id, second.items[0].article_id} == {ids["twin_new"], ids["twin_old"]}
        for odd in ('"', "AND OR NOT", "NEAR(", "title:*", "'; DROP TABLE articles; --", "   "):
            assert (await store.search(odd)).items == []  # no syntax errors, no injection
        assert await store.article_count() == 5
    finally:
        await store.close()


async def test_theme_and_recent(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        ids = await _seed_small(store)
        hits = (await store.theme("infrastructure", team="T1")).items
        assert [h.article_id for h in hits] == [ids["twin_new"], ids["twin_old"]]
        assert (await store.theme("hospital", team="T1")).items == []  # not a theme anywhere
        recent = (await store.recent(team="T1", limit=2)).items
        assert [h.article_id for h in recent] == [ids["twin_new"], ids["twin_old"]]  # latest shares
    finally:
        await store.close()


async def test_org_aliases_resolve_and_months_count(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        for n, (date, name, aliases) in enumerate(
            [
                ("2025-01-05", "Association for Accessible Medicines", ("AAM",)),
                ("2025-01-20", "the Association for Accessible Medicines", ()),
                ("2025-03-02", "AAM", ()),
            ]
        ):
            analysis = Analysis(
                organizations=(Organization(name, aliases),),
                quotes=(Quote("Prices fell.", "John Murphy", "CEO of the Association for Accessible Medicines"),),
            )
            aid = await store.save_article(f"https://ex.test/{n}", _article(n, f"Generics {n}", "x", date), analysis)
            await store.record_share(aid, _share(n))
        for ask in ("AAM", "aam", "Association for Accessible Medicines", "the association for accessible medicines"):
            report = await store.org_report(ask, team="T1")
            assert report is not None and report.name == "Association for Accessible Medicines", ask
            assert report.aliases == ("AAM",)
            assert report.article_count == 3
            assert report.by_month == [("2025-01", 2), ("2025-03", 1)]
            assert report.quoted[0][:2] == ("John Murphy", "CEO of the Association for Accessible Medicines")
        assert await store.org_report("Accessible Medicines") is not None  # partial name
        assert await store.org_report("World Health Organization") is None
    finally:
        await store.close()


# --- the real archive -------------------------------------------------------------------
async def _real_store(database_url: str, analyzed: list[tuple[str, Article, Analysis]]) -> Store:
    store = await Store.open(database_url)
    for n, (url, article, analysis) in enumerate(analyzed):
        aid = await store.save_article(url, article, analysis)
        await store.record_share(aid, _share(n))
    return store


def _plain(s: str) -> str:
    return s.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').lower()


def _gold() -> dict[str, Any]:
    return json.loads(SEED_GOLD.read_text())


@pytest.mark.slow
async def test_real_archive_lookups(database_url: str, analyzed_articles: list[Any]) -> None:
    gold = _gold()
    store = await _real_store(database_url, analyzed_articles)
    try:
        hits = (await store.search("pharmaceutical manufacturing", team="T1")).items
        assert hits and hits[0].url == gold["url"] and hits[0].title == gold["title"]

        doty_gold = [q["text"] for q in gold["quotes"] if q["speaker"] == "Brian Doty"]
        for ask in ("Doty", "Brian Doty", "brian doty"):
            page = await store.quotes_by(ask, team="T1", limit=10)
            assert page.items, ask
            for hit in page.items:  # every quote returned is one the gold set gives Doty
                said = _plain(hit.quote.text)
                assert any(_plain(g)[:40] in said or said[:40] in _plain(g) for g in doty_gold), said
        assert (await store.quotes_by("Nobody Atall", team="T1")).items == []

        report = await store.org_report("AAM", team="T1")
        assert report is not None and report.name == "Association for Accessible Medicines"
        assert gold["url"] in [h.url for h in report.articles.items]
        assert "John Murphy" in [speaker for speaker, _title, _n in report.quoted]

        # other real pages: words from their (hand-read) headlines find them
        urls = {u for u, _a, _an in analyzed_articles}
        for words, fragment in (("WeWork attorney general", "venturebeat.com"), ("oxygen bar Delhi", "newsnation.in")):
            if any(fragment in u for u in urls):
                found = (await store.search(words, team="T1")).items
                assert found and fragment in found[0].url, words
    finally:
        await store.close()

    store = await Store.open(database_url)  # and it's all still there after a restart
    try:
        assert (await store.search("pharmaceutical manufacturing", team="T1")).items[0].url == gold["url"]
    finally:
        await store.close()


async def test_team_scope_probes_each_candidate_not_every_team_share(sqlite_url: str) -> None:
    """SQLite: "shared in this team" must be one index probe per candidate article. Scanning the
    team's shares per candidate instead took 0.1-1 s per search at 10,000 articles."""
    from sqlalchemy import event

    store = await Store.open(sqlite_url)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        seen.append((sql, params))

    try:
        await _seed_small(store)
        event.listen(store._engine.sync_engine, "before_cursor_execute", record)
        await store.search("hospital budget", team="T1")
        await store.theme("infrastructure", team="T1")
        await store.quotes_by("Lee", team="T1")
        event.remove(store._engine.sync_engine, "before_cursor_execute", record)
        statements = [s for s in seen if "shares" in s[0]]
        assert statements
        async with store._engine.connect() as conn:
            for sql, params in statements:
                plan = [r.detail for r in (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)).all()]
                on_shares = [p for p in plan if " s " in f" {p} " or "shares" in p]
                assert on_shares and all("article_id=?" in p for p in on_shares), (sql, plan)
    finally:
        await store.close()


async def test_recent_can_be_scoped_to_one_channel(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        here = await store.save_article("https://ex.test/1", _article(1, "Shared here", "x", "2025-01-05"), Analysis())
        there = await store.save_article("https://ex.test/2", _article(2, "Elsewhere", "x", "2025-01-06"), Analysis())
        await store.record_share(here, dataclasses.replace(_share(1), channel="C_HERE"))
        await store.record_share(there, dataclasses.replace(_share(2), channel="C_THERE"))
        assert [h.article_id for h in (await store.recent(team="T1", channel="C_HERE")).items] == [here]
        assert {h.article_id for h in (await store.recent(team="T1")).items} == {here, there}
    finally:
        await store.close()
