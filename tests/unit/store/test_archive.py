"""Articles, versioned analyses, shares, the freshness cache and retention, on both databases."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.models import Analysis, Article, Organization, Person, Quote, Share, Theme
from bot.store import Store

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


async def test_purge_deletes_old_shares_then_unshared_articles(database_url: str) -> None:
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
