"""The shape of Newsbot's spaCy components that read data files (decision weights, word lists,
gazetteers): like spaCy's own rule components, they read them in `initialize`, which `load_nlp`
calls once per process, so a missing or broken file stops start-up with its name instead of
failing every story, and the first story pays no loading."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example


class DataPipe:
    """Subclasses read their data in `load` and annotate a document in `process`."""

    name = "newsbot component"
    _ready = False

    def load(self, nlp: Language) -> None:
        raise NotImplementedError

    def process(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp: Language) -> None:
        self.load(nlp)
        self._ready = True

    def __call__(self, doc: Doc) -> Doc:
        if not self._ready:
            raise ValueError(f"{self.name} has not read its data: call its initialize() (load_nlp does)")
        return self.process(doc)
