"""Themes (ranked key phrases) and IPTC Media Topics. (In progress.)"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "newsbot_themes"

for _name in ("themes", "topics"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=[])


@Language.component(COMPONENT)
def themes(doc: Doc) -> Doc:
    doc._.themes = []
    doc._.topics = []
    return doc
