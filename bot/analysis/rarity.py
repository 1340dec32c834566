"""How much a word says about a story: the rarer it is in English at large, the more.

Frequencies come from `wordfreq`'s bundled "large" English list (Wikipedia, subtitles, news,
books, web text and more; data CC BY-SA 4.0, see README "Licence"), so no list is kept here.
We read its data file ourselves rather than call `wordfreq.zipf_frequency`: that keeps a
321,000-entry dict of floats (~37 MB) and its import pulls regex, langcodes and ftfy (~14 MB),
in every analysis process; two sorted arrays take ~4 MB.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import msgpack
import numpy as np

from bot.analysis.lexicons import HashedWords

# Zipf scale: log10 of occurrences per billion words ("the" 7.73, "people" 6.25, "poll" 4.35,
# "impeachment" 3.59; unknown words 0). Words at or above the ceiling say nothing of a story.
ZIPF_CEILING = 7.0
WORDLIST = "large"  # 321k English words; "small" (29k) left rare words undistinguished (themes -2 on test)


_PART_BREAK = re.compile(r"[-/–]")


def data_file() -> Path:
    """wordfreq's English list, found without importing the package."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordfreq is not installed (run `make install`)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{WORDLIST}_en.msgpack.gz"


@cache
def _table() -> HashedWords:
    """Word hashes and their Zipf values. wordfreq's "cBpack" file is a gzipped msgpack list:
    a header, then bands of one centibel; band i holds the words of frequency 10**(-i/100), i.e.
    Zipf 9 - i/100 (wordfreq's `read_cBpack` documents the format). Read band by band, so the
    321,000 strings are never all in memory at once."""
    keys: list[np.ndarray] = []
    values: list[np.ndarray] = []
    with gzip.open(data_file(), "rb") as fh:
        unpacker = msgpack.Unpacker(fh, raw=False)
        n = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(f"unexpected wordfreq data header: {header!r}")
        for i in range(n - 1):
            band = unpacker.unpack()
            if band:
                keys.append(np.fromiter((hash(w) for w in band), np.int64, len(band)))
                values.append(np.full(len(band), 9.0 - i / 100, np.float32))
    return HashedWords.from_hashes(np.concatenate(keys), np.concatenate(values))


def _lookup(words: Sequence[str]) -> np.ndarray:
    """Zipf value of each word as listed (0 when absent)."""
    return _table().values(words) if words else np.zeros(0, np.float32)


def zipf(words: Sequence[str]) -> np.ndarray:
    """Zipf frequency of each (lower-case) word, as `wordfreq.zipf_frequency` gives it: a word the
    list does not hold as it is ("water-vapor", "u.s.") is split at hyphens and slashes, outer
    periods dropped, and its parts combined as wordfreq does (1/f = sum of 1/f_part; an unknown
    part makes it unknown). wordfreq's own tokenizer is not used: see the module docstring."""
    out = _lookup(words)
    for i in np.flatnonzero(out == 0).tolist():
        parts = [p for p in _PART_BREAK.split(words[i].strip(".")) if p]
        if parts and parts != [words[i]]:
            z = _lookup(parts)
            if z.all():
                out[i] = 9.0 + np.log10(1.0 / np.sum(10.0 ** (9.0 - z.astype(np.float64))))
    return out


def informativeness(words: Sequence[str]) -> np.ndarray:
    """ZIPF_CEILING minus each word's Zipf frequency, floored at 0 ("the" 0, "impeachment" 3.41)."""
    return np.maximum(0.0, ZIPF_CEILING - zipf(words))


def warm() -> None:
    """Read the list now (~0.2 s) rather than inside the first analysis."""
    _table()
