"""Tell a paywall or login wall from a short article."""

from __future__ import annotations

from typing import Any

from bot.errors import Paywalled
from bot.extract.patterns import PAYWALL_PHRASES

# A teaser before a wall is one to three paragraphs; full stories are longer. Declared
# paywalls (JSON-LD isAccessibleForFree=false) shorter than this are treated as walled.
TEASER_MAX_WORDS = 150
# Without a declaration, only a very short text plus wall wording counts: many free pages
# carry "already a subscriber?" in their header.
SHORT_TEXT_MAX_WORDS = 80


def declared_paywalled(article: dict[str, Any]) -> bool:
    """schema.org's paywall flag: `isAccessibleForFree: false` (bool or string)."""
    value = article.get("isAccessibleForFree")
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def check_paywall(article: dict[str, Any], page_text: str, words: int) -> None:
    """Raise `Paywalled` when only a teaser was readable; otherwise return."""
    if declared_paywalled(article) and words < TEASER_MAX_WORDS:
        raise Paywalled(f"the article is behind a paywall: only {words} words are readable")
    if words < SHORT_TEXT_MAX_WORDS:
        lowered = page_text.lower()
        phrase = next((p for p in PAYWALL_PHRASES if p in lowered), None)
        if phrase:
            raise Paywalled(f'the article is behind a paywall or login ("{phrase}"); only {words} words are readable')
