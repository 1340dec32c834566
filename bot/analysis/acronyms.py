"""In-text acronym definitions: "Long Form (ABBR)" and "ABBR (Long Form)" (Schwartz & Hearst, 2003).

One pass over the tokens; each "(" looks back or inside a bounded window, so the cost is linear
in the document. Whether a definition names an organization is decided by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

# An acronym: 2-10 characters, starts with a letter or digit, at least two capitals ("FDA",
# "U.N.", "S&P", "APIs"). Lower-case words in parentheses are asides, not acronyms.
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9&.\-]{1,9}$")
MAX_INSIDE_TOKENS = 12  # "ABBR (Long Form ...)": longest long form looked for inside brackets


@dataclass(frozen=True, slots=True)
class Definition:
    """`abbr` is defined by the long form `doc[start:end]`; `abbr_i` is the acronym's token."""

    abbr: str
    start: int
    end: int
    abbr_i: int


def is_acronym(text: str) -> bool:
    return bool(_ACRONYM.match(text))


def base_form(abbr: str) -> str:
    """ "APIs" -> "API": a plural acronym is the same term."""
    return abbr[:-1] if len(abbr) > 2 and abbr.endswith("s") and abbr[-2].isupper() else abbr


def sh_start(abbr: str, long: str) -> int:
    """Schwartz-Hearst: the char offset in `long` where a long form matching `abbr` starts, or -1.

    Characters of the acronym are matched right to left; the first one must start a word.
    """
    s, li = len(abbr) - 1, len(long) - 1
    while s >= 0:
        c = abbr[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while li >= 0 and (long[li].lower() != c or (s == 0 and li > 0 and long[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return -1
        li -= 1
        s -= 1
    return long.rfind(" ", 0, li + 1) + 1


def _long_form(abbr: str, window: Span) -> tuple[int, int] | None:
    """Token bounds of the long form ending at the window's end, if the acronym matches it."""
    if not len(window):
        return None
    text = window.text
    pos = sh_start(base_form(abbr), text)
    if pos < 0:
        return None
    base = window.start_char
    for tok in window:
        if tok.idx - base >= pos:
            start = tok.i
            break
    else:
        return None
    n_words = window.end - start
    if n_words < 2 or n_words > min(len(abbr) + 5, 2 * len(abbr)):
        return None
    return start, window.end


def find_definitions(doc: Doc) -> list[Definition]:
    """All acronym definitions in `doc`, in reading order."""
    found: list[Definition] = []
    n = len(doc)
    for tok in doc:
        if tok.text != "(":
            continue
        i = tok.i
        # "Long Form (ABBR)"
        if i + 2 < n and doc[i + 2].text == ")" and is_acronym(doc[i + 1].text):
            abbr = doc[i + 1].text
            width = min(len(abbr) + 5, 2 * len(abbr))
            sent_start = tok.sent.start if doc.has_annotation("SENT_START") else 0
            lo = max(sent_start, i - width)
            lo = max([lo] + [t.i + 1 for t in doc[lo:i] if "\n" in t.text])  # never across a paragraph
            bounds = _long_form(abbr, doc[lo:i])
            if bounds:
                found.append(Definition(base_form(abbr), bounds[0], bounds[1], i + 1))
            continue
        # "ABBR (Long Form)"
        if i > 0 and is_acronym(doc[i - 1].text):
            close = next((j for j in range(i + 1, min(n, i + 2 + MAX_INSIDE_TOKENS)) if doc[j].text == ")"), None)
            if close is None:
                continue
            abbr = doc[i - 1].text
            bounds = _long_form(abbr, doc[i + 1 : close])
            if bounds and bounds[0] == i + 1:
                found.append(Definition(base_form(abbr), bounds[0], bounds[1], i - 1))
    return found
