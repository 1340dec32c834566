"""spaCy component `newsbot_themes`: themes (key phrases) and IPTC Media Topics on `doc._`.

`doc._.themes` is a list of `Theme` (3-8 distinct key phrases, see keyphrases.py) and
`doc._.topics` a list of `Topic` (0-3 IPTC Media Topics, see topics.py).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from bot.analysis import keyphrases, topics
from bot.analysis.pipes import DataPipe
from bot.models import Theme

COMPONENT = "newsbot_themes"
MAX_THEMES = 8

for _name in ("themes", "topics"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=[])


def find_themes(doc: Doc, n: int = MAX_THEMES) -> list[Theme]:
    """Up to `n` themes, best first; scores relative to the best (1.0)."""
    chosen = keyphrases.extract(doc, n, themes=True)
    best = chosen[0].score if chosen else 1.0
    return [Theme(c.label, round(c.score / best, 3)) for c in chosen]


class Themes(DataPipe):
    """Themes and topics; the word lists they weigh phrases by and the IPTC lexicon are its data."""

    name = COMPONENT

    def load(self, nlp: Language) -> None:
        keyphrases.load_lexicons()
        topics.load_lexicons()

    def process(self, doc: Doc) -> Doc:
        doc._.themes = find_themes(doc)
        doc._.topics = topics.assign(doc)
        return doc


@Language.factory(COMPONENT)
def make_themes(nlp: Language, name: str) -> Themes:
    return Themes()
