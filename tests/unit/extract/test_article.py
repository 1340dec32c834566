"""The whole cascade: the seed page against its human gold file, walls and non-articles."""

from __future__ import annotations

import json
import pickle

import pytest

from bot.errors import NotArticle, Paywalled
from bot.extract import extract_article
from bot.models import Page
from tests.conftest import SHARED_ARTICLES

SEED = SHARED_ARTICLES / "pharma-manufacturing.html"
GOLD = SHARED_ARTICLES / "pharma-manufacturing.gold.json"

STORY = " ".join(
    f"Sentence number {i} of the council report explains how the budget vote went and why it matters."
    for i in range(12)
)


def page(html: str, url: str = "https://news.example.org/2019/11/19/budget-vote") -> Page:
    return Page(url=url, final_url=url, body=html.encode())


def test_seed_article_matches_gold() -> None:
    gold = json.loads(GOLD.read_text("utf8"))
    art = extract_article(Page(url=gold["url"], final_url=gold["url"], body=SEED.read_bytes()))
    assert art.title == gold["title"]
    assert list(art.authors) == gold["authors"]
    assert art.published is not None and art.published[:10] == gold["published"]
    assert art.site_name == "Patient Daily"
    assert art.language == "en"
    assert art.canonical_url == gold["url"]
    body = art.text
    for boiler in gold["not_in_article_body"]:
        assert boiler not in body
    # The page uses curly apostrophes; the gold quotes use straight ones.
    flat = body.replace("\u2019", "'")
    for quote in gold["quotes"]:
        assert quote["text"] in flat, quote["text"]
    assert gold["title"] not in art.paragraphs  # the headline is a field, not a paragraph
    pickle.loads(pickle.dumps(art))  # crosses the process pool


def test_url_date_alone_gives_no_published_date() -> None:
    art = extract_article(page(f"<html><body><article><h1>Budget vote</h1><p>{STORY}</p></article></body></html>"))
    assert art.published is None
    assert art.title == "Budget vote"


def test_declared_paywall_with_teaser_is_paywalled() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"Budget",'
        '"isAccessibleForFree":"False"}</script></head><body><article><h1>Budget</h1>'
        "<p>The council met on Tuesday to vote on a budget that has divided the city for months, "
        "and the result surprised almost everyone in the chamber.</p></article></body></html>"
    )
    with pytest.raises(Paywalled) as err:
        extract_article(page(html))
    assert "paywall" in err.value.message
    assert extract_article(page(html), allow_teaser=True).word_count > 10


def test_short_text_with_wall_wording_is_paywalled() -> None:
    html = (
        "<html><body><article><h1>Budget</h1><p>The council met on Tuesday to vote on a budget that "
        "has divided the city for months.</p><div class='wall'>Subscribe to continue reading. "
        "Already a subscriber? Log in.</div></article></body></html>"
    )
    with pytest.raises(Paywalled):
        extract_article(page(html))


def test_long_free_article_with_subscribe_header_is_not_walled() -> None:
    html = (
        "<html><body><header>Already a subscriber? Log in</header>"
        f"<article><h1>Budget</h1><p>{STORY}</p><p>{STORY}</p></article></body></html>"
    )
    assert extract_article(page(html)).word_count > 200


def test_navigation_only_page_is_not_an_article() -> None:
    html = "<html><body><nav><a href='/a'>Home</a> <a href='/b'>Sports</a></nav></body></html>"
    with pytest.raises(NotArticle):
        extract_article(page(html))
    with pytest.raises(NotArticle):
        extract_article(page(""))


def test_garbage_bytes_and_odd_jsonld_do_not_crash() -> None:
    with pytest.raises(NotArticle):
        extract_article(Page(url="u", final_url="https://x.org/a", body=bytes(range(256)) * 100))
    odd = (
        '<html><script type="application/ld+json">{"@type":["NewsArticle"],"author":5,'
        '"headline":["Odd headline"],"datePublished":["2019-11-19"]}</script>'
        f"<body><article><p>{STORY}</p></article></body></html>"
    )
    art = extract_article(page(odd))
    assert (art.title, art.authors, art.published) == ("Odd headline", (), "2019-11-19")
