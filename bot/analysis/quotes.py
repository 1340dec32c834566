"""Direct quotes, their speakers (resolved to full names) and the people in the story. (In progress.)"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "newsbot_quotes"

for _name in ("quotes", "people"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=[])


@Language.component(COMPONENT)
def quotes(doc: Doc) -> Doc:
    doc._.quotes = []
    doc._.people = []
    return doc
