"""One `extract_*` per metadata field, from the page's own markup (meta tags, JSON-LD, h1).

Each function takes the parsed tree (and what it needs besides) and returns None when the
page does not say; trafilatura's guesses are only a last resort, chosen by the caller.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from courlan import extract_domain
from lxml.html import HtmlElement

from bot.extract.jsonld import first_string, names
from bot.textclean import strip_invisible

# Separators sites put between a headline and their name ("Headline | Site", "Site - Headline").
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+|\s*::\s*")
# A suffix longer than this many words is part of the headline, not a site name.
MAX_SITE_NAME_WORDS = 6
_SPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[\W_]+")


def clean_space(text: str | None) -> str | None:
    if text is None:
        return None
    text = _SPACE.sub(" ", strip_invisible(text)).strip()
    return text or None


def meta_content(tree: HtmlElement, *keys: str) -> str | None:
    """The first non-empty `<meta property|name|itemprop=key content>` for the keys, in order."""
    wanted = {k.lower() for k in keys}
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key in wanted and key not in found:
                content = clean_space(meta.get("content"))
                if content:
                    found[key] = content
    for key in keys:
        if key.lower() in found:
            return found[key.lower()]
    return None


def squash(text: str) -> str:
    """Lowercase letters and digits only: "Patient Daily" and "patientdaily" compare equal."""
    return _NON_ALNUM.sub("", text.lower())


def host_names(url: str | None) -> set[str]:
    """Squashed forms a site's name may take in its domain: "www.cnn.com" -> {"cnn", "cnncom"}."""
    host = (urlsplit(url).hostname or "") if url else ""
    parts = [p for p in host.split(".") if p and p != "www"]
    if not parts:
        return set()
    out = {squash(".".join(parts))}
    if len(parts) >= 2:
        out.add(squash(parts[-2]))
        out.add(squash("".join(parts[-2:])))
    return {o for o in out if o}


def is_site_name(segment: str, site_name: str | None, url: str | None) -> bool:
    """Whether a title segment is the site's name (its og:site_name or its domain)."""
    seg = squash(segment)
    if not seg:
        return True
    if site_name and seg == squash(site_name):
        return True
    return seg in host_names(url) or any(seg == h or seg.startswith(h) for h in host_names(url) if len(h) > 3)


def strip_site_name(title: str, site_name: str | None, url: str | None) -> str:
    """Drop a leading or trailing site-name segment ("Headline | Site" -> "Headline")."""
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    seps = TITLE_SEPARATORS.findall(title)
    last, first = parts[-1], parts[0]
    if len(last.split()) <= MAX_SITE_NAME_WORDS and is_site_name(last, site_name, url):
        return clean_space(title[: len(title) - len(last) - len(seps[-1])]) or title
    if len(first.split()) <= MAX_SITE_NAME_WORDS and is_site_name(first, site_name, url):
        return clean_space(title[len(first) + len(seps[0]) :]) or title
    return title


def first_h1(tree: HtmlElement) -> str | None:
    """The first `<h1>` inside the article (or main, or the page)."""
    for scope in (".//article//h1", ".//main//h1", ".//h1"):
        for h1 in tree.iterfind(scope):
            text = clean_space(h1.text_content())
            if text:
                return text
    return None


def extract_site_name(tree: HtmlElement, article: dict[str, Any]) -> str | None:
    publisher = names(article.get("publisher"))
    return meta_content(tree, "og:site_name", "application-name", "twitter:site:name") or (
        clean_space(publisher[0]) if publisher else None
    )


def extract_title(tree: HtmlElement, article: dict[str, Any], site_name: str | None, url: str | None) -> str | None:
    """The headline without the site's name.

    Cascade: 1. the h1 when it agrees with og:title / JSON-LD headline / <title>;
    2. og:title, 3. JSON-LD headline, 4. <title>, each with a site-name segment stripped; 5. h1.
    """
    h1 = first_h1(tree)
    title_tag = tree.find(".//title")
    candidates = [
        meta_content(tree, "og:title", "twitter:title"),
        clean_space(first_string(article.get("headline"))),
        clean_space(title_tag.text_content()) if title_tag is not None else None,
    ]
    raws = [c for c in candidates if c]
    cleaned = [strip_site_name(c, site_name, url) for c in raws]
    if h1:
        key = squash(h1)
        if any(key == squash(c) for c in raws + cleaned):
            return h1
        # "Headline | Section | Site": a segment that is exactly the h1 settles it.
        if any(key == squash(seg) for c in cleaned for seg in TITLE_SEPARATORS.split(c)):
            return h1
    return cleaned[0] if cleaned else h1


UNSAFE_URL_CHARS = re.compile(r"[\s<>|\"]")  # never valid unescaped; `<>|` would break Slack links


def extract_canonical_url(tree: HtmlElement, final_url: str) -> str | None:
    """`<link rel=canonical>` or og:url, resolved against the final URL; http(s) only.

    A fetched page may only name a canonical URL on its own registrable domain: the archive keys
    analyses on it, so a page elsewhere claiming `news.com/story` must not poison that story's entry.
    """
    href = None
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href", "").strip()
            break
    href = href or meta_content(tree, "og:url")
    if not href:
        return None
    resolved = urljoin(final_url, href)
    if urlsplit(resolved).scheme not in ("http", "https") or UNSAFE_URL_CHARS.search(resolved):
        return None
    if urlsplit(final_url).scheme in ("http", "https") and _site(resolved) != _site(final_url):
        return None
    return resolved


def _site(url: str) -> str:
    """Registrable domain (`bbc.co.uk` for `www.bbc.co.uk`); the whole host when the suffix is unknown."""
    return extract_domain(url) or (urlsplit(url).hostname or "")


def extract_language(tree: HtmlElement) -> str | None:
    """Primary language subtag ("en" from "en-US") from html lang, Content-Language or og:locale."""
    raw = tree.getroottree().getroot().get("lang") or tree.get("lang")
    for meta in tree.iterfind(".//meta[@http-equiv]"):
        if not raw and (meta.get("http-equiv") or "").lower() == "content-language":
            raw = meta.get("content")
    raw = raw or meta_content(tree, "og:locale", "language", "dc.language")
    if not raw:
        return None
    primary = re.split(r"[-_,;\s]", raw.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def extract_description(tree: HtmlElement, article: dict[str, Any]) -> str | None:
    return meta_content(tree, "og:description", "description", "twitter:description") or clean_space(
        first_string(article.get("description"))
    )
