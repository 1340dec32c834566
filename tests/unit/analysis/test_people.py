"""People: full names, surname-only mentions, titles and the quoted flag."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.analysis.nlp import load_nlp
from bot.config import load_settings


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp(load_settings().spacy_model)


def test_surname_mentions_count_toward_full_name_and_title(nlp: Language) -> None:
    doc = nlp(
        "Helen Walsh, chief executive of Harbor Foods, spoke to staff.\n\n"
        "Walsh said the plant would stay open. “We are not leaving this town,” Walsh said."
    )
    people = {p.name: p for p in doc._.people}
    assert "Helen Walsh" in people and "Walsh" not in people
    assert people["Helen Walsh"].mentions == 3
    assert people["Helen Walsh"].title == "chief executive of Harbor Foods"
    assert people["Helen Walsh"].quoted


def test_unquoted_person_is_not_flagged_quoted(nlp: Language) -> None:
    doc = nlp("Mayor John Carter opened the new library on Monday. “It is beautiful,” said Amy Lee.")
    people = {p.name: p for p in doc._.people}
    assert people["Amy Lee"].quoted
    assert not people.get("John Carter", people.get("Mayor John Carter")).quoted  # type: ignore[union-attr]


def test_first_name_and_honorific_genders(nlp: Language) -> None:
    from bot.analysis.people import People, first_name_genders

    genders = first_name_genders()
    assert genders["margaret"] == "f" and genders["thomas"] == "m"
    assert "jordan" not in genders  # used by both: says nothing
    doc = nlp(
        "Margaret Liu chairs the board. Adebayo Kowalczyk joined it in May.\n\n"
        "Mr. Kowalczyk voted against the budget."
    )
    records = People(doc, set()).records
    assert records["Margaret Liu"].gender == "f"
    assert records["Adebayo Kowalczyk"].gender == "m"  # from "Mr." on a later mention


def test_role_words_are_not_part_of_names() -> None:
    from bot.analysis.people import strip_roles

    assert strip_roles(["Organizer", "Dwayne", "Croteau"]) == ["Dwayne", "Croteau"]
    assert strip_roles(["Toronto", "Mayor", "John", "Tory"]) == ["John", "Tory"]
    assert strip_roles(["Yellowhead", "MP"]) == []  # a riding and a role: no name at all
    assert strip_roles(["Anne", "Marie", "Cerato"]) == ["Anne", "Marie", "Cerato"]


def test_name_split_at_paragraph_and_shorter_forms_join_the_longer(nlp: Language) -> None:
    doc = nlp(
        "Ottawa's new plan was praised by Justin Trudeau\n\nTrudeau urged people to vote.\n\n"
        "Fouzia Al Hashish came to Canada in 2016.\n\nAl Hashish found work quickly."
    )
    names = {p.name for p in doc._.people}
    assert "Justin Trudeau" in names and "Justin Trudeau Trudeau" not in names
    assert "Fouzia Al Hashish" in names and "Al Hashish" not in names


def test_doubtful_people() -> None:
    """Places and venues the NER calls people are doubtful; a first name or honorific wins."""
    from spacy.tokens import Doc

    from bot.analysis.people import People

    words = ["The", "City", "of", "Surrey", "met", "Jordan", "Lee", "and", "Studiocomix", "Press", "."]
    doc = Doc(Language().vocab, words=words, ents=["B-GPE", "I-GPE", "I-GPE", "I-GPE"] + ["O"] * 7)
    people = People(doc, set())
    assert people.doubtful("Surrey") and people.doubtful("Studiocomix Press") and people.doubtful("LRT")
    assert not people.doubtful("Brian Surrey")  # a known first name
    assert not people.doubtful("Jordan Lee") and not people.doubtful("Lee")


def test_province_after_a_town_is_no_person() -> None:
    """"Oakville, Ont.": a one-word PERSON right after "<place>," is a province, not a person."""
    from spacy.tokens import Doc

    from bot.analysis.people import People

    words = ["He", "lives", "in", "Oakville", ",", "Ont", ".", "Tom", "Hale", ",", "Ont", "said", "."]
    ents = ["O", "O", "O", "B-GPE", "O", "B-PERSON", "O", "B-PERSON", "I-PERSON", "O", "O", "O", "O"]
    people = People(Doc(Language().vocab, words=words, ents=ents), set())
    assert "Ont" not in people.records and people.doubtful("Ont")
    assert "Tom Hale" in people.records  # a name after a comma but after no place stays a person


def test_name_before_said_counts_as_subject_despite_the_parse() -> None:
    """"Hale said" is Hale speaking even where the parser calls Hale an object, so "he"
    after it is Hale, not the earlier subject Paul Lee."""
    from spacy.tokens import Doc

    from bot.analysis.people import People

    words = ["Paul", "Lee", "met", "Tom", "Hale", ".", "Hale", "said", "it", ".", "He", "left", "."]
    pos = "PROPN PROPN VERB PROPN PROPN PUNCT PROPN VERB PRON PUNCT PRON VERB PUNCT".split()
    deps = "compound nsubj ROOT compound dobj punct pobj ROOT dobj punct nsubj ROOT punct".split()
    heads = [1, 2, 2, 4, 2, 2, 7, 7, 7, 7, 11, 11, 11]
    lemmas = ["Paul", "Lee", "meet", "Tom", "Hale", ".", "Hale", "say", "it", ".", "he", "leave", "."]
    ents = ["B-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON", "O", "B-PERSON"] + ["O"] * 6
    doc = Doc(Language().vocab, words=words, pos=pos, deps=deps, heads=heads, lemmas=lemmas, ents=ents)
    assert People(doc, set()).pronoun_antecedent(10, "he") == "Tom Hale"


def test_words_after_a_comma_with_no_job_in_them_are_no_title(nlp: Language) -> None:
    doc = nlp(
        "The president pressed his lawyer, Rudy Giuliani, to investigate the company.\n\n"
        "Helen Walsh, chief executive of Harbor Foods, said nothing."
    )
    people = {p.name: p for p in doc._.people}
    assert "Rudy Giuliani" in people and people["Rudy Giuliani"].title is None
    assert people["Helen Walsh"].title == "chief executive of Harbor Foods"
