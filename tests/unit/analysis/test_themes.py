"""Themes and IPTC topics on hand-written text; expected values worked out by hand."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from bot.analysis import keyphrases, rarity, themes, topics
from bot.config import Settings

SHORTAGES = (
    "Hospitals across the country are facing drug shortages as generic drug makers struggle. "
    "A drug shortage of common antibiotics left pharmacists scrambling last year. "
    "Generic drug makers say low prices for generic drugs make production unprofitable. "
    "Regulators at the Food and Drug Administration have promised faster inspections of "
    "overseas factories that make active pharmaceutical ingredients. "
    "Many people said the drug shortages would last for years, and the company said nothing. "
    "Hospital pharmacists ration chemotherapy drugs during each drug shortage."
)

SPORT = (
    "The home team won the championship final 3-1 on Sunday. The striker scored two goals in the "
    "second half, and the coach praised his players after the match. Fans filled the stadium as "
    "the club lifted the cup for the first time in the league's history."
)


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipe = spacy.load(Settings().spacy_model, exclude=["senter"])
    pipe.add_pipe(themes.COMPONENT, last=True)
    pipe.get_pipe(themes.COMPONENT).initialize(lambda: [], nlp=pipe)  # type: ignore[attr-defined]
    return pipe


def test_core_levels_of_a_hand_drawn_graph() -> None:
    # a-b-c-d is a 4-clique (each node has 3 neighbours inside it); e hangs off a (degree 1).
    edges = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d"), ("a", "e")]
    assert keyphrases.core_levels(edges) == {"a": 3, "b": 3, "c": 3, "d": 3, "e": 1}
    # a triangle plus a pendant: the triangle is a 2-core, the pendant 1.
    assert keyphrases.core_levels([("x", "y"), ("y", "z"), ("x", "z"), ("z", "w")]) == {
        "x": 2,
        "y": 2,
        "z": 2,
        "w": 1,
    }
    # a path peels from both ends: every node is in the 1-core only.
    assert keyphrases.core_levels([("p", "q"), ("q", "r"), ("r", "s")]) == {"p": 1, "q": 1, "r": 1, "s": 1}


def test_cooccurrence_counts_two_sentence_windows(nlp: Language) -> None:
    # Sentences: 1 {storm, coast}, 2 {river}, 3 {storm}. Windows (1,2) and (2,3):
    # storm-coast 1, storm-river 2 (both windows), coast-river 1; storm-storm never counted.
    doc = nlp("The storm hit the coast. The river rose. The storm moved on.")
    tk = keyphrases.tokens(doc)
    cooc = keyphrases.cooccurrence(tk)
    w = {word: i for i, word in enumerate(tk.words)}
    assert set(w) == {"storm", "coast", "river"}
    assert cooc[w["storm"], w["coast"]] == 1
    assert cooc[w["storm"], w["river"]] == 2
    assert cooc[w["coast"], w["river"]] == 1
    assert cooc[w["storm"], w["storm"]] == 0


def test_near_duplicates() -> None:
    assert keyphrases.near_duplicates(("drug", "shortage"), ("shortage", "drug"))
    assert keyphrases.near_duplicates(("drug", "shortage"), ("generic", "drug", "shortage"))
    assert not keyphrases.near_duplicates(("pharmaceutical", "manufacturing"), ("advanced", "manufacturing"))
    # same head, one word set inside the other (Jaccard only 1/3)
    assert keyphrases.near_duplicates(("diabetes",), ("type", "ii", "diabetes"))
    assert not keyphrases.near_duplicates(("diabetes",), ("diabetes", "clinic"), contained=False)


def test_contained_phrase_is_a_duplicate_for_themes_only() -> None:
    short, long = ("advanced", "manufacturing"), ("advanced", "manufacturing", "technology")
    assert keyphrases.near_duplicates(short, long)
    assert keyphrases.near_duplicates(long, short)
    assert not keyphrases.near_duplicates(short, long, contained=False)
    # words shared but not as a consecutive run, different heads: not contained
    assert not keyphrases.near_duplicates(("gene", "therapy"), ("gene", "editing", "therapy", "firm"))


def test_phrase_key_folds_what_the_metric_folds() -> None:
    pytest.importorskip("nltk")
    assert keyphrases.phrase_key("Term Limitations,") == keyphrases.phrase_key("term limits")
    assert keyphrases.phrase_key("diabetics") == keyphrases.phrase_key("Diabetes")
    assert keyphrases.phrase_key(" (Drug)  shortages ") == ("drug", "shortag")


def _cand(label: str, score: float, first: int) -> keyphrases.Candidate:
    words = tuple(label.lower().split())
    c = keyphrases.Candidate(words, first, count=1, score=score, weights=tuple(score / len(words) for _ in words))
    c.forms[label] = 1
    return c


def test_select_skips_what_the_metric_calls_a_repeat() -> None:
    pytest.importorskip("nltk")
    ranked = [
        _cand("type II diabetes", 3.0, 0),
        _cand("diabetics", 2.9, 5),  # stems to "diabet": same head, subset of the first
        _cand("term limits", 2.0, 9),
        _cand("term limitations", 1.9, 14),  # same stems as "term limits"
        _cand("hormone research", 1.0, 20),
    ]
    # covered_weight 1.0: no redundancy discount, so only the near-duplicate rule can skip
    labels = [c.label for c in keyphrases.select(ranked, 5, covered_weight=1.0)]
    assert labels == ["type II diabetes", "term limits", "hormone research"]


def test_themes_are_distinct_specific_and_bounded(nlp: Language) -> None:
    doc = nlp(SHORTAGES)
    labels = [t.label.lower() for t in doc._.themes]
    assert 3 <= len(labels) <= 8, labels
    # one of "drug shortages" / "drug shortage", never both
    assert sum(label in {"drug shortages", "drug shortage"} for label in labels) == 1, labels
    for generic in ("year", "years", "people", "company", "production"):
        assert generic not in labels
    assert all(a == b or not keyphrases.near_duplicates(a.split(), b.split()) for a in labels for b in labels)


def test_topic_on_clearly_themed_paragraphs(nlp: Language) -> None:
    sport = nlp(SPORT)._.topics
    assert sport and topics.top_level(sport[0].id) == "medtop:15000000"
    health = nlp(SHORTAGES)._.topics
    assert health and topics.top_level(health[0].id) == "medtop:07000000"
    assert all(t.id.startswith("medtop:") and t.label for t in health)
    assert len(health) <= 3


def test_no_topic_for_text_without_evidence(nlp: Language) -> None:
    assert nlp("The cat sat on the mat and looked at the window.")._.topics == []


def test_themes_never_carry_handles_addresses_or_markup(nlp: Language) -> None:
    text = (
        "Governor @mattbevin conceded the governor race on Tuesday. The governor race drew record turnout, "
        "and the governor race results are posted at results.example.com/ky and <https://vote.example.org|here>. "
        "Turnout in the governor race rose in rural counties, where the governor race was close. "
        "Election officials said @mattbevin and his rival both asked for a recanvass of the governor race."
    )
    labels = [t.label for t in nlp(text)._.themes]
    assert any("governor race" in label.lower() for label in labels), labels
    assert not [label for label in labels if any(m in label for m in ("@", "://", ".com", ".org", "|", "<"))]


def test_rarity_says_how_much_a_word_tells() -> None:
    # wordfreq's English Zipf frequencies (checked by hand with wordfreq.zipf_frequency): the 7.73,
    # people 6.25, poll 4.35, impeachment 3.59; the ceiling is 7, so "the" tells nothing.
    the, people, poll, impeachment = rarity.informativeness(["the", "people", "poll", "impeachment"]).tolist()
    assert the == 0.0
    assert people < poll < impeachment
    assert impeachment == pytest.approx(rarity.ZIPF_CEILING - 3.59, abs=0.01)


def test_rarity_of_words_the_list_holds_only_in_parts() -> None:
    # wordfreq.zipf_frequency gives "water-vapor" 3.56 (water 5.52, vapor 3.56: 1/f adds up) and
    # "u.s." 5.31 (listed as "u.s"); an unknown word is 0.
    assert rarity.zipf(["water-vapor", "u.s.", "zzqxv"]).tolist() == pytest.approx([3.56, 5.31, 0.0], abs=0.01)


def test_salience_grows_with_the_square_root_of_a_count(nlp: Language) -> None:
    doc = nlp("The poll closed. A second poll opened. The poll was late. The last poll ended. A senator spoke.")
    scores = keyphrases.salience_scores(keyphrases.tokens(doc))
    poll, senator = rarity.informativeness(["poll", "senator"]).tolist()
    assert scores["poll"] == pytest.approx(2 * poll)  # 4 mentions: sqrt 4 = 2
    assert scores["senator"] == pytest.approx(senator)


BUDGET_AND_LANDFILL = (
    "The city council voted on Tuesday to raise the city budget for next year. "
    "The council said the budget would pay for more city services and more city workers. "
    "Council members argued about the budget for hours, and the city manager said the budget was fair. "
    "The mayor said the city needed the budget to keep the city running next year. "
    "Residents also asked the council about a landfill expansion planned for the north side. "
    "Neighbours said the landfill expansion would bring odours and trucks to their streets."
)


def test_a_secondary_subject_named_in_rare_words_makes_a_short_list(nlp: Language) -> None:
    # The lead's words ("city", "council", "budget") fill a graph ranking's top three; the story's
    # second subject, mentioned twice in words rare in English, is what an editor would add.
    labels = [t.label for t in themes.find_themes(nlp(BUDGET_AND_LANDFILL), n=3)]
    assert "landfill expansion" in labels, labels
    assert "city budget" in labels, labels


def test_a_phrase_cut_to_three_words_never_starts_inside_a_name(nlp: Language) -> None:
    doc = nlp(
        "The former National Security Council Ukraine expert testified on Tuesday about the call. "
        "Police said the Hong Kong protest leaders met on Monday."
    )
    assert {"National Security Council", "Hong Kong"} <= {e.text for e in doc.ents}  # the premise
    labels = [c.label.lower() for c in keyphrases.candidates(doc).values()]
    assert "ukraine expert" in labels and "protest leaders" in labels, labels
    assert not [label for label in labels if label.startswith(("council", "security", "kong"))], labels


def test_words_naming_what_happened_weigh_more_than_things(nlp: Language) -> None:
    """WordNet's act/event/state nouns ("impeachment") get TOPICAL_BOOST; concrete ones ("basket") not."""
    topical = keyphrases.topical_nouns()
    assert "impeachment" in topical and "slowdown" in topical
    assert "basket" not in topical and "senator" not in topical  # an artifact; a person
    doc = nlp("The impeachment vote came after the basket fell. The impeachment and the basket were news.")
    tk = keyphrases.tokens(doc)
    scores = keyphrases.salience_scores(tk)
    rare = dict(zip(tk.words, rarity.informativeness(tk.words).tolist(), strict=True))
    twice = 2**keyphrases.SALIENCE_COUNT_EXPONENT  # each word occurs twice
    assert scores["impeachment"] == pytest.approx(twice * rare["impeachment"] * (1 + keyphrases.TOPICAL_BOOST))
    assert scores["basket"] == pytest.approx(twice * rare["basket"])
