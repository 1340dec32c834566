"""Organizations: a gazetteer before NER; after it, span repair, candidates with
evidence, one decision, and salience.

`newsbot_org_gazetteer` (before "ner") marks well-known organizations from the gazetteer files
(config/lexicons/organizations*.jsonl), with the canonical name as the entity id, so NER builds
around them. `newsbot_organizations` (after "ner") repairs the name spans (orgs_spans), collects
candidate names with typed evidence (org_evidence), decides each one with the weights of
config/org_decision.toml (org_decision), and sets
`doc._.organizations` (one `Organization` per real organization, most salient first:
orgs_aggregate) and `doc._.org_decisions` (why each candidate was kept or dropped).
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.analysis import org_decision, org_evidence, orgs_aggregate, orgs_spans
from bot.analysis.orgs_lexicons import GAZETTEER_PATHS, known_orgs
from bot.analysis.pipes import DataPipe, WeighingPipe

GAZETTEER = "newsbot_org_gazetteer"
ORG = "ORG"
# Evidence that a name is named like an organization, enough to count NER's PERSON mentions of it.
STRONG = ("gazetteer", "org_head", "legal_form", "org_noun", "acronym_defined")
COMPONENT = "newsbot_organizations"

for _name in ("organizations", "org_decisions"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=[])


class Gazetteer(DataPipe):
    """Marks gazetteer names (case-sensitive: "WHO" the agency, not "who") as ORG entities whose
    entity id is the canonical name, before NER, so NER builds around them.

    Hand-written rather than spaCy's EntityRuler: the ruler keeps a Doc per phrase pattern, which
    for ~6,000 names cost 63 MB and 2.5 s of start-up in every analysis process; a dict keyed by
    token texts matches the same spans for a few MB."""

    name = GAZETTEER

    def __init__(self, paths: tuple[Path, ...]) -> None:
        self.paths = paths
        self.names: dict[tuple[str, ...], str] = {}
        self.lengths: dict[str, set[int]] = {}  # first word -> lengths of the names it starts

    def load(self, nlp: Language) -> None:
        """Read the gazetteer files and index every name by its tokens."""
        for entry in known_orgs(self.paths):
            for name in entry.names:
                key = tuple(t.text for t in nlp.tokenizer(name))
                if key:
                    self.names.setdefault(key, entry.name)  # an earlier entry keeps a shared alias
                    self.lengths.setdefault(key[0], set()).add(len(key))

    def process(self, doc: Doc) -> Doc:
        words = [t.text for t in doc]
        found = [
            Span(doc, i, i + n, label=ORG, span_id=self.names[key])
            for i, word in enumerate(words)
            for n in self.lengths.get(word, ())
            if i + n <= len(words) and (key := tuple(words[i : i + n])) in self.names
        ]
        if found:  # like EntityRuler(overwrite_ents=False): longest first, never over an entity
            taken = {i for e in doc.ents for i in range(e.start, e.end)}
            free = [s for s in filter_spans(found) if not any(i in taken for i in range(s.start, s.end))]
            doc.ents = [*doc.ents, *free]
        return doc


@Language.factory(GAZETTEER, default_config={"path": None}, assigns=["doc.ents", "token.ent_type", "token.ent_iob"])
def make_gazetteer(nlp: Language, name: str, path: str | None) -> Gazetteer:
    """The organizations gazetteer (`path`: a JSONL file; default: ours)."""
    return Gazetteer((Path(path),) if path else GAZETTEER_PATHS)


class Organizations(WeighingPipe):
    """Span repair, candidates with evidence, one weighted decision (config/org_decision.toml), salience."""

    name = COMPONENT
    default_weights = org_decision.WEIGHTS_FILE
    load_lexicons = staticmethod(org_evidence.load_lexicons)

    def process(self, doc: Doc) -> Doc:
        ents = [orgs_spans.Ent(e.start, e.end, e.label_, e.ent_id_, bool(e.ent_id_)) for e in doc.ents]
        ents = orgs_spans.refine(doc, ents)
        # Later components (people, speakers) read the repaired entities, not the decided ones:
        # relabelling doc.ents by the decision cost GGT speaker accuracy (0.921 -> 0.910).
        doc.ents = [Span(doc, e.start, e.end, label=e.label, span_id=e.kb or 0) for e in ents]
        candidates = org_evidence.collect(doc, ents)
        decisions = {name: org_decision.decide(c, self.weights) for name, c in candidates.items()}
        doc._.org_decisions = sorted(decisions.values(), key=lambda d: -d.score)
        doc._.organizations = orgs_aggregate.organizations(doc, decided_mentions(doc, candidates, decisions))
        return doc


@Language.factory(
    COMPONENT,
    default_config={"weights": None},
    requires=["doc.ents"],
    assigns=["doc.ents", "doc._.organizations", "doc._.org_decisions"],
)
def make_organizations(nlp: Language, name: str, weights: str | None) -> Organizations:
    """The organization decision (`weights`: a TOML file like config/org_decision.toml; default: it)."""
    return Organizations(weights)


def decided_mentions(
    doc: Doc, candidates: dict[str, org_evidence.Candidate], decisions: dict[str, org_decision.Decision]
) -> list[Span]:
    """The mentions of every kept name, as ORG spans. A mention NER called a person counts only
    when the name is also named like an organization (`STRONG` evidence)."""
    out = []
    for name, c in candidates.items():
        if not decisions[name].kept:
            continue
        strong = any(c.evidence.get(k) for k in STRONG)
        out += [
            Span(doc, s, e, label=ORG, span_id=c.kb or 0)
            for (s, e), label in zip(c.mentions, c.mention_labels, strict=True)
            if label != "PERSON" or strong
        ]
    return sorted(out, key=lambda span: span.start)

