"""How much a word says about a story: the rarer it is in English at large, the more.

Frequencies come from `wordfreq` (its bundled "large" English list: Wikipedia, subtitles, news,
books, web text and more; data CC BY-SA 4.0, see README "Licences"), so no list is kept here.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

# Zipf scale: log10 of occurrences per billion words ("the" 7.7, "people" 6.3, "poll" 4.4,
# "impeachment" 3.6; unknown words 0). Words at or above the ceiling say nothing of a story.
ZIPF_CEILING = 7.0
WORDLIST = "large"  # 321k English words; "small" (29k) left rare words undistinguished


@lru_cache(maxsize=65536)
def informativeness(word: str) -> float:
    """ZIPF_CEILING minus the word's Zipf frequency, floored at 0 ("the" 0, "impeachment" 3.4)."""
    return max(0.0, ZIPF_CEILING - zipf_frequency(word, "en", wordlist=WORDLIST))


def warm() -> None:
    """Load the frequency list now (~0.1 s, ~37 MB) rather than inside the first analysis."""
    informativeness("news")
