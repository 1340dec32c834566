"""Extractive summary: skips bylines, datelines' noise and quotes; keeps original order."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from bot.analysis import summary, themes
from bot.config import Settings

TEXT = (
    "By Jane Smith, Staff Writer\n\n"
    "WASHINGTON (Reuters) - The city council approved a new budget for public transit on Tuesday, "
    "adding bus routes across the northern districts.\n\n"
    "\"We have waited for this for a very long time and we are so happy today,\" said one rider.\n\n"
    "The transit budget also funds electric buses and longer hours on weekends for riders.\n\n"
    "Photo: Buses wait at the central depot on Monday morning in the rain.\n\n"
    "Officials will review the bus routes again next spring after collecting rider feedback."
)


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipe = spacy.load(Settings().spacy_model, exclude=["senter"])
    pipe.add_pipe(themes.COMPONENT, last=True)
    pipe.get_pipe(themes.COMPONENT).initialize(lambda: [], nlp=pipe)  # type: ignore[attr-defined]
    return pipe


def test_quoted_share_by_hand() -> None:
    assert summary.quoted_share('"abc" d') == pytest.approx(5 / 7)
    assert summary.quoted_share("no quotes here") == 0.0


def test_summary_skips_bylines_quotes_and_captions(nlp: Language) -> None:
    got = summary.summarize(nlp(TEXT), max_sentences=2)
    assert len(got) == 2
    assert got[0].startswith("The city council approved a new budget")  # dateline removed
    joined = " ".join(got)
    assert "Jane Smith" not in joined
    assert "waited for this" not in joined
    assert "Photo:" not in joined


def test_summary_keeps_article_order(nlp: Language) -> None:
    got = summary.summarize(nlp(TEXT), max_sentences=3)
    positions = [TEXT.find(s[:30]) for s in got]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_summary_of_empty_text(nlp: Language) -> None:
    assert summary.summarize(nlp("")) == []
