"""The one loader for word lists under config/lexicons/ (data apart from logic, read once)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
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
    """A large word list held as sorted hashes, optionally with a value per word: 8 bytes an entry
    where a frozenset of str takes ~135 (measured on the 81,115 WordNet nouns: 0.62 vs 10.4 MB),
    in every analysis process. A false hit needs a 64-bit hash
    collision. Python's str hash is salted per process: build it in the process that asks."""

    def __init__(self, words: Iterable[str]) -> None:
        self._keys = np.sort(np.fromiter((hash(w) for w in words), np.int64))
        self._values: np.ndarray | None = None

    @classmethod
    def from_hashes(cls, hashes: np.ndarray, values: np.ndarray) -> HashedWords:
        """From `hash(word)` values and one value per word (rarity.py: Zipf frequencies)."""
        table = cls(())
        order = np.argsort(hashes)
        table._keys, table._values = hashes[order], values[order]
        return table

    def __len__(self) -> int:
        return len(self._keys)

    def _found(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(position in the sorted keys, whether it is the word's) for each word."""
        if not len(self._keys):
            return np.zeros(len(words), np.intp), np.zeros(len(words), bool)
        h = np.fromiter((hash(w) for w in words), np.int64, len(words))
        at = np.minimum(np.searchsorted(self._keys, h), len(self._keys) - 1)
        return at, self._keys[at] == h

    def contains(self, words: Sequence[str]) -> np.ndarray:
        """Whether each word is listed, as a bool array."""
        return self._found(words)[1]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and bool(self.contains([word])[0])

    def values(self, words: Sequence[str], missing: float = 0.0) -> np.ndarray:
        """Each word's value (float32), `missing` where it is not listed."""
        if self._values is None:
            raise TypeError("this word list holds no values")
        at, hit = self._found(words)
        found = self._values[at] if len(self._values) else np.zeros(len(words), np.float32)
        return np.where(hit, found, np.float32(missing))


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
