"""Newsbot's components read their data (decision weights, word lists) in `initialize`:
injectable through the pipeline config, and a missing or broken file stops `load_nlp` with a
ModelError naming it, not every story later (invented names and sentences)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from bot.analysis import orgs, quotes, themes
from bot.analysis.nlp import load_nlp
from bot.config import Settings
from bot.errors import ModelError

MODEL = Settings().spacy_model
TEXT = (
    "The Quillon Water Authority raised its rates on Monday. "
    "“Costs have doubled,” Maria Oduya, the authority's director, said."
)


def _with_weights(nlp: Language, component: str, path: Path) -> None:
    nlp.replace_pipe(component, component, config={"weights": str(path)})
    nlp.get_pipe(component).initialize(lambda: [], nlp=nlp)  # type: ignore[attr-defined]


def test_a_component_used_before_it_read_its_data_says_so() -> None:
    pipe = spacy.blank("en")
    pipe.add_pipe(themes.COMPONENT)
    with pytest.raises(ValueError, match="newsbot_themes has not read its data"):
        pipe("A story about rates.")


def test_the_organization_weights_come_from_the_file_the_config_names(tmp_path: Path) -> None:
    nlp = load_nlp(MODEL)  # a pipeline of its own: a pipe is replaced below
    assert "Quillon Water Authority" in {o.name for o in nlp(TEXT)._.organizations}
    nothing_passes = tmp_path / "orgs.toml"
    nothing_passes.write_text("bias = -100.0\n[weights]\nner_org = 1.0\n")
    _with_weights(nlp, orgs.COMPONENT, nothing_passes)
    doc = nlp(TEXT)
    assert doc._.organizations == []
    assert doc._.org_decisions and all(not d.kept for d in doc._.org_decisions)


def test_the_speaker_weights_come_from_the_file_the_config_names(tmp_path: Path) -> None:
    nlp = load_nlp(MODEL)
    assert [q.speaker for q in nlp(TEXT)._.quotes] == ["Maria Oduya"]
    # a bias below zero and no weights: every reading scores -1, and the first found (the nearest) wins
    no_votes = tmp_path / "speakers.toml"
    no_votes.write_text("bias = -1.0\n[weights]\n")
    _with_weights(nlp, quotes.COMPONENT, no_votes)
    [decision] = nlp(TEXT)._.speaker_decisions
    assert decision.score == pytest.approx(-1.0) and decision.votes == ()


@pytest.mark.parametrize(
    ("component", "content", "complaint"),
    [
        (orgs.Organizations, None, "FileNotFoundError"),
        (orgs.Organizations, "bias = \n", "TOMLDecodeError"),
        (quotes.Quotes, "bias = 0.0\n", "KeyError"),
        (quotes.Quotes, "[weights]\nnamed = 'four'\n", "ValueError"),
    ],
)
def test_a_missing_or_broken_weights_file_stops_the_pipeline_load_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, component: type, content: str | None, complaint: str
) -> None:
    path = tmp_path / "weights.toml"
    if content is not None:
        path.write_text(content)
    monkeypatch.setattr(component, "default_weights", path)
    with pytest.raises(ModelError, match="could not read its data") as caught:
        load_nlp(MODEL)
    assert str(path) in str(caught.value) and complaint in str(caught.value)
