"""Metadata fields on small hand-written pages: titles, authors, dates, JSON-LD vs meta."""

from __future__ import annotations

from lxml.html import HtmlElement, fromstring

from bot.extract.authors import clean_authors, extract_authors
from bot.extract.dates import extract_published, parse_iso, parse_written
from bot.extract.jsonld import article_object, jsonld_objects
from bot.extract.metadata import (
    extract_canonical_url,
    extract_language,
    extract_title,
    strip_site_name,
)

URL = "https://www.example-news.com/politics/story"


def tree(head: str, body: str = "", lang: str = "en-GB") -> HtmlElement:
    return fromstring(f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>')


# --- titles ------------------------------------------------------------------------------
def test_site_suffix_stripped_when_it_is_the_site_name() -> None:
    assert strip_site_name("Council votes on budget | Patient Daily", "Patient Daily", URL) == "Council votes on budget"
    assert strip_site_name("Council votes on budget – Example News", None, URL) == "Council votes on budget"
    assert strip_site_name("EXAMPLE NEWS :: Council votes", None, URL) == "Council votes"


def test_dash_inside_a_headline_is_kept() -> None:
    title = "Trump - Biden debate: who won"
    assert strip_site_name(title, "Patient Daily", URL) == title


def test_title_prefers_h1_agreeing_with_og_title() -> None:
    t = tree(
        '<title>Budget passes | Metro Desk | Example News</title><meta property="og:title" content="Budget passes">',
        "<nav><h1>Example News</h1></nav><article><h1>Budget passes</h1></article>",
    )
    assert extract_title(t, {}, "Example News", URL) == "Budget passes"


def test_title_from_jsonld_headline_when_no_og() -> None:
    t = tree("<title>Home</title>")
    assert extract_title(t, {"headline": "Storm closes schools"}, None, URL) == "Storm closes schools"


# --- authors -----------------------------------------------------------------------------
def test_author_cleaning() -> None:
    publishers = {"cnnbusiness", "cnn"}
    assert clean_authors(["By Jane Doe and John Roe; CNN Business"], publishers) == ("Jane Doe", "John Roe")
    assert clean_authors(["Jane Doe (jane.doe@example.com) @janedoe"], set()) == ("Jane Doe",)
    assert clean_authors(["Associated Press", "Staff writer", "Reuters"], set()) == ()
    assert clean_authors(["By MARY SMITH", "Mary Smith"], set()) == ("Mary Smith",)


def test_jsonld_author_beats_meta_author() -> None:
    t = tree(
        '<meta name="author" content="Web Desk">'
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"WebSite","name":"Example News"},'
        '{"@type":"NewsArticle","headline":"H","author":[{"@type":"Person","name":"Ana Lima"},'
        '{"@type":"Organization","name":"Example News"}]}]}</script>'
    )
    article = article_object(jsonld_objects(t))
    assert article["headline"] == "H"
    assert extract_authors(t, article, {"examplenews"}) == ("Ana Lima",)


def test_meta_author_used_without_jsonld() -> None:
    t = tree('<meta name="author" content="By Priya Patel">')
    assert extract_authors(t, {}, set()) == ("Priya Patel",)


def test_bad_jsonld_is_skipped() -> None:
    t = tree('<script type="application/ld+json">{"@type": "NewsArticle", oops</script>')
    assert article_object(jsonld_objects(t)) == {}


# --- dates -------------------------------------------------------------------------------
def test_no_date_unless_stated() -> None:
    t = tree("<title>x</title>", "<article><p>Copyright 2019. Story text.</p></article>")
    # even when a guesser (htmldate) offers one, an unstated date is not returned
    assert extract_published(t, {}, guess="2019-11-19") is None


def test_jsonld_date_beats_meta_date() -> None:
    t = tree('<meta property="article:published_time" content="2019-11-18T10:00:00Z">')
    assert extract_published(t, {"datePublished": "2019-11-19T08:57:40+01:00"}) == "2019-11-19T08:57:40+01:00"
    assert extract_published(t, {}) == "2019-11-18T10:00:00+00:00"


def test_time_element_and_visible_dateline() -> None:
    t = tree(
        "",
        '<aside><time datetime="2001-01-01">old</time></aside><article><time datetime="2019-11-19">x</time></article>',
    )
    assert extract_published(t, {}) == "2019-11-19"
    t = tree("", '<article><div class="byline-date">Published Nov. 19, 2019 at 5 pm</div><p>Text</p></article>')
    assert extract_published(t, {}) == "2019-11-19"


def test_date_parsers() -> None:
    assert parse_iso("2019-02-30") is None  # no such day
    assert parse_iso("1970-01-01") is None  # before web news
    assert parse_written("19 September 2019") == "2019-09-19"
    assert parse_written("Sept 3, 2019") == "2019-09-03"
    assert parse_written("Mayor 3, 2019") is None


# --- urls and language -------------------------------------------------------------------
def test_canonical_resolved_against_final_url() -> None:
    t = tree('<link rel="canonical" href="/politics/story-123">')
    assert extract_canonical_url(t, URL) == "https://www.example-news.com/politics/story-123"
    assert extract_canonical_url(tree('<meta property="og:url" content="javascript:alert(1)">'), URL) is None


def test_language_primary_subtag() -> None:
    assert extract_language(tree("")) == "en"
    assert extract_language(tree("", lang="")) is None


def _canonical(href: str, final_url: str) -> str | None:
    from lxml.html import fromstring

    from bot.extract.metadata import extract_canonical_url

    html = f'<html><head><link rel="canonical" href="{href}"></head></html>'
    return extract_canonical_url(fromstring(html), final_url)


def test_canonical_on_the_same_site_is_kept() -> None:
    assert _canonical("/story?id=1", "https://www.newsroom.com/amp/story") == "https://www.newsroom.com/story?id=1"
    assert _canonical("https://newsroom.com/story", "https://m.newsroom.com/s") == "https://newsroom.com/story"


def test_canonical_on_another_site_is_ignored() -> None:
    # A page elsewhere must not claim another outlet's story (it would poison the archive's entry).
    assert _canonical("https://newsroom.com/story", "https://evil.com/copy") is None


def test_canonical_with_slack_breaking_characters_is_ignored() -> None:
    assert _canonical("https://newsroom.com/a<!channel>b", "https://newsroom.com/a") is None
    assert _canonical("https://newsroom.com/a|b", "https://newsroom.com/a") is None


def test_unknown_suffix_compares_whole_hosts() -> None:
    assert _canonical("https://a.internal-news/story", "https://a.internal-news/x") == "https://a.internal-news/story"
    assert _canonical("https://b.internal-news/story", "https://a.internal-news/x") is None


def test_local_files_keep_their_canonical() -> None:
    assert _canonical("https://newsroom.com/story", "file:///tmp/story.html") == "https://newsroom.com/story"
