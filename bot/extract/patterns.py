"""Data, apart from logic: phrases that mark boilerplate lines and paywalls (all languages lowercased)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.paths import LEXICONS

FURNITURE_FILE = LEXICONS / "furniture_lines.txt"


def _furniture(path: Path = FURNITURE_FILE) -> re.Pattern[str]:
    """One alternation of the furniture patterns (config/lexicons/furniture_lines.txt)."""
    lines = path.read_text(encoding="utf8").splitlines()
    patterns = [s for line in lines if (s := line.strip()) and not s.startswith("#")]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


# A paragraph matching this is page furniture (a cross-link, a call to action, a follow line, a
# copyright line), not story text: removed before analysis rather than filtered name by name.
BOILERPLATE_LINE = _furniture()

# Visible wording of paywalls and login walls (lowercase substrings of the page text).
PAYWALL_PHRASES = (
    "subscribe to continue reading",
    "subscribe to read",
    "subscribe now to continue",
    "to continue reading, please",
    "to continue reading this article",
    "this article is for subscribers",
    "this content is for subscribers",
    "subscriber-only",
    "subscribers only",
    "exclusive to subscribers",
    "already a subscriber",
    "log in to continue reading",
    "sign in to continue reading",
    "login to continue reading",
    "create a free account to continue",
    "register to continue reading",
    "you have reached your limit",
    "you've reached your limit",
    "free articles remaining",
)
