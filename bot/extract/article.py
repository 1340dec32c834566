"""Orchestrates extraction as a numbered cascade: bytes -> text -> tree -> metadata + body -> Article.

Pure: no I/O and no module state, so it runs the same in the worker processes.
"""

from __future__ import annotations

import trafilatura
from lxml.html import HtmlElement

from bot.errors import NotArticle
from bot.extract import authors as author_fields
from bot.extract import body, dates, metadata
from bot.extract.decode import decode_html
from bot.extract.jsonld import article_object, jsonld_objects, names
from bot.extract.walls import check_paywall
from bot.models import Article, Page

# Below this many words there is no story to read (the shortest human-annotated article in
# the ScrapingHub set has 18 words; menus and error pages leave a handful).
MIN_ARTICLE_WORDS = 10


def parse_html(page: Page) -> HtmlElement:
    """1. Decode the bytes with the page's own charset; 2. parse into an lxml tree."""
    html = decode_html(page.body, page.charset)
    tree = trafilatura.load_html(html)
    if tree is None:
        raise NotArticle("the page is empty or not an HTML document")
    return tree


def extract_article(page: Page, *, allow_teaser: bool = False) -> Article:
    """A fetched page in, an Article out; raises NotArticle or Paywalled.

    `allow_teaser=True` returns the readable teaser of a walled page instead of raising
    (the evaluation scores text extraction on such pages too).
    """
    url = page.final_url or page.url
    tree = parse_html(page)
    # 3. Metadata from the page's own markup, before trafilatura prunes anything.
    article = article_object(jsonld_objects(tree))
    site_name = metadata.extract_site_name(tree, article)
    title = metadata.extract_title(tree, article, site_name, url)
    h1 = metadata.first_h1(tree)
    # 4. Body: a precise pass (with trafilatura's metadata as fallbacks) and a default pass.
    precise_doc = body.run_trafilatura(tree, url, precise=True, metadata=True)
    recall_doc = body.run_trafilatura(tree, url, precise=False, metadata=False)
    fallback_title = (precise_doc.title if precise_doc else None) or None
    site_name = site_name or (precise_doc.sitename if precise_doc else None) or None
    if title is None and fallback_title:
        title = metadata.strip_site_name(fallback_title, site_name, url)
    headlines = [t for t in (title, h1, fallback_title) if t]
    paragraphs = body.choose(body.paragraphs_of(precise_doc, headlines), body.paragraphs_of(recall_doc, headlines))
    words = sum(len(p.split()) for p in paragraphs)
    # 5. Walls before "not an article": a teaser behind a paywall is short for a known reason.
    if not allow_teaser:
        check_paywall(article, tree.text_content(), words)
    if words < MIN_ARTICLE_WORDS:
        raise NotArticle(f"no article text was found on the page ({words} words)")
    # 6. People and dates, cleaned against the publisher's names.
    publishers = {metadata.squash(n) for n in [site_name or "", *names(article.get("publisher"))]}
    publishers |= metadata.host_names(url)
    publishers.discard("")
    found_authors = author_fields.extract_authors(
        tree, article, publishers, fallback=precise_doc.author if precise_doc else None
    )
    published = dates.extract_published(tree, article, guess=precise_doc.date if precise_doc else None)
    language = metadata.extract_language(tree) or (precise_doc.language if precise_doc else None)
    return Article(
        url=page.url,
        canonical_url=metadata.extract_canonical_url(tree, url),
        title=title,
        authors=found_authors,
        published=published,
        site_name=site_name,
        language=language,
        description=metadata.extract_description(tree, article),
        paragraphs=tuple(paragraphs),
    )
