"""Broken pages made from real ones: each breaker is one way real pages go wrong (or are made to).

Used by the bad-page tests (each breaker on the seed story) and by `bench/fuzz.py` (random
breakers, stacked, on the extraction benchmark's pages). Every breaker is deterministic given
its `random.Random`.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Callable

Breaker = Callable[[bytes, random.Random], bytes]

_CLOSING = re.compile(rb"</(?!script|style|title|textarea)[a-zA-Z0-9]+\s*>", re.I)  # raw-text ends stay
_PARAGRAPH = re.compile(rb"<p[^>]*>(.*?)</p>", re.S | re.I)
_TAG = re.compile(rb"<[^>]+>")
_OPEN_QUOTE = "\u201c".encode()


def truncated(page: bytes, rng: random.Random) -> bytes:
    """Cut anywhere past the first tenth (a dropped connection, a full disk)."""
    return page[: rng.randrange(len(page) // 10, len(page))]


def flipped_bytes(page: bytes, rng: random.Random) -> bytes:
    """One byte in a hundred with a flipped bit (bad memory, a broken proxy)."""
    out = bytearray(page)
    for i in rng.sample(range(len(out)), max(1, len(out) // 100)):
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def torn_closing_tags(page: bytes, rng: random.Random) -> bytes:
    """Every closing tag but those ending raw text (a browser would lose the page without those)."""
    return _CLOSING.sub(b"", page)


def lying_charset(page: bytes, rng: random.Random) -> bytes:
    """A UTF-8 page that declares another charset."""
    label = rng.choice([b"shift_jis", b"utf-16", b"iso-8859-7", b"koi8-r", b"no-such-charset"])
    page = re.sub(rb"""(charset\s*=\s*["']?)[\w-]+""", rb"\g<1>" + label, page, flags=re.I)
    return page if b"charset" in page.lower() else b'<meta charset="' + label + b'">' + page


_TEXT_RUN = re.compile(r">([^<]+)<")


def _sprinkle(page: bytes, rng: random.Random, chars: list[str], rate: float) -> bytes:
    """`chars` between the characters of the page's text (not inside its tags)."""

    def spoil(m: re.Match[str]) -> str:
        return ">" + "".join(c + (rng.choice(chars) if rng.random() < rate else "") for c in m.group(1)) + "<"

    return _TEXT_RUN.sub(spoil, page.decode("utf8", "replace")).encode("utf8")


def control_characters(page: bytes, rng: random.Random) -> bytes:
    """NULs, escapes and other C0 controls between characters."""
    return _sprinkle(page, rng, ["\x00", "\x07", "\x1b", "\x08", "\x7f"], 0.02)


def invisible_characters(page: bytes, rng: random.Random) -> bytes:
    """Bidi overrides and isolates, zero-width spaces (a headline that reads backwards)."""
    return _sprinkle(page, rng, ["\u202e", "\u202d", "\u2066", "\u200b", "\u200f", "\ufeff"], 0.03)


def _article_text(page: bytes) -> bytes:
    return b" ".join(_TAG.sub(b"", p) for p in _PARAGRAPH.findall(page)) or b"Words of the article."


def deep_nesting(page: bytes, rng: random.Random) -> bytes:
    """The article's text inside 20,000 nested elements."""
    depth = 20_000
    return (b"<html><head><title>Deep</title></head><body>" + b"<div>" * depth + b"<p>" + _article_text(page)
            + b"</p>" + b"</div>" * depth + b"</body></html>")


def one_huge_line(page: bytes, rng: random.Random, size: int = 3_000_000) -> bytes:
    """A 3 MB paragraph with no line break (a page that is one generated blob of text)."""
    text = _article_text(page)
    line = (text + b" ") * (size // (len(text) + 1) + 1)
    return (b"<html><head><title>One long line</title></head><body><article><h1>One long line</h1><p>"
            + line[:size] + b"</p></article></body></html>")


def unclosed_quotes(page: bytes, rng: random.Random) -> bytes:
    """Closing quote marks removed: every quote runs to the end of the text."""
    return page.replace("\u201d".encode(), b"").replace(b"&rdquo;", b"")


def slack_syntax(page: bytes, rng: random.Random) -> bytes:
    """Slack's own syntax inside the article's quotes: mentions, broadcasts, links, formatting."""
    # As a page would carry it: HTML-escaped text (a raw `<!channel>` is an HTML comment).
    syntax = "<!channel> <@U0ADMIN> <!here> *bold* _it_ ~gone~ `code` <https://evil.example|click> "
    payload = html.escape(syntax).encode()
    return page.replace(_OPEN_QUOTE, _OPEN_QUOTE + payload).replace(b"<title>", b"<title>&lt;!channel&gt; *big* ")


BREAKERS: dict[str, Breaker] = {
    "truncated": truncated,
    "flipped_bytes": flipped_bytes,
    "torn_closing_tags": torn_closing_tags,
    "lying_charset": lying_charset,
    "control_characters": control_characters,
    "invisible_characters": invisible_characters,
    "deep_nesting": deep_nesting,
    "one_huge_line": one_huge_line,
    "unclosed_quotes": unclosed_quotes,
    "slack_syntax": slack_syntax,
}
CHEAP = [name for name in BREAKERS if name not in ("deep_nesting", "one_huge_line")]  # for stacking in fuzz runs


def mutate(page: bytes, rng: random.Random, *, max_stack: int = 3) -> tuple[list[str], bytes]:
    """Up to `max_stack` random cheap breakers applied in turn; (their names, the page)."""
    names = [rng.choice(CHEAP) for _ in range(rng.randint(1, max_stack))]
    for name in names:
        page = BREAKERS[name](page, rng)
    return names, page
