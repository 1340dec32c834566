"""Shared by the digest tests: a settable clock and hand-made stored articles."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Analysis, Article, Organization, Person, Quote, Share, Theme, Topic
from bot.store import Store

TEAM = "T0TEST"


class FakeClock:
    """An injectable 'now' the test moves by hand (never sleeps)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def article(slug: str, title: str, site: str) -> Article:
    url = f"https://news.example/{slug}"
    return Article(url=url, canonical_url=url, title=title, site_name=site, paragraphs=("Body.",))


async def shared(store: Store, art: Article, analysis: Analysis, *where: tuple[str, datetime]) -> int:
    """Save the article and one share per (channel, time)."""
    article_id = await store.save_article(art.url, art, analysis)
    for i, (channel, at) in enumerate(where):
        ts = f"{at.timestamp():.0f}.{i:06d}"
        await store.record_share(article_id, Share(TEAM, channel, ts, user="U1", shared_at=at.timestamp()))
    return article_id


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


__all__ = ["Analysis", "Organization", "Person", "Quote", "Theme", "Topic"]
