"""Author names: read from JSON-LD, meta tags or the byline, then cleaned into a list of people."""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from bot.extract.jsonld import names
from bot.extract.metadata import clean_space, meta_content, squash

# A person's name rarely has more words than this; longer strings are sentences or job titles.
MAX_NAME_WORDS = 5
# Byline elements: rel/itemprop are standard; the class names are the common CMS conventions.
BYLINE_XPATH = (
    './/*[@rel="author"] | .//*[@itemprop="author"] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " author ")] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " byline__name ")] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " author-name ")]'
)
_PREFIX = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by[:\s]+", re.I)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\by\b|\be\b|\bet\b|\||/|\n)\s*", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_NOT_NAME = re.compile(r"[\d<>{}=#]")
# Words that mark a credit for an organisation or a role, not a person.
NON_PERSON_WORDS = frozenset(
    {
        "staff",
        "editor",
        "editors",
        "editorial",
        "team",
        "desk",
        "newsroom",
        "agency",
        "press",
        "associated",
        "reuters",
        "contributor",
        "contributors",
        "admin",
        "administrator",
        "writer",
        "correspondent",
        "reporter",
        "news",
        "media",
        "service",
        "wire",
        "opinion",
        "guest",
    }
)


def _looks_like_person(name: str, publishers: set[str]) -> bool:
    words = name.split()
    if not words or len(words) > MAX_NAME_WORDS or _NOT_NAME.search(name):
        return False
    if squash(name) in publishers or any(
        squash(name) == p or p.startswith(squash(name)) for p in publishers if len(squash(name)) > 3
    ):
        return False
    if any(w.lower().strip(".") in NON_PERSON_WORDS for w in words):
        return False
    return any(ch.isalpha() for ch in name)


def clean_authors(raw: list[str], publishers: set[str]) -> tuple[str, ...]:
    """ "By Jane Doe and John Roe; CNN Business" -> ("Jane Doe", "John Roe").

    `publishers` holds squashed names of the site/publisher; those are dropped, as are
    emails, @handles, URLs and role words ("Staff", "Editor").
    """
    out: list[str] = []
    seen: set[str] = set()
    for item in raw:
        text = _URL.sub(" ", _EMAIL.sub(" ", _HANDLE.sub(" ", item)))
        for part in _SPLIT.split(_PREFIX.sub("", text)):
            name = clean_space(_PREFIX.sub("", part).strip(" .:-–—()[]\"'"))
            if not name or not _looks_like_person(name, publishers):
                continue
            if name.isupper() and len(name) > 3:
                name = name.title()
            key = squash(name)
            if key not in seen:
                seen.add(key)
                out.append(name)
    return tuple(out)


def extract_authors(
    tree: HtmlElement, article: dict[str, Any], publishers: set[str], fallback: str | None = None
) -> tuple[str, ...]:
    """Cascade: 1. JSON-LD author, 2. author meta tags, 3. byline elements, 4. trafilatura's guess."""
    sources: list[list[str]] = [
        names(article.get("author")) + names(article.get("creator")),
        [
            m
            for m in [meta_content(tree, "author", "article:author", "parsely-author", "dc.creator", "sailthru.author")]
            if m and not m.startswith("http")
        ],
        [el.text_content() for el in tree.xpath(BYLINE_XPATH)[:4] if len(el.text_content()) < 120],
        [fallback] if fallback else [],
    ]
    for raw in sources:
        found = clean_authors(raw, publishers)
        if found:
            return found
    return ()
