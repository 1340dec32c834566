"""The DUC-2001 keyphrase metric on tiny cases counted by hand."""

from __future__ import annotations

import pytest

from bot.evaluate import themes as ev


def lower(word: str) -> str:
    return word


def test_normalize_strips_punctuation_and_case() -> None:
    assert ev.normalize("  Hurricane, ANDREW. ", lower) == "hurricane andrew"


def test_score_at_k_counts_by_hand() -> None:
    predicted = ["hurricane andrew", "Hurricane Andrew", "florida", "insurance claims", "rain"]
    gold = ["hurricane andrew", "insurance claims", "new orleans"]
    prf = ev.score_at_k(predicted, gold, 3, lower)
    # dedup -> [hurricane andrew, florida, insurance claims, rain]; top 3 has 2 correct
    assert (prf.tp, prf.fp, prf.fn) == (2, 1, 1)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 3)


def test_porter_stemming_matches_plurals() -> None:
    pytest.importorskip("nltk")
    stem = ev.porter()
    prf = ev.score_at_k(["drug shortages"], ["drug shortage"], 10, stem)
    assert (prf.tp, prf.fp, prf.fn) == (1, 0, 0)


def test_near_duplicate_count_by_hand() -> None:
    labels = ["drug shortages", "drug shortages", "generic drug shortages", "gene therapy"]
    # pairs: (0,1) same, (0,2) same head + 2/3 overlap, (1,2) likewise; gene therapy is apart
    assert ev.count_near_duplicates(labels, lower) == 3
    # one phrase inside another is a repeat among themes, whatever the head
    assert ev.count_near_duplicates(["advanced manufacturing", "advanced manufacturing technologies"], lower) == 1
    assert ev.count_near_duplicates(["gene therapy", "drug prices", "cell therapy"], lower) == 0


def test_seed_coverage() -> None:
    gold = [{"label": "a", "any_of": ["gene therap"]}, {"label": "b", "any_of": ["fda", "regulat"]}]
    assert ev.seed_coverage(["Gene therapy developers", "drug prices"], gold) == ["b"]
