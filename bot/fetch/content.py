"""What a response is: Content-Type parsing, body sniffing and human names for non-HTML types.

Pure functions, kept apart from the HTTP client so the rules can be read and tested alone.
"""

from __future__ import annotations

import codecs

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Servers that do not know what they send say one of these (or nothing): look at the bytes.
SNIFF_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
SNIFF_BYTES = 1024  # HTML markers appear in the first kilobyte of any real page

# Magic numbers of what links most often point at instead of a page (WHATWG MIME Sniffing §7).
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title")

TYPE_NAMES = {
    "application/pdf": "a PDF document",
    "application/json": "JSON data",
    "application/xml": "an XML document",
    "text/xml": "an XML document",
    "application/rss+xml": "an RSS feed",
    "application/atom+xml": "an Atom feed",
    "text/plain": "plain text",
    "text/csv": "a CSV file",
    "application/zip": "a ZIP archive",
    "application/gzip": "a gzip archive",
    "application/msword": "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/vnd.ms-excel": "a spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "a spreadsheet",
    "application/vnd.ms-powerpoint": "a slide deck",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "a slide deck",
}
FAMILY_NAMES = {"image": "an image", "video": "a video", "audio": "an audio file", "font": "a font"}


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """`text/html; charset="UTF-8"` -> ("text/html", "utf-8"); missing -> ("", None)."""
    if not header:
        return "", None
    mime, _, rest = header.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip().lower() or None
    return mime.strip().lower(), charset


def known_charset(label: str | None) -> str | None:
    """The header's charset if Python can decode it, else None (decoding then falls back to
    the page's own <meta> or detection, instead of crashing on `charset=bogus`)."""
    if not label:
        return None
    try:
        codecs.lookup(label)
    except LookupError:
        return None
    return label


def sniff(head: bytes) -> str | None:
    """Guess a MIME type from a body's first bytes; None when it cannot tell."""
    for magic, mime in SIGNATURES:
        if head.startswith(magic):
            return mime
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    text = head[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and any(m in text for m in HTML_MARKERS):
        return "text/html"
    return None


def describe(mime: str) -> str:
    """A reader-facing name for a content type: 'a PDF document', 'an image (image/png)'."""
    if mime in TYPE_NAMES:
        return TYPE_NAMES[mime]
    family = mime.partition("/")[0]
    if family in FAMILY_NAMES:
        return f"{FAMILY_NAMES[family]} ({mime})"
    return f"content of type {mime}" if mime else "content of unknown type"
