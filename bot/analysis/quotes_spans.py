"""Find quoted spans in plain text by their double quotation marks (pure string work, no spaCy).

Only double marks delimit quotations: single marks are nested quotes or apostrophes ("nation's",
"’90s"), and counting them would unbalance the scan. Each paragraph is scanned on its own, so
one stray mark cannot swallow the rest of the article; a paragraph that ends inside a quote and
is followed by a paragraph opening with a mark is the newspaper convention for a quotation that
runs over several paragraphs, and each paragraph's piece becomes its own span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Opening-only, closing-only and ambiguous (straight) double marks, whose direction is read from
# where they stand. Doubled single marks (‘‘ ’’) are how some outlets type double quotes.
_OPEN = {"“", "„", "«", "‘‘"}
_CLOSE = {"”", "»", "’’"}
_MARK = re.compile(r"‘‘|’’|[“”„«»\"]")
_PARAGRAPH = re.compile(r"\n\s*\n")
_OPENS_PARAGRAPH = re.compile(r"\s*(?:‘‘|[“„«\"])")
# A straight mark right after a word or punctuation (not a colon, bracket or dash) and before a
# space can only close ('yes," she said'): with nothing open it is a stray and opens nothing.
_CLOSES_HERE = re.compile(r"(?<=[^\s:(\[—–-])\"(?=\s|$)")
MIN_UNCLOSED_WORDS = 4  # an unclosed mark before fewer words is more likely a typo than a quote


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets of a quotation's text, without its marks."""

    start: int
    end: int
    continues: bool = False  # ran on from the previous paragraph (opened there, never closed)
    unclosed: bool = False  # opened in this paragraph, not closed in it


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of `Article.text` (blank-line separated)."""
    out, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(s, e) for s, e in out if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_spans(text: str) -> list[Span]:
    """Every double-quoted stretch of `text`, in order."""
    spans: list[Span] = []
    paras = paragraphs(text)
    carried = False  # the previous paragraph ended inside a quotation
    for i, (p_start, p_end) in enumerate(paras):
        open_at: int | None = None
        continues = False
        for m in _MARK.finditer(text, p_start, p_end):
            mark = m.group()
            if open_at is None:
                if mark in _CLOSE or _CLOSES_HERE.match(text, m.start()):
                    continue  # a stray closing mark; nothing to close
                open_at, continues = m.end(), carried and not spans_from(spans, p_start)
            elif mark in _OPEN:
                open_at = m.end()  # the previous mark was never closed: trust the newer one
                continues = False
            else:
                s, e = _trim(text, open_at, m.start())
                if e > s:
                    spans.append(Span(s, e, continues=continues))
                open_at, continues = None, False
        carried = False
        if open_at is not None:
            s, e = _trim(text, open_at, p_end)
            next_opens = i + 1 < len(paras) and _OPENS_PARAGRAPH.match(text, paras[i + 1][0]) is not None
            if e > s and (next_opens or len(text[s:e].split()) >= MIN_UNCLOSED_WORDS):
                spans.append(Span(s, e, continues=continues, unclosed=True))
            carried = next_opens
    return spans


def spans_from(spans: list[Span], start: int) -> bool:
    """Whether a span was already found at or after `start` (so a carried quote has ended)."""
    return bool(spans) and spans[-1].start >= start
