"""Source kinds and the sources ledger: the decision's evidence, and the ledger's arithmetic
on quotes whose kinds were set by hand."""

from __future__ import annotations

from bot import ledger
from bot.analysis.source_kinds import classify, org_kind, quote_kind
from bot.evaluate.sources import SAMPLE, predict
from bot.models import Organization, Quote


def test_the_head_of_a_name_outweighs_its_other_words() -> None:
    assert org_kind("University of York").kind == "academic"
    assert org_kind("Indiana State Teachers Association").kind == "advocacy"  # not "state"
    assert org_kind("Ministry of Health").kind == "government"
    assert org_kind("Zyxwv").kind == "other" and org_kind("Zyxwv").via == "no evidence"


def test_a_quote_takes_the_kind_of_who_speaks() -> None:
    orgs = [Organization("Acme Corp", kind="company"), Organization("University of Leeds", kind="academic")]
    nobody, org = quote_kind(None, None, orgs)
    assert (nobody.kind, org) == ("unnamed", None)
    assert quote_kind("federal prosecutors", None, orgs)[0].kind == "unnamed"  # a description, no name
    as_org = quote_kind("Acme Corp", None, orgs)
    assert as_org[0].kind == "company" and as_org[1] == "Acme Corp"
    professor = quote_kind("Ann Lee", "professor of history at the University of Leeds", orgs)
    assert professor[0].kind == "academic" and professor[1] == "University of Leeds"
    senator = quote_kind("Bo Park", "Senator", orgs)
    assert senator == (senator[0], None) and senator[0].kind == "government" and "senator" in senator[0].via


def test_classify_sets_kinds_on_the_analysis_dataclasses() -> None:
    quotes, orgs = classify([Quote("We grew.", "Ann Lee", "CEO of Acme Corp")], [Organization("Acme Corp")])
    assert orgs[0].kind == "company"  # "corp": a company by its name
    assert (quotes[0].source_kind, quotes[0].source_org) == ("company", "Acme Corp")


def test_the_labelled_sample_is_whole_and_scored() -> None:
    rows = [line for line in SAMPLE.read_text(encoding="utf8").splitlines() if line.strip()]
    assert len(rows) == 309  # 230 organizations + 79 titled speakers of the newsroom set
    kind, why = predict({"speaker": "Ann Lee", "title": "coach", "story_orgs": []})
    assert kind == "sports" and why == "title: coach"


def test_the_ledger_counts_people_organizations_and_kinds() -> None:
    q = Quote
    quoted = [
        (1, q("a", "Ann Lee", "CEO of Acme", source_kind="company", source_org="Acme")),
        (1, q("b", "Ann Lee", "CEO of Acme", source_kind="company", source_org="Acme")),
        (2, q("c", "Ann Lee", "CEO of Acme", source_kind="company", source_org="Acme")),
        (2, q("d", "Save Rivers", None, source_kind="advocacy", source_org="Save Rivers")),
        (3, q("e", None, None)),  # stored before kinds: no speaker, so unnamed
    ]
    led = ledger.build(quoted, stories=3)
    assert (led.stories, led.quotes) == (3, 5)
    assert [(v.name, v.quotes, len(v.stories)) for v in led.people] == [("Ann Lee", 3, 2)]
    assert [v.name for v in led.repeat_voices] == ["Ann Lee"]
    assert led.organizations == [("Acme", "company", 3), ("Save Rivers", "advocacy", 1)]
    assert led.kinds == [("company", 0.6), ("advocacy", 0.2), ("unnamed", 0.2)]
    assert ledger.voices_line(led) == (
        "Voices: 5 quotes from 1 person, 2 organizations; company 60 %, advocacy/NGO 20 %"
    )
    assert ledger.voices_line(ledger.build([], stories=2)) is None
