"""The quote metric's definitions: token overlap, one-to-one matching, speaker rule."""

from __future__ import annotations

from bot.evaluate.quotes import match, overlap, polnear_gold, same_speaker


def test_overlap_ignores_marks_case_and_apostrophe_kind() -> None:
    assert overlap("“We don’t know,”", "we don't know") == 1.0
    assert overlap("a b c d e", "a b c d") == 0.8  # 4 shared / max(5, 4)
    assert overlap("", "x") == 0.0


def test_match_is_one_to_one_best_first() -> None:
    gold = ["one two three four five", "one two three four six"]
    pred = ["one two three four five"]
    assert match(gold, pred) == {0: 0}


def test_same_speaker_rule() -> None:
    assert same_speaker("Brian Doty", "Brian Doty")
    assert same_speaker("Doty", "Brian Doty")  # surname alone against a full-name reference
    assert same_speaker("Brian Doty", "Doty")  # full name against a surname reference
    assert not same_speaker("Brian", "Brian Doty")
    assert not same_speaker(None, "Brian Doty")


def test_polnear_gold_splits_quoted_pieces() -> None:
    text = 'X. “A is fine,” he said. “B too.” Then Y said that z.'
    start = text.index("“A")
    direct, other = polnear_gold(text, [[(start, text.index(" Then"))], [(text.index("that"), len(text) - 1)]])
    assert [text[s:e] for s, e in direct] == ["A is fine,", "B too."]
    assert [text[s:e] for s, e in other] == ["that z"]
