"""Extractive summary. (In progress.)"""

from __future__ import annotations

from spacy.tokens import Doc


def summarize(doc: Doc, max_sentences: int = 2) -> list[str]:
    return [s.text.strip() for s in list(doc.sents)[:max_sentences]]
