"""Dataclasses <-> JSON-able dicts for the JSON columns (pure; tolerant of older rows)."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.models import Analysis, Organization, Person, Quote, Theme, Topic


def analysis_to_json(analysis: Analysis) -> dict[str, Any]:
    return dataclasses.asdict(analysis)


def _build(cls: type, raw: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in names}
    return cls(**kwargs)


def analysis_from_json(raw: dict[str, Any]) -> Analysis:
    """Unknown keys are dropped and missing ones take defaults, so old rows still load."""
    return Analysis(
        summary=tuple(raw.get("summary", ())),
        quotes=tuple(_build(Quote, q) for q in raw.get("quotes", ())),
        organizations=tuple(_build(Organization, o) for o in raw.get("organizations", ())),
        people=tuple(_build(Person, p) for p in raw.get("people", ())),
        themes=tuple(_build(Theme, t) for t in raw.get("themes", ())),
        topics=tuple(_build(Topic, t) for t in raw.get("topics", ())),
        analyzed_chars=raw.get("analyzed_chars"),
    )


def name_key(name: str) -> str:
    """How names are compared: case- and whitespace-insensitive."""
    return " ".join(name.casefold().split())


def org_key(name: str) -> str:
    """Organization names also drop a leading article: "the FDA" is "FDA"."""
    key = name_key(name)
    return key[4:] if key.startswith("the ") else key


NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md"})  # not surnames


def person_keys(name: str) -> set[str]:
    """A person is found by full name or surname ("what has Doty said")."""
    key = name_key(name)
    parts = [p for p in key.split() if p.strip(".,") not in NAME_SUFFIXES]
    keys = {key}
    if len(parts) > 1:
        keys.add(parts[-1])
    return keys
