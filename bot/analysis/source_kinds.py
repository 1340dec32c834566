"""What kind of source each quote comes from (government, company, academic, advocacy, media,
sports, party, other, unnamed): the sources ledger's categories.

Decisions as data: each piece of evidence (a gazetteer kind, a word in an organization's name,
the speaker being an organization, the organization a speaker's title names, a word in the
title) adds its weight from `config/lexicons/source_kinds.toml` to one kind; the heaviest kind
wins and the evidence that decided is kept as `via`. Nothing here is about gender or any other
trait of a person: only the role and organization the article gives them.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc

from bot.analysis.orgs_lexicons import known_orgs
from bot.analysis.pipes import DataPipe
from bot.models import Organization, Quote
from bot.paths import LEXICONS

COMPONENT = "newsbot_source_kinds"
_HEAD = re.compile(r",| of | for | on ", re.IGNORECASE)  # the head word ends the part before these
UNNAMED = "unnamed"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Rules:
    kinds: tuple[str, ...]
    weights: dict[str, float]
    gazetteer: dict[str, str]  # gazetteer kind -> source kind
    name_words: dict[str, re.Pattern[str]]  # source kind -> whole-word alternation
    title_words: dict[str, re.Pattern[str]]
    known: dict[str, str]  # casefolded gazetteer name or alias -> gazetteer kind


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str
    via: str  # the evidence that weighed most, e.g. "title_org: Acme Corp"


def _words(words: Iterable[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


@cache
def rules() -> Rules:
    raw = tomllib.loads((LEXICONS / "source_kinds.toml").read_text(encoding="utf8"))
    known: dict[str, str] = {}
    for org in known_orgs():
        for name in org.names:
            known.setdefault(name.casefold(), org.kind)
    return Rules(
        kinds=tuple(raw["kinds"]),
        weights={k: float(v) for k, v in raw["weights"].items()},
        gazetteer=dict(raw["gazetteer"]),
        name_words={k: _words(v) for k, v in raw["name_words"].items()},
        title_words={k: _words(v) for k, v in raw["title_words"].items()},
        known=known,
    )


def _decide(evidence: Sequence[tuple[str, float, str]], r: Rules, default: str) -> Decision:
    """The one decision step: total weight per kind, ties to the earlier kind in `kinds`."""
    if not evidence:
        return Decision(default, "no evidence")
    totals: dict[str, float] = {}
    for kind, weight, _why in evidence:
        totals[kind] = totals.get(kind, 0.0) + weight
    order = {k: i for i, k in enumerate(r.kinds)}
    kind = max(totals, key=lambda k: (totals[k], -order.get(k, len(order))))
    why = max((e for e in evidence if e[0] == kind), key=lambda e: e[1])[2]
    return Decision(kind, why)


Evidence = list[tuple[str, float, str]]  # (kind, weight, why)


def _word_evidence(text: str, table: dict[str, re.Pattern[str]], weight: float, label: str) -> Evidence:
    return [(kind, weight, f"{label}: {m.group(0).lower()}") for kind, pattern in table.items()
            if (m := pattern.search(text))]


def org_kind(name: str, aliases: Sequence[str] = (), r: Rules | None = None) -> Decision:
    r = r or rules()
    evidence: Evidence = []
    for n in (name, *aliases):
        gkind = r.known.get(n.casefold()) or r.known.get(n.casefold().removeprefix("the "))
        if gkind and gkind in r.gazetteer:
            evidence.append((r.gazetteer[gkind], r.weights["gazetteer"], f"gazetteer: {gkind}"))
            break
    head = _HEAD.split(name, maxsplit=1)[0].split()
    if head:
        evidence += _word_evidence(head[-1], r.name_words, r.weights["name_head"], "name head")
    evidence += _word_evidence(name, r.name_words, r.weights["name_word"], "name")
    return _decide(evidence, r, OTHER)


def _names_in(title: str, orgs: Sequence[Organization]) -> list[Organization]:
    low = title.casefold()
    return [o for o in orgs if any(re.search(rf"(?<!\w){re.escape(n.casefold())}(?!\w)", low)
                                   for n in (o.name, *o.aliases) if len(n) > 1)]


def quote_kind(
    speaker: str | None, title: str | None, orgs: Sequence[Organization], r: Rules | None = None
) -> tuple[Decision, str | None]:
    """(the kind, the organization the speaker speaks for, if the article names one)."""
    r = r or rules()
    if not speaker or not speaker.strip() or not speaker.strip()[0].isupper():
        return Decision(UNNAMED, "no named speaker"), None  # "federal prosecutors", or nobody
    as_org = [o for o in orgs if speaker.casefold() in {n.casefold() for n in (o.name, *o.aliases)}]
    if as_org:
        org = as_org[0]
        kind = org.kind or org_kind(org.name, org.aliases, r).kind
        return Decision(kind, f"speaker_org: {org.name}"), org.name
    evidence: Evidence = []
    named = _names_in(title or "", orgs)
    for org in named[:1]:  # the first organization the title names: "CEO of X at Y" speaks for X
        kind = org.kind or org_kind(org.name, org.aliases, r).kind
        if kind != OTHER:
            evidence.append((kind, r.weights["title_org"], f"title_org: {org.name}"))
    evidence += _word_evidence(title or "", r.title_words, r.weights["title_word"], "title")
    return _decide(evidence, r, OTHER), (named[0].name if named else None)


def classify(
    quotes: Sequence[Quote], orgs: Sequence[Organization], r: Rules | None = None
) -> tuple[list[Quote], list[Organization]]:
    """Every organization with its kind, every quote with its source kind and organization
    (`r`: default, config/lexicons/source_kinds.toml)."""
    r = r or rules()
    kinded = [dataclasses.replace(o, kind=org_kind(o.name, o.aliases, r).kind) for o in orgs]
    out = []
    for q in quotes:
        decision, org = quote_kind(q.speaker, q.speaker_title, kinded, r)
        out.append(dataclasses.replace(q, source_kind=decision.kind, source_org=org))
    return out, kinded


class SourceKinds(DataPipe):
    """The kind of each quote's source; its rules (source_kinds.toml and the gazetteer's kinds)
    are its data."""

    name = COMPONENT

    def load(self, nlp: Language) -> None:
        self.rules = rules()

    def process(self, doc: Doc) -> Doc:
        doc._.quotes, doc._.organizations = classify(doc._.quotes, doc._.organizations, self.rules)
        return doc


@Language.factory(COMPONENT)
def make_source_kinds(nlp: Language, name: str) -> SourceKinds:
    return SourceKinds()
