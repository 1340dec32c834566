"""Organization mentions -> one `Organization` per real organization, ranked by salience.

Mentions are grouped when the gazetteer gives them one identity, when one is the acronym of the
other ("APIIC" / "API Innovation Center"), when one is the other with a leading qualifier
("U.S. Food and Drug Administration" / "Food and Drug Administration"), or when one is a
company's short name ("Newmont" / "Newmont Mining Corp"). Work is over distinct names, not tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from bot.analysis.acronyms import base_form, is_acronym, sh_start
from bot.analysis.lexicons import word_table
from bot.analysis.orgs_lexicons import LEGAL_FORMS, known_orgs, org_suffixes
from bot.models import Organization

LEAD_SENTENCES = 3  # mentions in the first sentences (the lead) weigh more
LEAD_BONUS = 1.0
POSITION_WEIGHT = 0.5  # up to this much for a first mention at the very top
BOILERPLATE_STARTS = tuple(word_table("org_context.toml", "credit_line_starts"))  # "Reporting by ..."


@dataclass
class _Name:
    text: str
    mentions: int = 0
    first: int = 0
    in_lead: bool = False
    kb: str = ""
    group: int = -1
    forms: list[str] = field(default_factory=list)


def _boilerplate(doc: Doc, ent: Span) -> bool:
    """Reporting and editing credits and copyright lines name the publisher's staff and rights,
    not a story's organization. A dateline's agency ("WASHINGTON (Reuters) -") stays: the wire
    service is the story's source, as the newsroom set's conventions count it."""
    sent_text = ent.sent.text.lower() if doc.has_annotation("SENT_START") else ""
    return sent_text.startswith(BOILERPLATE_STARTS)


def _lead_limit(doc: Doc) -> int:
    if not doc.has_annotation("SENT_START"):
        return min(len(doc), 60)
    for k, sent in enumerate(doc.sents):
        if k + 1 == LEAD_SENTENCES:
            return sent.end
    return len(doc)


class _Groups:
    """Union-find over name indices."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _related(a: str, b: str) -> bool:
    """True if names `a` and `b` (distinct) denote the same organization."""
    if is_acronym(a) and not is_acronym(b) and " " in b:
        return sh_start(base_form(a), b) == 0 and _initials_cover(base_form(a), b)
    wa, wb = a.split(), b.split()
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    if len(short) >= 2 and long[-len(short) :] == short and len(long) - len(short) <= 2:
        return True  # "U.S. Food and Drug Administration" / "Food and Drug Administration"
    if len(short) <= 2 and long[: len(short)] == short and long[-1] in LEGAL_FORMS:
        return all(w in org_suffixes() or w in LEGAL_FORMS for w in long[len(short) :])
    return False


def _initials_cover(abbr: str, long: str) -> bool:
    """The long form's capitalized initials appear in order in the acronym ("AAM" is not "Advanced
    Manufacturing Technologies")."""
    initials = [w[0].upper() for w in long.split() if w[:1].isupper()]
    letters = iter(c.upper() for c in abbr if c.isalnum())
    return bool(initials) and initials[0] == abbr[0].upper() and all(c in letters for c in initials)


def organizations(doc: Doc, ents: Iterable[Span]) -> list[Organization]:
    """The organizations named by the ORG spans `ents`, most salient first."""
    names: dict[str, _Name] = {}
    lead_end = _lead_limit(doc)
    for ent in ents:
        if ent.label_ != "ORG" or _boilerplate(doc, ent):
            continue
        n = names.get(ent.text)
        if n is None:
            n = names[ent.text] = _Name(ent.text, first=ent.start)
        n.mentions += 1
        n.in_lead = n.in_lead or ent.start < lead_end
        n.kb = n.kb or ent.id_ or ent.ent_id_  # a free span carries its id; a doc entity its ent_id
    items = list(names.values())
    groups = _Groups(len(items))
    by_kb: dict[str, int] = {}
    for i, n in enumerate(items):
        if n.kb:
            groups.union(i, by_kb.setdefault(n.kb, i))
    for i, a in enumerate(items):  # distinct names only: a few dozen per article
        for j in range(i + 1, len(items)):
            b = items[j]
            if _related(a.text, b.text) or _related(b.text, a.text):
                groups.union(i, j)
    clusters: dict[int, list[_Name]] = {}
    for i, n in enumerate(items):
        clusters.setdefault(groups.find(i), []).append(n)
    known = {k.name: k for k in known_orgs()}
    out = []
    total = max(len(doc), 1)
    for members in clusters.values():
        full = [m for m in members if not is_acronym(m.text)]
        if full:
            name = max(full, key=lambda m: (len(m.text.split()), m.mentions, -m.first)).text
        else:
            name = max(members, key=lambda m: (m.mentions, -m.first)).text
        aliases = [m.text for m in sorted(members, key=lambda m: m.first) if m.text != name]
        kb = next((m.kb for m in members if m.kb), "")
        if kb in known:
            aliases += [a for a in known[kb].names if a != name and a not in aliases]
        mentions = sum(m.mentions for m in members)
        first = min(m.first for m in members)
        score = mentions + LEAD_BONUS * any(m.in_lead for m in members) + POSITION_WEIGHT * (1 - first / total)
        out.append(Organization(name=name, aliases=tuple(aliases), mentions=mentions, score=round(score, 3)))
    out.sort(key=lambda o: -o.score)
    return out
