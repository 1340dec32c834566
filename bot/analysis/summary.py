"""Extractive summary: the article's most central early sentences, in their original order.

News puts the point first, so sentences are scored by a lead bias plus how much of the story's
key phrases (`doc._.themes`, set by newsbot_themes) they mention. Sentences that are mostly a
quotation, datelines, bylines, photo credits and fragments are skipped: they read badly alone.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

MIN_WORDS = 6  # shorter "sentences" are headings, captions or fragments
MAX_WORDS = 60  # longer ones are usually run-ons from lists or bad segmentation
MAX_QUOTED_SHARE = 0.5  # a sentence more than half inside quotation marks is a quote, not a summary
LEAD_SENTENCES = 5  # the lead bias fades over about this many sentences
THEME_WEIGHT = 1.0  # weight of key-phrase centrality against the lead bias (which is at most 1)

_BYLINE = re.compile(
    r"^\s*(by\s+[A-Z]|photo|image|credit|source:|copyright|©|advertisement|read more|related:|"
    r"click here|sign up|subscribe|follow us|share this|updated\b|posted\b|published\b)",
    re.I,
)
# "WASHINGTON (Reuters) -", "MADRID —", "BUFFALO, N.Y. —": a dateline opening the lead.
_DATELINE = re.compile(r"^\s*[A-Z][A-Z .,'-]{2,40}(\([^)]{1,30}\))?\s*[-—–:]\s+")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]*)[\"“”«»]")


def quoted_share(text: str) -> float:
    """Share of the sentence's characters that sit inside quotation marks."""
    inside = sum(len(m.group(0)) for m in _QUOTED.finditer(text))
    return inside / max(1, len(text))


def strip_dateline(text: str) -> str:
    """The sentence without a leading dateline (the fact it opens stays)."""
    return _DATELINE.sub("", text, count=1)


def usable(sent: Span) -> bool:
    text = sent.text.strip()
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    if not (MIN_WORDS <= len(words) <= MAX_WORDS):
        return False
    if _BYLINE.match(text) or quoted_share(text) > MAX_QUOTED_SHARE:
        return False
    return text[-1:] in ".!?\"”'’)"  # a complete sentence, not a heading or list item


def _theme_words(doc: Doc) -> set[str]:
    themes = doc._.themes if Doc.has_extension("themes") else []
    return {w for t in themes for w in t.label.lower().split()}


def summarize(doc: Doc, max_sentences: int = 2) -> list[str]:
    """Up to `max_sentences` sentences (original order), best by lead bias + key-phrase cover."""
    sents = [s for s in doc.sents if usable(s)]
    if not sents:
        return []
    key = _theme_words(doc)
    scored = []
    for rank, sent in enumerate(sents):
        words = {t.lower_ for t in sent if not t.is_stop and t.is_alpha}
        cover = len(words & key) / max(1, len(key)) if key else 0.0
        lead = 1.0 / (1.0 + rank / LEAD_SENTENCES)
        scored.append((lead + THEME_WEIGHT * cover, sent.start, sent))
    best = sorted(scored, key=lambda x: -x[0])[:max_sentences]
    return [strip_dateline(" ".join(s.text.split())) for _, _, s in sorted(best, key=lambda x: x[1])]
