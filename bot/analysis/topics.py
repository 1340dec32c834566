"""IPTC Media Topics from curated keyword lexicons. (In progress.)"""

from __future__ import annotations

from spacy.tokens import Doc

from bot.models import Topic


def top_level(qcode: str) -> str:
    return qcode


def assign(doc: Doc) -> list[Topic]:
    return []
