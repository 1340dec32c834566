"""Organization lexicons under config/lexicons/: data apart from logic, loaded once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.analysis.lexicons import word_list
from bot.paths import LEXICONS

# Curated entries first (hand-kept, general knowledge), then the open gazetteer built by
# scripts/build_gazetteer.py from licensed packages (see lexicons/GAZETTEER-SOURCES.md).
GAZETTEER_PATHS = (LEXICONS / "organizations.jsonl", LEXICONS / "organizations_open.jsonl")


@dataclass(frozen=True, slots=True)
class KnownOrg:
    """One gazetteer entry: a real organization and the names the news uses for it."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@cache
def known_orgs(paths: tuple[Path, ...] = GAZETTEER_PATHS) -> tuple[KnownOrg, ...]:
    """Every gazetteer entry; a name already given by an earlier file (or entry) is skipped."""
    out = []
    seen: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["name"] in seen:
                    continue
                seen.add(row["name"])
                out.append(KnownOrg(row["name"], tuple(row.get("aliases", ())), row.get("kind", "")))
    return tuple(out)


def org_suffixes() -> frozenset[str]:
    return word_list("org_suffixes.txt")


def non_org_acronyms() -> frozenset[str]:
    return word_list("non_org_acronyms.txt")


def non_org_heads() -> frozenset[str]:
    return word_list("non_org_heads.txt")


# Legal forms: a name followed by one of these is a company whatever NER said ("Brewpole BV").
LEGAL_FORMS = word_list("legal_forms.txt")  # "Acme Inc", "Brewpole BV"
