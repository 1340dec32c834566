"""Organizations: gazetteer EntityRuler, acronym linking, aliases, salience. (In progress.)"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from bot.models import Organization

GAZETTEER = "newsbot_org_gazetteer"
COMPONENT = "newsbot_organizations"

if not Doc.has_extension("organizations"):
    Doc.set_extension("organizations", default=[])


@Language.component(GAZETTEER)
def gazetteer(doc: Doc) -> Doc:
    return doc


@Language.component(COMPONENT)
def organizations(doc: Doc) -> Doc:
    found: dict[str, int] = {}
    for ent in doc.ents:
        if ent.label_ == "ORG":
            found[ent.text] = found.get(ent.text, 0) + 1
    doc._.organizations = [Organization(name=n, mentions=c) for n, c in found.items()]
    return doc
