"""Read a local HTML file (optionally gzip-compressed) as a `Page`, with the same size cap as the web."""

from __future__ import annotations

import gzip
from pathlib import Path

from bot.errors import FileReadError, NotHTML, TooLarge
from bot.models import Page

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".xhtml.gz")


def read_local(path: str, max_bytes: int) -> Page:
    """Blocking: call it in a thread from async code."""
    p = Path(path)
    if not p.name.lower().endswith(HTML_SUFFIXES):
        raise NotHTML(f"{path}: not an HTML file (expected {', '.join(HTML_SUFFIXES)})")
    try:
        if p.suffix.lower() == ".gz":
            with gzip.open(p, "rb") as fh:
                body = fh.read(max_bytes + 1)
        else:
            with p.open("rb") as fh:
                body = fh.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise FileReadError(f"{path}: no such file") from exc
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FileReadError(f"{path}: cannot read ({exc})") from exc
    if len(body) > max_bytes:
        raise TooLarge(f"{path}: larger than {max_bytes} bytes")
    return Page(url=path, final_url=p.resolve().as_uri(), body=body)
