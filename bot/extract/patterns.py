"""Data, apart from logic: phrases that mark boilerplate lines and paywalls (all languages lowercased)."""

from __future__ import annotations

import re

# A whole line that starts like this is a cross-link or a call to action, not story text.
BOILERPLATE_LINE = re.compile(
    r"^\s*(?:related(?: stories| articles| posts?| coverage)?\s*:"
    r"|read more\s*:|see more\s*:|read also\s*:|also read\s*:|more\s*:\s"
    r"|don'?t miss\b|you may also like|you might also like|recommended for you"
    r"|sign up for (?:our|the) \w+ newsletter|subscribe to our newsletter"
    r"|we use cookies\b|this site uses cookies\b|advertisement\s*$)",
    re.I,
)

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
