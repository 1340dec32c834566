"""Bytes -> str for HTML: find the page's own charset, never crash on garbage bytes.

Order (WHATWG "encoding sniffing", simplified): a byte-order mark is unambiguous, so it wins;
then the HTTP header's charset; then `<meta charset>` / `http-equiv`; then a statistical
detector (charset-normalizer); last, UTF-8 with replacement characters. Each declared charset
must also decode the bytes strictly, because servers and templates often lie.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# The HTML standard says <meta charset> must sit in the first 1024 bytes; real pages put
# long inline scripts first, so look a little further.
META_SCAN_BYTES = 4096
# Browsers treat these labels as windows-1252, a superset that decodes bytes 0x80-0x9F as
# curly quotes and dashes instead of control characters.
WINDOWS_1252_ALIASES = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1", "ascii", "us-ascii"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in WINDOWS_1252_ALIASES:
        name = "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def bom_charset(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def meta_charset(body: bytes) -> str | None:
    """The charset declared by `<meta charset>` or `<meta http-equiv=Content-Type>`."""
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def _try(body: bytes, label: str | None) -> str | None:
    name = normalize_charset(label)
    if name is None:
        return None
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _single_byte(label: str | None) -> bool:
    """A charset that decodes any bytes at all, so "it decoded" proves nothing about it."""
    name = normalize_charset(label)
    return name is not None and codecs.lookup(name).name not in _MULTI_BYTE


_MULTI_BYTE = frozenset(codecs.lookup(n).name for n in (
    "utf-8", "utf-8-sig", "utf-16", "utf-32", "shift_jis", "euc-jp", "iso2022_jp", "gb18030", "gbk", "big5",
    "euc-kr", "cp949",
))


def _is_utf8_text(body: bytes) -> bool:
    """Valid UTF-8 with multi-byte sequences: legacy single-byte text almost never is."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, header_charset: str | None = None) -> str:
    """Decode an HTML document; always returns a string."""
    for label in (bom_charset(body), header_charset, meta_charset(body)):
        if label is not None and _single_byte(label) and _is_utf8_text(body):
            return body.decode("utf-8")  # a UTF-8 page whose header or template claims a legacy charset
        text = _try(body, label)
        if text is not None:
            return text.lstrip("\ufeff")
    best = from_bytes(body[:200_000]).best() if body else None
    if best is not None:
        text = _try(body, best.encoding)
        if text is not None:
            return text
    return body.decode("utf-8", errors="replace")
