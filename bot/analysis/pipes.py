"""The shape of Newsbot's spaCy components that read data files (decision weights, word lists,
gazetteers): like spaCy's own rule components, they read them in `initialize`, which `load_nlp`
calls once per process, so a missing or broken file stops start-up with its name instead of
failing every story, and the first story pays no loading."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from bot.analysis.evidence import Weights, load_weights


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


class WeighingPipe(DataPipe):
    """A component with one weighted decision: its weights file (pipeline config `weights`, else
    `default_weights`) and the word lists its evidence reads (`load_lexicons`) are its data."""

    default_weights: ClassVar[Path]
    load_lexicons: ClassVar[Callable[[], None]]
    weights: Weights

    def __init__(self, weights: str | None = None) -> None:
        self.weights_path = Path(weights) if weights else self.default_weights

    def load(self, nlp: Language) -> None:
        self.weights = load_weights(self.weights_path)
        type(self).load_lexicons()
