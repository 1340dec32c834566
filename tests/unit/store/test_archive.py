"""Articles, versioned analyses, shares, the freshness cache and retention, on both databases."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.models import Analysis, Article, Organization, Person, Quote, Share, Theme
from bot.store import Store
from bot.store.engine import thread_engine

URL = "https://news.example/story?id=1"
CANON = "https://news.example/story"
ARTICLE = Article(
    url=URL,
    canonical_url=CANON,
    title="Drug makers bring production home",
    published="2025-12-23",
    site_name="Example News",
    paragraphs=("Factories are opening.", '"We make it here now," said Brian Doty.'),
)
ANALYSIS = Analysis(
    summary=("Factories are opening.",),
    quotes=(Quote("We make it here now,", "Brian Doty", "vice president at APIIC", key=True),),
    organizations=(Organization("Association for Accessible Medicines", ("AAM",), mentions=2),),
    people=(Person("Brian Doty", quoted=True),),
    themes=(Theme("reshored manufacturing", 0.9),),
)
SHARE = Share(team="T1", channel="C1", message_ts="1766500000.000100", user="U1", shared_at=1766500000.0001)


async def test_save_then_fresh_by_any_url(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        aid = await store.save_article(URL, ARTICLE, ANALYSIS)
        for url in (URL, CANON):
            got = await store.fresh_article(url, timedelta(hours=1))
            assert got is not None and got.article_id == aid
            assert got.analysis == ANALYSIS  # rebuilt exactly from storage
            assert got.article.paragraphs == ARTICLE.paragraphs and got.article.title == ARTICLE.title
            assert got.first_share is None
        assert await store.fresh_article("https://news.example/other", timedelta(hours=1)) is None
        assert await store.fresh_article(URL, timedelta(0)) is None  # too old for a zero window
        assert await store.fresh_article(URL, timedelta(hours=1), analyzer_version="2") is None
    finally:
        await store.close()


async def test_resave_keeps_one_article_and_versions_analysis(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        aid = await store.save_article(URL, ARTICLE, ANALYSIS)
        better = dataclasses.replace(ANALYSIS, summary=("A better summary.",))
        # shared again under another URL that declares the same canonical URL
        again = await store.save_article("https://m.news.example/s1", dataclasses.replace(ARTICLE, url="x"), better)
        assert again == aid and await store.article_count() == 1
        got = await store.fresh_article("https://m.news.example/s1", timedelta(hours=1))
        assert got is not None and got.analysis.summary == ("A better summary.",)
        # quotes are read through the latest analysis only: no duplicates across versions
        page = await store.quotes_by("Doty")
        assert len(page.items) == 1
    finally:
        await store.close()


async def test_shares_are_idempotent_and_first_share_is_earliest(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        aid = await store.save_article(URL, ARTICLE, ANALYSIS)
        later = Share(team="T1", channel="C2", message_ts="1766600000.000200", user="U2", shared_at=1766600000.0002)
        await store.record_share(aid, later)
        await store.record_share(aid, SHARE)
        await store.record_share(aid, SHARE)  # duplicate delivery
        got = await store.fresh_article(URL, timedelta(hours=1))
        assert got is not None and got.first_share is not None
        assert (got.first_share.channel, got.first_share.user) == ("C1", "U1")
        assert abs(got.first_share.shared_at - 1766500000.0001) < 0.001
        page = await store.recent(team="T1")
        assert [h.article_id for h in page.items] == [aid]
    finally:
        await store.close()


async def test_survives_restart(database_url: str) -> None:
    store = await Store.open(database_url)
    aid = await store.save_article(URL, ARTICLE, ANALYSIS)
    await store.record_share(aid, SHARE)
    await store.close()
    store = await Store.open(database_url)
    try:
        assert [h.article_id for h in (await store.search("production")).items] == [aid]
        assert (await store.org_report("AAM")) is not None
    finally:
        await store.close()


@pytest.mark.parametrize("batch", [500, 1], ids=["one-batch", "row-by-row"])
async def test_purge_deletes_old_shares_then_unshared_articles(
    database_url: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.store.archive.PURGE_CHUNK", batch)  # batching must not change what goes
    store = await Store.open(database_url)
    try:
        old = await store.save_article(URL, ARTICLE, ANALYSIS)
        await store.record_share(old, SHARE)  # shared 2025-12-23
        other = dataclasses.replace(
            ARTICLE, url="https://news.example/new", canonical_url="https://news.example/new", title="Fresh story"
        )
        new = await store.save_article("https://news.example/new", other, ANALYSIS)
        now = datetime.now(UTC).timestamp()
        await store.record_share(new, dataclasses.replace(SHARE, message_ts=f"{now:.6f}", shared_at=now))

        counts = await store.purge(datetime(2026, 1, 1, tzinfo=UTC))
        # the 2025 share goes; both articles stay (analyzed after the cutoff)
        assert (counts["shares"], counts["articles"], await store.article_count()) == (1, 0, 2)
        assert [h.article_id for h in (await store.recent(team="T1")).items] == [new]

        counts = await store.purge(timedelta(minutes=-1))  # a cutoff in the future: all is old
        assert (counts["shares"], counts["articles"], await store.article_count()) == (1, 2, 0)
        assert (await store.search("production")).items == []
        assert await store.org_report("AAM") is None  # orphaned entities go too
    finally:
        await store.close()


async def test_purge_keeps_latest_analysis_of_a_kept_article(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        aid = await store.save_article(URL, ARTICLE, ANALYSIS)
        await store.save_article(URL, ARTICLE, dataclasses.replace(ANALYSIS, summary=("v2",)))
        future = datetime.now(UTC).timestamp() + 86400
        await store.record_share(aid, dataclasses.replace(SHARE, shared_at=future))
        counts = await store.purge(timedelta(minutes=-1))
        assert (counts["analyses"], counts["articles"]) == (1, 0)
        got = await store.get_article(aid)
        assert got is not None and got.analysis.summary == ("v2",)
    finally:
        await store.close()


async def test_save_and_share_is_one_save_plus_its_share(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        aid = await store.save_and_share(URL, ARTICLE, ANALYSIS, SHARE)
        assert await store.save_and_share(URL, ARTICLE, ANALYSIS, SHARE) == aid  # redelivered: same article
        got = await store.fresh_article(CANON, timedelta(hours=1))
        assert got is not None and got.article_id == aid and got.analysis == ANALYSIS
        assert got.first_share is not None and (got.first_share.channel, got.first_share.user) == ("C1", "U1")
        assert [h.article_id for h in (await store.recent(team="T1")).items] == [aid]  # one share, not two
        assert len((await store.quotes_by("Doty")).items) == 1
    finally:
        await store.close()


async def test_entities_in_one_save_resolve_through_shared_aliases(database_url: str) -> None:
    # the same organization under its name with an alias and under the alias alone; a speaker
    # named by surname only who is the article's one person of that surname
    analysis = Analysis(
        quotes=(Quote("Prices fell.", "Murphy"), Quote("Supply is short.", "Jane Roe")),
        organizations=(
            Organization("the Association for Accessible Medicines", ("AAM",), mentions=2),
            Organization("AAM", mentions=3),
            Organization("Food and Drug Administration", ("FDA",)),
        ),
        people=(Person("John Murphy", title="CEO"), Person("Ann Lee")),
    )
    store = await Store.open(database_url)
    try:
        aid = await store.save_article(URL, ARTICLE, analysis)
        # one organization, whichever of its names was stored first ("AAM": keys go in sorted order)
        reports = [await store.org_report(n) for n in ("AAM", "Association for Accessible Medicines")]
        assert reports[0] is not None and reports[1] is not None
        assert reports[0].name == reports[1].name and reports[0].aliases == reports[1].aliases
        assert {reports[0].name, *reports[0].aliases} == {"AAM", "the Association for Accessible Medicines"}
        assert reports[0].article_count == 1
        fda = await store.org_report("fda")
        assert fda is not None and fda.name == "Food and Drug Administration"
        murphy = (await store.quotes_by("John Murphy")).items
        assert [h.quote.text for h in murphy] == ["Prices fell."]
        assert [h.quote.text for h in (await store.quotes_by("Roe")).items] == ["Supply is short."]  # a new person
        # a second article reuses the stored entities rather than creating twins
        other = dataclasses.replace(ARTICLE, url="https://news.example/2", canonical_url="https://news.example/2")
        again = Analysis(organizations=(Organization("AAM"),), quotes=(Quote("More.", "John Murphy"),))
        assert await store.save_article(other.url, other, again) != aid
        report = await store.org_report("the association for accessible medicines")
        assert report is not None and report.article_count == 2
        assert len((await store.quotes_by("Murphy")).items) == 2
    finally:
        await store.close()


async def test_a_save_takes_a_bounded_number_of_statements(database_url: str) -> None:
    from sqlalchemy import event

    many = Analysis(
        quotes=tuple(Quote(f"Said {i}.", f"Speaker{i} Person{i}") for i in range(30)),
        organizations=tuple(Organization(f"Org {i}", (f"O{i}",)) for i in range(30)),
        people=tuple(Person(f"Person{i} Name{i}") for i in range(30)),
    )
    store = await Store.open(database_url)
    statements: list[str] = []
    for engine in (store._engine.sync_engine, thread_engine(store._engine)):  # SQLite saves run on the twin
        if engine is not None:
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        await store.save_and_share(URL, ARTICLE, many, SHARE)
        # 30 organizations, 60 people and 30 quotes: each kind in one or two statements, not one per entity
        assert 10 <= len(statements) <= 20, statements
        got = await store.fresh_article(URL, timedelta(hours=1))
        assert got is not None and got.analysis == many
        assert len((await store.quotes_by("Person7")).items) == 1
        assert (await store.org_report("O29")) is not None
    finally:
        await store.close()


async def test_concurrent_saves_sharing_entities_neither_deadlock_nor_duplicate(database_url: str) -> None:
    orgs = [Organization(f"Agency {c}", (f"AG{c}",)) for c in "ABCDEFGH"]
    names = [Person(f"Pat {c}ardy") for c in "ABCDEFGH"]
    store = await Store.open(database_url)
    try:

        async def save(i: int) -> int:
            # every save names the same entities, each in its own order
            order = orgs[i % 8 :] + orgs[: i % 8]
            analysis = Analysis(organizations=tuple(reversed(order) if i % 2 else order), people=tuple(names[::-1]))
            url = f"https://news.example/c{i}"
            art = dataclasses.replace(ARTICLE, url=url, canonical_url=url)
            return await store.save_and_share(url, art, analysis, dataclasses.replace(SHARE, message_ts=f"{i}.1"))

        ids = await asyncio.wait_for(asyncio.gather(*(save(i) for i in range(12))), timeout=60)
        assert len(set(ids)) == 12
        for org in orgs:
            report = await store.org_report(org.aliases[0])
            assert report is not None and report.name == org.name and report.article_count == 12
        async with store._engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM people"))).scalar_one() == 8
            assert (await conn.execute(text("SELECT count(*) FROM organizations"))).scalar_one() == 8
    finally:
        await store.close()
