"""CoNLL reading, the sports rule and exact-span scoring, on a hand-written two-article file."""

from __future__ import annotations

from pathlib import Path

from bot.evaluate.ner import Article, read_conll, score

SAMPLE = """-DOCSTART- -X- -X- O

SOCCER NN I-NP O
- : O O
LEEDS NNP I-NP B-ORG
WIN VB I-VP O

-DOCSTART- -X- -X- O

Bank NNP I-NP B-ORG
of IN I-PP I-ORG
Japan NNP I-NP I-ORG
said VBD I-VP O
. . O O

The DT I-NP O
EU NNP I-NP I-ORG
and CC O O
NATO NNP I-NP I-ORG
met VBD I-VP O
Javier NNP I-NP I-PER
Solana NNP I-NP I-PER
. . O O
"""


def test_reads_spans_sentences_and_sports(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_text(SAMPLE, encoding="utf8")
    sports, news = list(read_conll(path))
    assert sports.is_sports and not news.is_sports
    assert sports.gold == {(2, 3, "ORG")}
    assert news.sent_starts == [0, 5]
    # IOB1: "EU" and "NATO" are separate I- spans broken by "and"; the person is one span.
    assert news.gold == {(0, 3, "ORG"), (6, 7, "ORG"), (8, 9, "ORG"), (10, 12, "PER")}
    assert news.headline == "Bank of Japan said ."


def test_exact_span_scoring() -> None:
    gold = {(0, 3, "ORG"), (6, 7, "ORG"), (10, 12, "PER")}
    pred = {(1, 3, "ORG"), (6, 7, "ORG"), (10, 12, "PER")}  # "of Japan" is a miss and a false alarm
    org = score(gold, pred, "ORG")
    assert (org.tp, org.fp, org.fn) == (1, 1, 1)
    everything = score(gold, pred, None)
    assert (everything.tp, everything.fp, everything.fn) == (2, 1, 1)


def test_sports_rule_uses_first_headline_word() -> None:
    assert Article(words=["NHL", "ICE", "HOCKEY"], sent_starts=[0]).is_sports
    assert Article(words=["SKIING-CHINESE", "WIN"], sent_starts=[0]).is_sports
    assert not Article(words=["Bomb", "explodes"], sent_starts=[0]).is_sports
