"""The publication date, only when the page states one.

htmldate (inside trafilatura) always finds *some* date, e.g. today's or a copyright year; we
never return a date the page does not state in markup meant for it (JSON-LD, publication meta
tags, `<time>` in the article, a visible dateline). htmldate's guess only breaks ties.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from lxml.html import HtmlElement

from bot.extract.jsonld import first_string
from bot.extract.metadata import meta_content

# Standard publication-date meta keys (Open Graph article, Dublin Core, news CMSs), best first.
PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "date",
    "article.published",
    "published_time",
)
# News on the web starts in the 1990s; earlier years are parse accidents or archive scans.
EARLIEST_YEAR = 1990
# A dateline sits near the top of the story; deeper dates are about events in the text.
DATELINE_SCAN_CHARS = 400
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?")
_MONTH_NAMES = ("january february march april may june july august september october november december").split()
# Full names and the usual abbreviations ("Nov", "Sept") -> month number.
_MONTHS = {
    **{name: i + 1 for i, name in enumerate(_MONTH_NAMES)},
    **{name[:3]: i + 1 for i, name in enumerate(_MONTH_NAMES)},
    "sept": 9,
}
_MONTH_FIRST = re.compile(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Z][a-z]{2,8})\.?,?\s+(\d{4})\b")
_DATELINE_CLASS = re.compile(r"date|time|byline|posted|published|dateline|meta", re.I)


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        value = date(y, m, d)
    except ValueError:
        return None
    return value if value.year >= EARLIEST_YEAR else None


def parse_iso(raw: str | None) -> str | None:
    """ISO 8601 date or datetime (offset kept) from a machine-readable value, else None."""
    if not raw:
        return None
    match = _ISO.search(raw.strip())
    if not match:
        return None
    y, mo, d, hh, mm, ss, tz = match.groups()
    day = _valid(int(y), int(mo), int(d))
    if day is None:
        return None
    if hh is None:
        return day.isoformat()
    tz = "+00:00" if tz == "Z" else (f"{tz[:3]}:{tz[-2:]}" if tz else "")
    try:
        stamp = datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0))
    except ValueError:
        return day.isoformat()
    return stamp.isoformat() + tz


def parse_written(text: str) -> str | None:
    """An English written date ("Nov 19, 2019", "19 November 2019") as YYYY-MM-DD."""
    for pattern, order in ((_MONTH_FIRST, "mdy"), (_DAY_FIRST, "dmy")):
        for match in pattern.finditer(text):
            a, b, year = match.groups()
            month_word, day = (a, b) if order == "mdy" else (b, a)
            month = _MONTHS.get(month_word.lower())
            value = _valid(int(year), month, int(day)) if month else None
            if value:
                return value.isoformat()
    return None


# `<time>` inside the story (not a sidebar's), an explicit pubdate, or schema.org microdata.
TIME_XPATHS = (".//article//time", ".//main//time", ".//time[@pubdate]", './/*[@itemprop="datePublished"]')


def _time_elements(tree: HtmlElement) -> str | None:
    for xpath in TIME_XPATHS:
        for el in tree.xpath(xpath):
            value = parse_iso(el.get("datetime") or el.get("content")) or parse_written(el.text_content())
            if value:
                return value
    return None


def _dateline(tree: HtmlElement) -> str | None:
    """A written date in a byline/dateline element of the article (visible to readers)."""
    for scope in ("article", "main"):
        for el in tree.iterfind(f".//{scope}//*[@class]"):
            if _DATELINE_CLASS.search(el.get("class") or ""):
                value = parse_written(el.text_content()[:DATELINE_SCAN_CHARS])
                if value:
                    return value
    return None


def extract_published(tree: HtmlElement, article: dict[str, Any], guess: str | None = None) -> str | None:
    """Cascade: 1. JSON-LD datePublished; 2. publication meta tags; 3. `<time>` in the article;
    4. a visible dateline. `guess` (htmldate's) only picks among disagreeing stated dates."""
    stated = [
        parse_iso(first_string(article.get("datePublished"))),
        parse_iso(meta_content(tree, *PUBLISHED_META_KEYS)),
        _time_elements(tree),
        _dateline(tree),
    ]
    found = [s for s in stated if s]
    if not found:
        return None
    if guess and len({f[:10] for f in found}) > 1:
        for f in found:
            if f[:10] == guess[:10]:
                return f
    return found[0]
