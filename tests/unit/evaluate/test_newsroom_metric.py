"""The newsroom scoring as the set's README defines it (expected values worked out by hand)."""

from __future__ import annotations

import pytest

from bot.analysis.org_decision import Decision
from bot.evaluate.newsroom import half, match_quotes, org_forms, score_article, speaker_right, token_f1
from bot.evaluate.quotes import tokens as quote_tokens
from bot.models import Analysis, Organization, Quote, Theme


def test_split_is_by_first_hex_digit() -> None:
    assert half("7f" + "0" * 62) == "dev"
    assert half("8a" + "0" * 62) == "test"


def test_token_f1_is_the_harmonic_mean_of_overlaps() -> None:
    # 3 shared of 4 and 3 words: P 3/3, R 3/4 -> F1 6/7
    assert token_f1(quote_tokens("“We will win this”"), quote_tokens("we will win")) == pytest.approx(6 / 7)


def test_matching_is_greedy_one_to_one_at_0_8() -> None:
    gold = ["we will win the vote", "prices rose again"]
    pred = ["prices rose again", "we will win the vote today", "we will win the vote"]
    assert match_quotes(gold, pred) == {0: 2, 1: 0}
    assert match_quotes(["a b c d e"], ["a b c"]) == {}  # F1 0.75


def test_speaker_is_right_when_the_gold_last_word_is_one_of_ours() -> None:
    assert speaker_right("Jane Q. Doe", "Doe")
    assert speaker_right("Acme Widget Corp.", "the Acme Widget Corp")
    assert not speaker_right("Jane Doe", "Doerr")
    assert speaker_right(None, None) and not speaker_right(None, "Doe")


def test_org_forms_fold_case_punctuation_and_the() -> None:
    assert org_forms(["The U.S. Army", "Acme’s"]) == {"us army", "acmes"}


def test_one_article_scores_every_aspect() -> None:
    gold = {
        "id": "0" * 64,
        "title": "Acme  wins",
        "quotes": [{"text": "We did it,", "speaker": "Jane Doe"}, {"text": "Never again", "speaker": "Bob Roe"}],
        "organizations": [{"name": "Acme Corp", "aliases": ["Acme"]}, {"name": "Globex", "aliases": []}],
        "themes": [{"label": "merger", "any_of": ["merger"]}, {"label": "jobs", "any_of": ["layoff", "jobs"]}],
    }
    analysis = Analysis(
        summary=(),
        quotes=(Quote("We did it,", speaker="Doe"), Quote("Something else entirely", speaker="Roe")),
        organizations=(Organization("ACME", aliases=("Acme",)), Organization("Initech")),
        people=(),
        themes=(Theme("the merger talks", 1.0),),
        topics=(),
    )
    s = score_article(gold, "Acme wins", analysis)
    assert (s.quotes.tp, s.quotes.fp, s.quotes.fn) == (1, 1, 1)
    assert s.speakers == (1, 1)
    assert (s.orgs.ours_hit, s.orgs.ours, s.orgs.gold_hit, s.orgs.gold) == (1, 2, 1, 2)
    assert s.themes == (1, 2)
    assert s.title == (1, 1)
    assert "org: Globex" in s.missed and "org: Initech" in s.false_hits


def test_misses_and_false_hits_say_why_the_decision_went_that_way() -> None:
    gold = {"id": "0" * 64, "title": "", "organizations": [{"name": "Globex", "aliases": []}]}
    orgs = (Organization("Initech"),)
    analysis = Analysis(summary=(), quotes=(), organizations=orgs, people=(), themes=(), topics=())
    decisions = (
        Decision("Globex", False, -2.0, (("person", -3.0), ("ner_org", 1.5))),
        Decision("Initech", True, 1.0, (("ner_org", 1.5),)),
    )
    s = score_article(gold, "", analysis, decisions)
    assert "org: Globex (dropped -2.0: person -3.0, ner_org +1.5)" in s.missed
    assert "org: Initech (kept +1.0: ner_org +1.5)" in s.false_hits
