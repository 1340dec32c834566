"""Load the spaCy pipeline once per process and add Newsbot's registered components."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

# Importing the modules registers their factories with spaCy.
from bot.analysis import orgs, quotes, summary, themes
from bot.errors import ModelError
from bot.models import Analysis

# spaCy components we never read: dropping them saves time on every document.
UNUSED_COMPONENTS = ("senter",)

# (component, before, after): None/None means "append at the end".
OUR_COMPONENTS: tuple[tuple[str, str | None, str | None], ...] = (
    (orgs.GAZETTEER, "ner", None),
    (orgs.COMPONENT, None, "ner"),
    (quotes.COMPONENT, None, None),
    (themes.COMPONENT, None, None),
)


def check_model(model: str) -> None:
    """Fail fast, in the parent process, before any worker starts: installed and compatible?

    Reads the package's meta.json only (no weights), so it is cheap enough for every start-up.
    """
    import importlib.util
    import warnings
    from pathlib import Path

    import spacy
    from spacy import util

    if Path(model).exists():
        folder = Path(model)
    else:
        spec = importlib.util.find_spec(model) if model.isidentifier() else None
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                f"spaCy pipeline {model!r} is not installed. Run `make install`, or set NEWSBOT_SPACY_MODEL "
                "to an installed pipeline (see README, 'Choosing the spaCy pipeline')."
            )
        folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        with warnings.catch_warnings():  # spaCy's own W095 version warning: our check below says it better
            warnings.simplefilter("ignore", UserWarning)
            meta = util.load_meta(folder / "meta.json")
    except (OSError, ValueError) as exc:
        raise ModelError(f"spaCy pipeline {model!r} has no readable meta.json: {exc}") from exc
    wanted = meta.get("spacy_version", "")
    if wanted and not util.is_compatible_version(spacy.__version__, wanted):
        raise ModelError(
            f"spaCy pipeline {model!r} needs spaCy {wanted}, but spaCy {spacy.__version__} is installed; "
            "install a pipeline built for this spaCy (see README, 'Choosing the spaCy pipeline')."
        )
    if meta.get("lang") not in (None, "en"):
        raise ModelError(f"spaCy pipeline {model!r} is for language {meta.get('lang')!r}; Newsbot needs English")


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
