"""The one loader for word lists under config/lexicons/ (data apart from logic, read once)."""

from __future__ import annotations

import tomllib
from functools import cache

from bot.paths import LEXICONS


@cache
def word_list(filename: str) -> frozenset[str]:
    """A one-entry-per-line lexicon, case kept; `#` starts a comment."""
    lines = (LEXICONS / filename).read_text(encoding="utf8").splitlines()
    return frozenset(s for line in lines if (s := line.split("#", 1)[0].strip()))


@cache
def _tables(filename: str) -> dict[str, frozenset[str]]:
    data = tomllib.loads((LEXICONS / filename).read_text(encoding="utf8"))
    return {key: frozenset(words) for key, words in data.items()}


def word_table(filename: str, key: str) -> frozenset[str]:
    """One named list of a TOML lexicon (`key = ["word", ...]`), case kept."""
    return _tables(filename)[key]
