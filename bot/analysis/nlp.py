"""Load the spaCy pipeline once per process and add Newsbot's registered components."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

# Importing the modules registers their factories with spaCy.
from bot.analysis import orgs, person_names, quotes, source_kinds, summary, themes
from bot.analysis.pipes import DataPipe
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
    (source_kinds.COMPONENT, None, None),
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
        pipe = nlp.add_pipe(name, before=before, after=after)
        if not isinstance(pipe, DataPipe):
            continue
        try:
            pipe.initialize(lambda: [], nlp=nlp)
        except Exception as exc:  # a missing file, bad TOML or JSON: every story would fail on it
            raise ModelError(f"{name} could not read its data: {type(exc).__name__}: {exc}") from exc
    return nlp


# The analyzer reads at most this much of an article: ~17,000 words, longer than nearly all news,
# well under spaCy's max_length (1,000,000). spaCy's memory grows ~3 MB per 1,000 characters
# (measured: 100,000 characters take 6 s and +290 MB in one process), so the cap bounds both.
MAX_ANALYSIS_CHARS = 100_000
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?][\"'”’)]*\s"), re.compile(r"\s"))


def bounded(text: str, limit: int = MAX_ANALYSIS_CHARS) -> str:
    """`text`, or its longest prefix within `limit` ending at a paragraph break (else a line,
    a sentence, a space); a break in the first half does not count, so little is lost."""
    if len(text) <= limit:
        return text
    window = text[:limit]
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(window, limit // 2)]
        if ends:
            return window[: ends[-1]].rstrip()
    return window  # one 100,000-character word: cut it


def to_analysis(doc: Doc, *, full_length: int | None = None) -> Analysis:
    """Collect what our components wrote on `doc._` into plain dataclasses; `full_length` is the
    length of the text `doc` is a prefix of (see `bounded`)."""
    return Analysis(
        summary=tuple(summary.summarize(doc)),
        quotes=tuple(doc._.quotes),
        organizations=tuple(doc._.organizations),
        people=tuple(doc._.people),
        themes=tuple(doc._.themes),
        topics=tuple(doc._.topics),
        analyzed_chars=len(doc.text) if full_length is not None and full_length > len(doc.text) else None,
    )


def analyze_text(nlp: Language, text: str) -> Analysis:
    return to_analysis(nlp(bounded(text)), full_length=len(text))


def analyze_texts(nlp: Language, texts: list[str], batch_size: int) -> list[Analysis]:
    """Several texts through one `nlp.pipe` (amortizes the pipeline's per-call overhead)."""
    docs = nlp.pipe((bounded(t) for t in texts), batch_size=batch_size)
    return [to_analysis(d, full_length=len(t)) for d, t in zip(docs, texts, strict=True)]
