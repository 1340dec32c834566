"""Find the article object in a page's JSON-LD (schema.org), however the site nests it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

# schema.org types that describe the story itself (not the site, the breadcrumb or the author).
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "scholarlyarticle",
        "report",
        "webpage",
    }
)
# Many sites type the page as WebPage and the story as NewsArticle; prefer the specific one.
GENERIC_TYPES = frozenset({"webpage"})


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                yield from _walk(node[key])


def jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON object in `<script type="application/ld+json">`, flattened; bad JSON skipped."""
    found: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        found.extend(_walk(data))
    return found


def article_object(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The most specific article-typed object, or {} when the page declares none."""
    specific = [o for o in objects if _types(o) & (ARTICLE_TYPES - GENERIC_TYPES)]
    if specific:
        return specific[0]
    generic = [o for o in objects if _types(o) & GENERIC_TYPES and ("headline" in o or "author" in o)]
    return generic[0] if generic else {}


def names(value: Any) -> list[str]:
    """Names from a schema.org Person/Organization value: a string, an object or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return names(name) if name else []
    if isinstance(value, list):
        return [n for item in value for n in names(item)]
    return []


def first_string(value: Any) -> str | None:
    """A plain string from a value that may be a string, a list or an object with a name."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value:
        return first_string(value[0])
    if isinstance(value, dict):
        return first_string(value.get("name") or value.get("@value"))
    return None
