"""Organizations: a gazetteer EntityRuler before NER, then span fixes and salience after it.

`newsbot_org_gazetteer` (before "ner") marks well-known organizations from
config/lexicons/organizations.jsonl, with the canonical name as the entity id, so NER builds
around them. `newsbot_organizations` (after "ner") corrects the ORG spans (orgs_spans) and sets
`doc._.organizations`: one `Organization` per real organization, most salient first
(orgs_aggregate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from bot.analysis import orgs_aggregate, orgs_spans
from bot.analysis.orgs_lexicons import GAZETTEER_PATH, KnownOrg, known_orgs

GAZETTEER = "newsbot_org_gazetteer"
COMPONENT = "newsbot_organizations"

if not Doc.has_extension("organizations"):
    Doc.set_extension("organizations", default=[])


def gazetteer_patterns(entries: tuple[KnownOrg, ...]) -> list[dict[str, Any]]:
    """Case-sensitive phrase patterns: "WHO" the agency, not "who"."""
    return [{"label": "ORG", "pattern": n, "id": e.name} for e in entries for n in e.names]


@Language.factory(
    GAZETTEER,
    default_config={"path": None},
    assigns=["doc.ents", "token.ent_type", "token.ent_iob"],
)
def make_gazetteer(nlp: Language, name: str, path: str | None) -> EntityRuler:
    """An EntityRuler over the organizations gazetteer (`path`: a JSONL file; default: ours)."""
    ruler = EntityRuler(nlp, name, phrase_matcher_attr="ORTH", overwrite_ents=False)
    ruler.add_patterns(gazetteer_patterns(known_orgs(Path(path) if path else GAZETTEER_PATH)))
    return ruler


@Language.component(COMPONENT, requires=["doc.ents"], assigns=["doc.ents", "doc._.organizations"])
def organizations(doc: Doc) -> Doc:
    orgs_spans.apply(doc)
    doc._.organizations = orgs_aggregate.organizations(doc)
    return doc
