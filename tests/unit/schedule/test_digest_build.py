"""The pure digest builder: Block Kit limits for any number of articles, escaping, empties."""

from __future__ import annotations

import json

from bot.models import Analysis, Article, Quote, Theme
from bot.schedule.digest import DigestItem, build


def item(i: int, title: str | None = None, quote: str = "q", shares: int = 1) -> DigestItem:
    url = f"https://news.example/{i}"
    return DigestItem(
        article=Article(url=url, canonical_url=url, title=title or f"Story {i}", site_name="Site & Co"),
        analysis=Analysis(quotes=(Quote(quote, "Speaker <b>", key=True),), themes=(Theme(f"t{i}", 1),)),
        share_count=shares,
        first_shared_at=1000.0 + i,
        thread_url=f"https://newsroom.slack.com/archives/C1/p{i}",
    )


def test_any_number_of_long_articles_fits_block_kit() -> None:
    items = [item(i, title="Headline " * 40, quote="word " * 400) for i in range(60)]
    digest = build(items, title="News digest", max_articles=60)
    assert digest is not None
    assert len(digest.blocks) <= 50
    assert len(json.dumps(digest.blocks)) < 12_000 + 2_000  # JSON overhead on top of ~11k of text
    for b in digest.blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
    assert len(digest.shown) + digest.more == 60
    assert digest.blocks[-1]["elements"][0]["text"] == f"and {digest.more} more: /newsbot recent"
    assert len(digest.text) <= 3000


def test_top_n_and_escaping() -> None:
    items = [item(i, shares=1) for i in range(12)] + [item(99, title="<!channel> wins & loses", shares=5)]
    digest = build(items, title="News digest", max_articles=10)
    assert digest is not None and digest.more == 3
    first = digest.blocks[2]["text"]["text"]  # header, group heading, then the most shared
    assert first.startswith("*<https://newsroom.slack.com/archives/C1/p99|&lt;!channel&gt; wins &amp; loses>*")
    assert "Site &amp; Co" in first and "— Speaker &lt;b&gt;" in first
    assert "<!channel>" not in json.dumps(digest.blocks) + digest.text


def test_empty_period_posts_nothing_unless_a_quiet_note_is_wanted() -> None:
    assert build([], title="News digest", max_articles=10) is None
    quiet = build([], title="News digest", max_articles=10, quiet_note=True)
    assert quiet is not None and len(quiet.blocks) == 1 and "quiet day" in quiet.text


def test_a_voices_line_sums_up_who_the_period_quoted() -> None:
    def quoted(i: int, *quotes: Quote) -> DigestItem:
        url = f"https://news.example/v{i}"
        return DigestItem(Article(url=url, canonical_url=url, title=f"Story {i}"), Analysis(quotes=quotes), 1, 1.0 + i)

    items = [
        quoted(1, Quote("a", "Ann Lee", source_kind="company", source_org="Acme"),
               Quote("b", "Bo Park", source_kind="government")),
        quoted(2, Quote("c", "Ann Lee", source_kind="company", source_org="Acme"), Quote("d", None)),
    ]
    digest = build(items, title="News digest", max_articles=10)
    assert digest is not None
    assert "Voices: 4 quotes from 2 people, 1 organization; company 50 %, government/official 25 %" in json.dumps(
        digest.blocks
    )
    silent = build([item(1)], title="News digest", max_articles=10)  # a quote with no kind stored: other
    assert silent is not None and "Voices: 1 quote from 1 person, 0 organizations; other 100 %" in json.dumps(
        silent.blocks
    )
