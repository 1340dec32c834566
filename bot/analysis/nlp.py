"""Load the spaCy pipeline once per process and add Newsbot's registered components."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

# Importing the modules registers their factories with spaCy.
from bot.analysis import orgs, person_names, quotes, summary, themes
from bot.errors import ModelError
from bot.models import Analysis

# spaCy components we never read: dropping them saves time on every document.
UNUSED_COMPONENTS = ("senter",)

# (component, before, after): None/None means "append at the end".
OUR_COMPONENTS: tuple[tuple[str, str | None, str | None], ...] = (
    (orgs.GAZETTEER, "ner", None),
    (orgs.COMPONENT, None, "ner"),
    (person_names.COMPONENT, orgs.COMPONENT, None),
    (quotes.COMPONENT, None, None),
    (themes.COMPONENT, None, None),
)


def load_nlp(model: str) -> Language:
    """Load `model` (a package name or path) and add our components; ModelError if unusable."""
    import spacy

    try:
        nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline {model!r} is not installed. Run `make install`, or set "
            f"NEWSBOT_SPACY_MODEL to an installed pipeline (see README, 'Choosing the spaCy "
            f"pipeline'). ({exc})"
        ) from exc
    except Exception as exc:  # incompatible versions raise ValueError/ImportError/...
        raise ModelError(f"spaCy pipeline {model!r} could not be loaded: {exc}") from exc
    if nlp.lang != "en":
        raise ModelError(f"spaCy pipeline {model!r} is for language {nlp.lang!r}; Newsbot needs English")
    missing = {"parser", "ner"} - set(nlp.pipe_names)
    if missing:
        raise ModelError(f"spaCy pipeline {model!r} lacks required components: {sorted(missing)}")
    for name, before, after in OUR_COMPONENTS:
        nlp.add_pipe(name, before=before, after=after)
    return nlp


def to_analysis(doc: Doc) -> Analysis:
    """Collect what our components wrote on `doc._` into plain dataclasses."""
    return Analysis(
        summary=tuple(summary.summarize(doc)),
        quotes=tuple(doc._.quotes),
        organizations=tuple(doc._.organizations),
        people=tuple(doc._.people),
        themes=tuple(doc._.themes),
        topics=tuple(doc._.topics),
    )


def analyze_text(nlp: Language, text: str) -> Analysis:
    return to_analysis(nlp(text))
