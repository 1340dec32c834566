"""Block Kit replies: content, escaping and Slack's limits for any article."""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import Block

from bot.models import Analysis, Article, Failure, Organization, Quote, Theme
from bot.slack.blocks import PriorShare, analysis_blocks, clip, escape, failure_blocks

ARTICLE = Article(
    url="https://example.com/a?x=1&y=2",
    canonical_url=None,
    title="Drug makers move plants home",
    authors=("Lori Ellis",),
    published="2025-12-23",
    site_name="Patient Daily",
    paragraphs=("word " * 460,),  # 460 words at 230 wpm: 2 min read
)
ANALYSIS = Analysis(
    summary=("Manufacturers are reshoring.", "Regulators help.", "A third sentence."),
    quotes=(
        Quote("We don't make much here.", "John Murphy", "CEO of AAM", key=True),
        Quote("Unflagged words.", "Nobody Special", key=False),
    ),
    organizations=(Organization("Association for Accessible Medicines", ("AAM",)), Organization("Cellares")),
    themes=(Theme("generic drug shortages", 1.0),),
)


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_reply_has_headline_link_meta_summary_quotes_orgs_themes() -> None:
    text, blocks = analysis_blocks(ARTICLE, ANALYSIS)
    first = blocks[0]["text"]["text"]
    assert first == "*<https://example.com/a?x=1&amp;y=2|Drug makers move plants home>*"
    assert blocks[1]["type"] == "context"
    assert blocks[1]["elements"][0]["text"] == "Patient Daily · Lori Ellis · Dec 23, 2025 · 2 min read"
    body = all_text(blocks)
    assert "Manufacturers are reshoring. Regulators help." in body
    assert "A third sentence" not in body  # 1–2 sentences only
    assert "We don't make much here." in body and "John Murphy, CEO of AAM" in body
    assert "Unflagged words" not in body  # only key quotes when some are flagged
    assert "Association for Accessible Medicines (AAM)" in body and "Cellares" in body
    assert "generic drug shortages" in body
    for needle in ("Drug makers move plants home", "John Murphy", "Cellares", "generic drug shortages"):
        assert needle in text


def test_falls_back_to_best_attributed_quotes_when_none_is_key() -> None:
    analysis = Analysis(
        quotes=(
            Quote("low", "A", score=0.1),
            Quote("anonymous", None, score=0.9),
            Quote("high", "B", score=0.8),
        )
    )
    _, blocks = analysis_blocks(ARTICLE, analysis)
    body = all_text(blocks)
    assert body.index("high") < body.index("low") and "anonymous" not in body


def test_article_text_cannot_mention_anyone() -> None:
    evil = "<!channel> hi <@U123> & <https://evil.example|click>"
    article = Article(url="https://example.com/x", canonical_url=None, title=evil,
                      authors=(evil,), site_name=evil, paragraphs=(evil,))
    analysis = Analysis(summary=(evil,), quotes=(Quote(evil, evil, evil, key=True),),
                        organizations=(Organization(evil),), themes=(Theme(evil, 1),))
    text, blocks = analysis_blocks(article, analysis)
    for s in (text, all_text(blocks)):
        assert "<!channel>" not in s and "<@U123>" not in s and "<https://evil" not in s
        assert "&lt;!channel&gt;" in s
    # the only live angle-bracket constructs are our own link
    assert re.findall(r"<[^>]*>", blocks[0]["text"]["text"]) == [
        "<https://example.com/x|&lt;!channel&gt; hi &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;>"
    ]


def test_huge_analysis_stays_within_block_kit_limits() -> None:
    long = "Lorem & ipsum <dolor> " * 2000
    article = Article(url="https://example.com/" + "p" * 5000, canonical_url=None, title=long,
                      authors=tuple(f"Author {i} {long}" for i in range(200)), site_name=long,
                      published=long, paragraphs=(long,) * 50)
    analysis = Analysis(
        summary=(long,) * 50,
        quotes=tuple(Quote(long, long, long, key=True, score=i) for i in range(1000)),
        organizations=tuple(Organization(long + str(i), (long,)) for i in range(500)),
        themes=tuple(Theme(long, 1.0) for _ in range(500)),
    )
    text, blocks = analysis_blocks(article, analysis, first_share=PriorShare("C1", 1.7e9, "https://x.slack.com/p1"))
    assert 0 < len(blocks) <= 50
    total = 0
    for b in blocks:
        Block.parse(b).to_dict()  # slack_sdk validates each block's own limits
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
            total += len(b["text"]["text"])
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
            total += sum(len(e["text"]) for e in b["elements"])
    assert total <= 12_000
    assert len(text) <= 3000 and not text.endswith("&am…")
    assert "<!" not in text.replace("<!date^", "")


def test_first_share_points_at_the_first_thread() -> None:
    text, blocks = analysis_blocks(ARTICLE, ANALYSIS, first_share=PriorShare(
        "C42", 1766448000.0, "https://team.slack.com/archives/C42/p1766448000000100"))
    last = blocks[-1]["elements"][0]["text"]
    assert "<#C42>" in last
    assert "<https://team.slack.com/archives/C42/p1766448000000100|" in last
    assert "<#C42>" in text


def test_clip_never_splits_an_entity() -> None:
    for n in range(1, 40):
        out = clip("a & b < c > d " * 10, n)
        assert len(out) <= n
        assert not re.search(r"&[a-z]*…$", out) or out.endswith(("&amp;…", "&lt;…", "&gt;…"))
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_failure_reply_uses_the_catalog_not_the_exception() -> None:
    text, blocks = failure_blocks(Failure("paywalled", "Traceback (most recent call last): ..."),
                                  url="https://example.com/p")
    assert "paywall" in text and "Traceback" not in all_text(blocks)
    text404, _ = failure_blocks(Failure("http_404", "the site answered HTTP 404"))
    assert "wasn't found" in text404 and "404" in text404
    text403, _ = failure_blocks(Failure("http_403", ""))
    assert "refused" in text403
    timeout, _ = failure_blocks(Failure("fetch_timeout", ""))
    assert "too long" in timeout
    odd, _ = failure_blocks(Failure("something_new", "KeyError: 'x'"))
    assert "KeyError" not in odd and odd.startswith(":warning:")


def test_evil_canonical_url_and_title_cannot_mention_anyone() -> None:
    """The page's own canonical URL and title are the page's words: both stay inert everywhere."""
    evil_url = "https://ex.com/a<!channel>b|<@U123>"
    article = Article(url="https://example.com/x", canonical_url=evil_url, title="<!here> & <@U9>",
                      paragraphs=("text",))
    text, blocks = analysis_blocks(article, ANALYSIS)
    for s in (text, all_text(blocks)):
        assert "<!channel>" not in s and "<@U123>" not in s and "<!here>" not in s and "<@U9>" not in s
    links = re.findall(r"<([^>]*)>", text + "\n" + blocks[0]["text"]["text"])
    assert links, "the headline and the fallback link the article"
    for inner in links:
        url, _, label = inner.partition("|")
        assert url == "https://ex.com/a%3C!channel%3Eb%7C%3C@U123%3E"  # nothing Slack would parse
        assert "<" not in label and ">" not in label
    assert "&lt;!here&gt; &amp; &lt;@U9&gt;" in blocks[0]["text"]["text"]


def test_evil_url_in_a_failure_reply_is_inert() -> None:
    text, blocks = failure_blocks(Failure("http_404", ""), url="https://ex.com/<!channel>")
    body = text + all_text(blocks)
    assert "<!channel>" not in body
    assert "<https://ex.com/%3C!channel%3E|https://ex.com/&lt;!channel&gt;>" in body
