"""The one loader for word lists under config/lexicons/ (data apart from logic, read once)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache

import numpy as np

from bot.paths import LEXICONS


@cache
def word_list(filename: str) -> frozenset[str]:
    """A one-entry-per-line lexicon, case kept; `#` starts a comment."""
    lines = (LEXICONS / filename).read_text(encoding="utf8").splitlines()
    return frozenset(s for line in lines if (s := line.split("#", 1)[0].strip()))


@cache
def words(filename: str, lower: bool = False) -> frozenset[str]:
    """A lexicon of whitespace-separated words, several to a line; `#` starts a comment."""
    lines = (LEXICONS / filename).read_text(encoding="utf8").splitlines()
    found = (w for line in lines for w in line.split("#", 1)[0].split())
    return frozenset(w.lower() for w in found) if lower else frozenset(found)


class HashedWords:
    """A large word list held as sorted hashes: 8 bytes an entry where a set of str takes ~80,
    in every analysis process. Membership only (a false hit needs a 64-bit hash collision)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._keys = np.sort(np.fromiter((hash(w) for w in words), np.int64))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, word: object) -> bool:
        h = hash(word)
        at = int(np.searchsorted(self._keys, h))
        return at < len(self._keys) and int(self._keys[at]) == h


@cache
def hashed_word_list(filename: str) -> HashedWords:
    """`word_list` for lists too long to keep as strings (tens of thousands of entries)."""
    with (LEXICONS / filename).open(encoding="utf8") as fh:
        return HashedWords(s for line in fh if (s := line.split("#", 1)[0].strip()))


@cache
def _tables(filename: str) -> dict[str, frozenset[str]]:
    data = tomllib.loads((LEXICONS / filename).read_text(encoding="utf8"))
    return {key: frozenset(words) for key, words in data.items()}


def word_table(filename: str, key: str) -> frozenset[str]:
    """One named list of a TOML lexicon (`key = ["word", ...]`), case kept."""
    return _tables(filename)[key]
