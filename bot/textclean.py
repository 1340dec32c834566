"""Characters that change how text displays without being text: bidi overrides and isolates,
zero-width spaces, stray C0/C1 controls. Pages carry them by accident (copy-paste) or on purpose
(a headline that reads backwards in Slack); Newsbot drops them wherever page text enters (metadata)
or leaves (Slack replies). Zero-width (non-)joiners stay: Persian, Indic scripts and emoji need them.
"""

from __future__ import annotations

import re

INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"  # bidi embeddings, overrides, isolates, marks
    "\u200b\u2060\ufeff"  # zero-width space, word joiner, BOM
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # controls other than tab and line breaks
)


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)
