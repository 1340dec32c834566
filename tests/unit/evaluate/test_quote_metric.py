"""The quote metric's definitions: token overlap, one-to-one matching, speaker rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.evaluate.quotes import match, named_source_hits, overlap, polnear_gold, read_brat, same_speaker


@dataclass
class Pred:
    start: int
    end: int
    speaker: str | None


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


def test_polnear_named_source_check(tmp_path: Path) -> None:
    text = '“A is fine,” Clinton said. “B too,” he said. The Post reported that “C is bad.”'
    a, b, c = text.index("A is"), text.index("B too"), text.index("C is")
    post = text.index("The Post")
    ann = tmp_path / "x_1.ann"
    ann.write_text(
        f"T1\tContent {a - 1} {a + 11}\t“A is fine,”\nT2\tSource {text.index('Clinton')} "
        f"{text.index('Clinton') + 7}\tClinton\nE1\tAttribution:T9 Content:T1 Source:T2\n"
        f"T3\tContent {b - 1} {b + 8}\t“B too,”\nT4\tSource {text.index('he')} {text.index('he') + 2}\the\n"
        f"E2\tAttribution:T9 Content:T3 Source:T4\n"
        f"T5\tContent {c - 1} {len(text)}\t“C is bad.”\nT6\tSource {post} {post + 8}\tThe Post\n"
        f"E3\tAttribution:T9 Content:T5 Source:T6\n",
        encoding="utf8",
    )
    brat = read_brat(ann)
    assert len(brat.relations) == 3 and len(brat.contents()) == 3
    preds = [Pred(a, a + 10, "Hillary Clinton"), Pred(b, b + 7, "Hillary Clinton"), Pred(c, c + 9, "Donald Trump")]
    # the pronoun source is not checked; Clinton is right, The Post is not
    assert named_source_hits(text, brat, preds) == (1, 2)
