"""What keeps lookups fast at a million stories, on both databases: the organization counters stay
equal to a recount whatever happens to the archive, "More" pages walk every result exactly once,
search finds what its bounded candidate windows must, and each main lookup's plan uses its index."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.models import Analysis, Article, Organization, Person, Quote, Share
from bot.store import Store, search
from bot.store.counters import rebuild_org_months
from bot.store.tables import org_months

ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries"]
PEOPLE = ["Ann Lee", "Bo Lee", "Cy Park", "Di Moss"]


def _story(n: int, rng: random.Random, *, published: str | None = None) -> tuple[str, Article, Analysis]:
    url = f"https://ex.test/{n}"
    day = published or (datetime(2020, 1, 1) + timedelta(days=rng.randrange(2000))).date().isoformat()
    orgs = tuple(Organization(o) for o in rng.sample(ORGS, rng.randint(0, 3)))
    speakers = rng.sample(PEOPLE, rng.randint(0, 2))
    article = Article(url=url, canonical_url=url, title=f"Story {n} about budgets", published=day,
                      site_name="Ex", paragraphs=(f"Paragraph {n} on the budget.",))
    analysis = Analysis(
        organizations=orgs,
        people=tuple(Person(p, quoted=True) for p in speakers),
        quotes=tuple(Quote(f"Quote {n} by {p}.", p) for p in speakers),
    )
    return url, article, analysis


async def _counters(store: Store) -> list[tuple[Any, ...]]:
    async with store._engine.connect() as conn:
        rows = await conn.execute(select(org_months).where(org_months.c.articles != 0))
        return sorted(tuple(r) for r in rows.all())


async def _recount(store: Store) -> list[tuple[Any, ...]]:
    async with store._engine.begin() as conn:
        await conn.run_sync(rebuild_org_months)
    return await _counters(store)


async def _direct_count(store: Store, org: str, team: str) -> int:
    """Articles shared in the team whose latest analysis names the organization, counted apart."""
    sql = (
        "SELECT count(DISTINCT m.article_id) FROM org_mentions m JOIN organizations o ON o.id = m.org_id "
        "JOIN shares s ON s.article_id = m.article_id AND s.team = :team WHERE o.name = :org"
    )
    async with store._engine.connect() as conn:
        return int((await conn.execute(text(sql), {"org": org, "team": team})).scalar_one())


async def _walk(lookup: Any, **kw: Any) -> list[Any]:
    """Every item through "More" pages of three."""
    seen: list[Any] = []
    after: str | None = None
    while True:
        page = await lookup(limit=3, after=after, **kw)
        page = getattr(page, "articles", page)  # an OrgReport's page
        seen += page.items
        if not page.has_more:
            return seen
        assert page.after is not None
        after = page.after


async def _build(store: Store, rng: random.Random, n: int = 40) -> None:
    for i in range(n):
        url, article, analysis = _story(i, rng)
        if i % 3 == 0:  # saved, shared later, sometimes in two teams and twice in one
            aid = await store.save_article(url, article, analysis)
            await store.record_share(aid, Share("T1", "C1", f"17000{i:05d}.1", "U1", shared_at=1.7e9 + i))
            if i % 2 == 0:
                await store.record_share(aid, Share("T2", "C9", f"17000{i:05d}.2", "U1", shared_at=1.7e9 + i))
                await store.record_share(aid, Share("T1", "C2", f"17000{i:05d}.3", "U1", shared_at=1.9e9 + i))
        else:
            share = Share("T1", "C1" if i % 2 else "C2", f"17000{i:05d}.1", "U1", shared_at=1.8e9 + i)
            await store.save_and_share(url, article, analysis, share)
    for i in range(0, n, 4):  # re-analysed: other organizations, another month
        url, article, analysis = _story(i, rng, published="2024-02-10")
        await store.save_article(url, article, analysis)


async def test_org_counters_equal_a_recount_through_saves_resaves_shares_and_purges(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        await _build(store, random.Random(3))
        incremental = await _counters(store)
        assert incremental and incremental == await _recount(store)
        for org in ORGS:
            report = await store.org_report(org, team="T1")
            direct = await _direct_count(store, org, "T1")
            assert report is not None and report.article_count == direct > 0, org
            assert sum(n for _m, n in report.by_month) == direct

        await store.purge(datetime.fromtimestamp(1.7e9 + 20, UTC))  # some teams lose their only share
        after_purge = await _counters(store)
        assert after_purge != incremental and after_purge == await _recount(store)
        for org in ORGS:
            report = await store.org_report(org, team="T1")
            assert (report.article_count if report else 0) == await _direct_count(store, org, "T1"), org
    finally:
        await store.close()


async def test_more_pages_walk_every_result_once_newest_first(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        await _build(store, random.Random(5))
        for org in ORGS:
            walked = [h.article_id for h in await _walk(store.org_report, name=org, team="T1")]
            report = await store.org_report(org, team="T1", limit=1000)
            assert report is not None and walked == [h.article_id for h in report.articles.items], org
            assert len(walked) == len(set(walked)) == report.article_count, org
            dates = [h.date for h in report.articles.items]
            assert dates == sorted(dates, reverse=True)
        for person in (*PEOPLE, "Lee"):  # "Lee": two people, one walk
            walked = [(q.article.article_id, q.quote.text) for q in await _walk(store.quotes_by, person=person,
                                                                                  team="T1")]
            whole = await store.quotes_by(person, team="T1", limit=1000)
            assert walked and walked == [(q.article.article_id, q.quote.text) for q in whole.items], person
            assert len(set(walked)) == len(walked)
            assert all(person.split()[-1] in text for _a, text in walked)
        for channel in ("C1", "C2", None):
            walked = [h.article_id for h in await _walk(store.recent, team="T1", channel=channel)]
            whole = await store.recent(team="T1", channel=channel, limit=1000)
            assert walked == [h.article_id for h in whole.items] and len(set(walked)) == len(walked), channel
            assert set(walked) == await _shared_in(store, "T1", channel)
        # each article once, at its latest share: the twice-shared ones come first (shared last)
        latest = [h.article_id for h in (await store.recent(team="T1", limit=3)).items]
        assert latest == [37, 31, 25]
    finally:
        await store.close()


async def _shared_in(store: Store, team: str, channel: str | None) -> set[int]:
    sql = "SELECT DISTINCT article_id FROM shares WHERE team = :team" + (" AND channel = :ch" if channel else "")
    async with store._engine.connect() as conn:
        return {r[0] for r in (await conn.execute(text(sql), {"team": team, "ch": channel})).all()}


async def test_search_widens_its_window_and_keeps_old_title_matches(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny windows make the archive 'large': a word only the oldest story has is still found (the
    window widens to everything), and an old headline match beats newer body matches."""
    monkeypatch.setattr(search, "SEARCH_WINDOW", 4)
    monkeypatch.setattr(search, "MIN_CANDIDATES", 6)
    monkeypatch.setattr(search, "TITLE_CANDIDATES", 2)
    store = await Store.open(database_url)
    try:
        first = Article(url="https://ex.test/old", canonical_url="https://ex.test/old",
                        title="Harbour budget approved", published="2019-03-01",
                        paragraphs=("The zeppelin museum reopened.",))
        old = await store.save_and_share(first.url, first, Analysis(), Share("T1", "C1", "1.1", "U1", shared_at=1.0))
        for i in range(60):  # newer stories that mention the budget in their body only
            story = Article(url=f"https://ex.test/{i}", canonical_url=f"https://ex.test/{i}",
                            title=f"Council notes {i}", published="2025-06-01",
                            paragraphs=(f"Item {i}: the harbour budget was discussed.",))
            await store.save_and_share(story.url, story, Analysis(), Share("T1", "C1", f"2.{i}", "U1"))
        assert [h.article_id for h in (await store.search("zeppelin", team="T1")).items] == [old]
        hits = (await store.search("harbour budget", team="T1")).items
        assert hits[0].article_id == old  # the headline match, six years older
        assert len(hits) == 5 and all("Council notes" in (h.title or "") for h in hits[1:])
    finally:
        await store.close()
