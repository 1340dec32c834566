"""The ScrapingHub shingle metric on tiny texts whose scores were worked out by hand."""

from __future__ import annotations

import pytest

from bot.evaluate.extraction import score_corpus, score_page, shingles, url_date


def test_shingles_are_a_multiset_of_four_token_windows() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    # "a b c d a b c d": abcd, bcda, cdab, dabc, abcd -> abcd twice
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2


def test_short_texts_make_one_shingle_and_empty_texts_none() -> None:
    assert shingles("one, two three!") == {("one", "two", "three"): 1}
    assert shingles(" -- ,, ") == {}


def test_one_substitution_gives_a_third_each() -> None:
    # gold {abcd, bcde}, pred {abcd, bcdx}: TP=1 FP=1 FN=1 -> each 1/3 after normalizing
    s = score_page("a b c d e", "a b c d x")
    assert (s.tp, s.fp, s.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert (s.precision, s.recall) == pytest.approx((0.5, 0.5))
    assert not s.exact


def test_counts_respect_multiplicity() -> None:
    # gold has abcd x2 + 3 others (5), pred has abcd x1: TP=1 FP=0 FN=4
    s = score_page("a b c d a b c d", "a b c d")
    assert (s.precision, s.recall) == pytest.approx((1.0, 0.2))


def test_no_lowercasing_and_unicode_words() -> None:
    assert score_page("The cat sat down", "the cat sat down").tp == 0
    assert score_page("naïve café", "naïve café").exact


def test_corpus_means_and_harmonic_f1() -> None:
    pages = [
        score_page("a b c d e", "a b c d x"),  # P .5  R .5
        score_page("one two three", ""),  # empty prediction: out of P, R 0
        score_page("p q r s", "p, q. r s"),  # P 1 R 1, same token sequence
    ]
    c = score_corpus(pages)
    assert c.precision == pytest.approx(0.75)  # (0.5 + 1) / 2
    assert c.recall == pytest.approx(0.5)  # (0.5 + 0 + 1) / 3
    assert c.f1 == pytest.approx(0.6)  # 2 * .75 * .5 / 1.25, not the mean of page F1s
    assert c.accuracy == pytest.approx(1 / 3)
    assert c.empty == 1


def test_url_date() -> None:
    assert url_date("https://bgr.com/2019/11/19/apple-deals/") == "2019-11-19"
    assert url_date("https://example.com/stories/no-date") is None
