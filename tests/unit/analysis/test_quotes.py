"""Hard cases of quote finding and attribution, on small paragraphs written for these tests."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.analysis.nlp import load_nlp
from bot.analysis.quotes_spans import find_spans
from bot.config import load_settings
from bot.models import Quote


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp(load_settings().spacy_model)


def quotes(nlp: Language, *paras: str) -> list[Quote]:
    return list(nlp("\n\n".join(paras))._.quotes)


def test_spans_curly_straight_nested_and_apostrophes() -> None:
    text = "He said “it’s the nation’s ‘best’ plan.” Then \"we're done,\" she said."
    got = [text[s.start:s.end] for s in find_spans(text)]
    assert got == ["it’s the nation’s ‘best’ plan.", "we're done,"]


def test_a_straight_mark_that_can_only_close_opens_nothing() -> None:
    # the first paragraph's quotation runs on without a mark; the stray closing mark after
    # "veterans," must not open a quotation over the narration that follows it
    text = (
        '"Family may be included at the discretion of the decision-maker\n\n'
        'based on the advice of the clinicians and the veterans," said Nicholson in an email.\n\n'
        'She said: "We include families."'
    )
    got = [text[s.start:s.end] for s in find_spans(text)]
    assert got == ["Family may be included at the discretion of the decision-maker", "We include families."]
    text = 'He added:" Families come first."'  # after a colon a mark opens, even before a space
    assert [text[s.start:s.end] for s in find_spans(text)] == ["Families come first."]


def test_spans_multi_paragraph_quote() -> None:
    text = "“First part of the statement goes on.\n\n“Second part ends here,” she said."
    spans = find_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["First part of the statement goes on.", "Second part ends here,"]
    assert spans[0].unclosed and spans[1].continues


def test_split_quote_pronoun_and_surname_resolve_to_full_name(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Maria Gonzalez, director of the city water department, spoke on Monday.",
        "“The pipes are old,” she said. “We will replace all of them by next year.”",
        "“Nobody will lose water service during the work,” Gonzalez added.",
    )
    assert [q.speaker for q in qs] == ["Maria Gonzalez"] * 3
    assert qs[2].speaker_title == "director of the city water department"


def test_colon_via_email_and_according_to(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Peter Hall, a professor of economics at Leeds University, said via email: “Prices will keep rising.”",
        "According to Sarah Chen, “the market has not yet bottomed out.”",
    )
    assert [(q.text, q.speaker) for q in qs] == [
        ("Prices will keep rising.", "Peter Hall"),
        ("the market has not yet bottomed out.", "Sarah Chen"),
    ]


@pytest.mark.parametrize(
    ("paras", "expected"),
    [
        (
            ("Tom Becker runs the local bakery.",
             "Becker said the new rent was “a burden that no small shop can carry for long.”"),
            ("a burden that no small shop can carry for long.", "Tom Becker"),
        ),
        # a few lower-case words a named source said (the newsroom set's partial quotes)
        (
            ("Mayor Ellen Park spoke to reporters at city hall on Monday.",
             "Park said the stadium deal was “a costly mistake” and would be reviewed."),
            ("a costly mistake", "Ellen Park"),
        ),
    ],
)
def test_partial_quote_in_paraphrase_is_kept(nlp: Language, paras: tuple[str, ...], expected: tuple[str, str]) -> None:
    assert [(q.text, q.speaker) for q in quotes(nlp, *paras)] == [expected]


def test_under_a_reporting_verb_its_subject_speaks_not_the_subject_of_the_quoted_clause(nlp: Language) -> None:
    # "the authority's claim" is the subject of the clause the fragment ends; the refugee says it
    qs = quotes(
        nlp,
        "A refugee who asked not to be named said that the Quillon Water Authority's claim is "
        "“absolutely not true.”",
    )
    assert [(q.text, q.speaker) for q in qs] == [("absolutely not true.", "A refugee")]
    # a fragment only a non-reporting verb governs stays a term
    assert quotes(nlp, "On their second date, Anna Kowal decided to drop “the bomb.”") == []


def test_continuation_paragraph_inherits_speaker(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "“We expected a quiet season,” said coach Anna Berg.",
        "“Instead we won eleven games in a row and sold out the stadium twice.”",
    )
    assert [q.speaker for q in qs] == ["Anna Berg", "Anna Berg"]


@pytest.mark.parametrize("verb", ["warned", "told reporters", "wrote", "noted", "explained"])
def test_reporting_verbs_beyond_said(nlp: Language, verb: str) -> None:
    qs = quotes(nlp, f"“The bridge is not safe for heavy trucks,” Lucas Ortiz {verb}.")
    assert [q.speaker for q in qs] == ["Lucas Ortiz"]


def test_organization_as_speaker(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Shares of Northwind Airlines fell on Friday.",
        "“We regret the delays and are refunding every affected passenger,” the company said in a statement.",
    )
    assert len(qs) == 1 and qs[0].speaker == "Northwind Airlines"


def test_scare_quotes_and_titles_are_not_quotes(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Critics called the plan a “giveaway” to developers.",
        "She reread “The Old Man and the Sea” over the summer.",
    )
    assert qs == []


def test_key_quotes_and_scores(nlp: Language) -> None:
    paras = [
        f"“{subject} will change how the whole region plans its budget for years to come,” {name} said."
        for subject, name in [
            ("The new tax", "Ruth Adler"), ("This decision", "Omar Said"), ("The vote", "Lena Park"),
            ("The ruling", "Ivan Petrov"), ("The merger", "Grace Obi"), ("The storm", "Kai Tanaka"),
        ]
    ]
    qs = quotes(nlp, *paras)
    assert len(qs) == 6 and all(q.score > 0 for q in qs)
    assert 3 <= sum(q.key for q in qs) <= 5


def test_pronoun_skips_a_nearer_person_of_the_other_gender(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Rebecca Stone, a nurse at the county hospital, has worked nights for ten years.",
        "Stone said she began after her father, Michael Stone Sr., fell ill, and after meeting Daniel Ortiz.",
        "“Nights are quiet, but they are never easy for anyone on the ward,” she said.",
    )
    assert [q.speaker for q in qs] == ["Rebecca Stone"]


def test_pronoun_prefers_the_recent_subject_over_a_person_in_an_object(nlp: Language) -> None:
    """Same gender, so only the grammar tells: "he" continues the subject, not the man he met."""
    qs = quotes(
        nlp,
        "Thomas Reed coaches the under-12 team in Halifax.",
        "Reed said he changed his mind about the sport after a long talk with his neighbour, Paul Martin.",
        "“I realized the kids just want to play,” he said.",
    )
    assert [q.speaker for q in qs] == ["Thomas Reed"]


def test_pronoun_after_a_clause_with_the_same_pronoun_skips_the_name_inside_it(nlp: Language) -> None:
    """ "Asked what he would tell X, he said": both "he" are the earlier man, not X."""
    qs = quotes(
        nlp,
        "The city has offered a shelter bed to Gordon Blake, who lives in a tent by the river.",
        "Asked what he would tell Mayor Robert Lang about the camp, he said: “Come and see it for yourself.”",
    )
    assert [q.speaker for q in qs] == ["Gordon Blake"]


def test_pronoun_gender_from_name_said_she(nlp: Language) -> None:
    """An unlisted first name: "Okonkwo said she" tells the gender, so "she" skips Mark Hill."""
    qs = quotes(
        nlp,
        "Adaeze Okonkwo runs the food bank on Main Street. Okonkwo said she opened it in 2015.",
        "The bank now serves twice as many families, according to board chair Mark Hill.",
        "“Every week we see new faces at the door,” she said.",
    )
    assert [q.speaker for q in qs] == ["Adaeze Okonkwo"]


def test_floating_quote_follows_the_person_narrated_just_before_it(nlp: Language) -> None:
    """Not the previous quote's speaker: the subject of the narration in between."""
    qs = quotes(
        nlp,
        "Maria Lopez coaches the under-12 team. “We practise twice a week, rain or shine,” Lopez said.",
        "Her assistant, Peter Grant, says the season starts in May.",
        "“The kids have been waiting all winter for this and they are ready.”",
    )
    assert [q.speaker for q in qs] == ["Maria Lopez", "Peter Grant"]


def test_scare_quote_in_the_narration_does_not_hide_its_subject(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "“We stayed calm the whole night,” said Mary Olsen, a camp resident.",
        "Commander Eric Stubbs said the situation was “tense” and that his officers had to be ready.",
        "“We had a plan for every outcome.”",
    )
    # "tense" is what Stubbs said, a partial quote (the newsroom set's convention), and the
    # floating quote after it is still his, not Mary Olsen's.
    assert [(q.text, q.speaker) for q in qs] == [
        ("We stayed calm the whole night,", "Mary Olsen"),
        ("tense", "Eric Stubbs"),
        ("We had a plan for every outcome.", "Eric Stubbs"),
    ]


def test_statement_is_attributed_to_its_author(nlp: Language) -> None:
    """"Her statement said", "a statement from X said": the author speaks, not the last org."""
    qs = quotes(
        nlp,
        "Health Minister Laura Chen met staff at Mercy General Hospital on Friday.",
        "“We will hire two hundred nurses this year,” her statement said.",
        "A statement from the Canadian Medical Association said: “Two hundred is not nearly enough.”",
    )
    assert [q.speaker for q in qs] == ["Laura Chen", "Canadian Medical Association"]


def test_floating_quote_ignores_organizations_in_the_narration(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "“Rents have doubled in five years,” said tenant organizer Grace Mensah.",
        "The Harbour Housing Trust owns most of the buildings on the street.",
        "“Nobody here can afford another increase like the last one.”",
    )
    assert [q.speaker for q in qs] == ["Grace Mensah", "Grace Mensah"]


def test_definite_description_resolves_by_title(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Laura Bennett, a professor of engineering at Queen's University, studied the bridge.",
        "Inspector Tom Walsh of the city police closed it on Friday.",
        "“The steel has corroded far beyond what the drawings allow,” the professor said.",
    )
    assert [q.speaker for q in qs] == ["Laura Bennett"]


def test_place_the_ner_calls_a_person_is_no_antecedent(nlp: Language) -> None:
    """"Surrey" (tagged PERSON here, GPE in "the City of Surrey") neither catches "she" nor
    replaces the speaker phrase "Surrey staff"."""
    qs = quotes(
        nlp,
        "Moyra Baxter chairs the school board. She compared Rutland with Surrey, where the City of "
        "Surrey uses 300 portables.",
        "“We need more schools,” she said.",
        "Surrey staff explained the numbers this way: “There are many reasons why the numbers appear low.”",
    )
    assert [q.speaker for q in qs] == ["Moyra Baxter", "Surrey staff"]


def test_attribution_does_not_cross_a_paragraph_break(nlp: Language) -> None:
    """The parser ran the quote's sentence into the "READ MORE" line; its verb is not the quote's."""
    qs = quotes(
        nlp,
        "“The station was seven minutes away,” said Terry Chapman of the paramedics’ union.",
        "“Who knows if they would have lived if one had been there in seven minutes.”",
        "READ MORE: Nova Scotia says emergency departments close more often",
    )
    assert [q.speaker for q in qs] == ["Terry Chapman", "Terry Chapman"]


def test_hyphenated_and_longer_names(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Jody Wilson-Raybould introduced the law in 2016.",
        "“We are not changing it,” Wilson-Raybould said in November.",
        "“The numbers are clear,” said the institute’s Azfar Ali Khan. Later, Ali Khan added that “it is not over.”",
    )
    assert [q.speaker for q in qs] == ["Jody Wilson-Raybould", "Azfar Ali Khan", "Azfar Ali Khan"]


def test_attribution_in_the_sentence_after_the_closing_mark(nlp: Language) -> None:
    """The parser starts a new sentence after “…?” and makes "mentioned" a modifier of the name."""
    qs = quotes(
        nlp,
        "Every analyst expects a deal. \"But with the Fed having delivered, does he really need that easy deal?\" "
        "Michael Every, a senior strategist for Rabobank, said in a commentary.",
        "“EDC had the largest insurance claim in its history,” Pierre Gignac, EDC’s then-chief risk officer, "
        "mentioned in a 2013 commentary.",
    )
    assert [q.speaker for q in qs] == ["Michael Every", "Pierre Gignac"]


def test_group_speaker_keeps_its_of_phrase(nlp: Language) -> None:
    qs = quotes(nlp, "“We were never consulted about any of this,” said another member of the public.")
    assert [q.speaker for q in qs] == ["another member of the public"]


def test_speaker_scoring_ignores_a_leading_the() -> None:
    from bot.evaluate.quotes import same_speaker

    assert same_speaker("U.S. State Department", "The U.S. State Department")
    assert same_speaker("Trudeau", "Justin Trudeau")
    assert not same_speaker("the", "The Kelowna Rockets")
    assert not same_speaker("State Department", "The U.S. State Department")


def test_person_just_before_said_speaks_when_the_parse_has_no_subject() -> None:
    """The small parser tags "DeBoer" in "…,” DeBoer said" as an auxiliary: no nsubj arc."""
    from spacy.tokens import Doc

    from bot.analysis.people import People
    from bot.analysis.speakers import Attributor

    words = ["“", "We", "won", ",", "”", "DeBoer", "said", "."]
    doc = Doc(
        Language().vocab, words=words,
        pos="PUNCT PRON VERB PUNCT PUNCT AUX VERB PUNCT".split(),
        deps="punct nsubj ccomp punct punct aux ROOT punct".split(),
        heads=[2, 2, 6, 6, 6, 6, 6, 6],
        lemmas=["“", "we", "win", ",", "”", "DeBoer", "say", "."],
        ents=["O"] * 5 + ["B-PERSON", "O", "O"],
    )
    in_quote = [True] * 5 + [False] * 3
    speaker, _ = Attributor(doc, People(doc, set(), in_quote), [], in_quote).attribute(doc[0:5], 0, None, False)
    assert (speaker.name, speaker.kind, speaker.via) == ("DeBoer", "person", "after")


def test_kind_of_body_resolves_to_the_organization_of_that_kind(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "The Ontario Civilian Police Commission appointed an administrator for the board on Monday.",
        "“Effective police services are essential to public safety,” the commission said.",
    )
    assert [q.speaker for q in qs] == ["Ontario Civilian Police Commission"]


def test_they_after_two_named_people_is_both(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "In an emailed statement, the cafe's owners Tore Sohlberg and Lehla Abreder said they respected the vote.",
        "“Our priority is a respectful and healthy workplace,” they said.",
    )
    assert [q.speaker for q in qs] == ["Tore Sohlberg and Lehla Abreder"]


def test_it_is_the_organization_that_was_the_subject(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Export Development Canada declined to answer questions about the Suncor policy.",
        "“We respect the confidentiality of our policy holders,” it said in a statement.",
    )
    assert [q.speaker for q in qs] == ["Export Development Canada"]


def test_epithet_after_a_quote_is_the_person_just_named(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Senate Majority Leader Mitch McConnell blamed activists for the attacks on the students.",
        "“Activists isolated a few seconds of video from any context,” the Kentucky Republican said.",
    )
    assert [q.speaker for q in qs] == ["Mitch McConnell"]


def test_epithet_by_a_word_wordnet_files_as_a_person(nlp: Language) -> None:
    # "maverick" has no person-like ending; WordNet's first sense of it is a person
    qs = quotes(
        nlp,
        "Cartoonist Andre Tolliver draws every page by hand. Tolliver has cerebral palsy, which makes drawing slow.",
        "“There are few disabled heroes in comics,” says the bow-tied maverick.",
    )
    assert [q.speaker for q in qs] == ["Andre Tolliver"]


def test_name_used_as_a_modifier_is_no_antecedent(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Darian Lonechild is planning a national youth summit on climate change.",
        "The youth council stated in July it opposed the Kinder Morgan pipeline.",
        "“As young people we understand that this land is who we are,” she said.",
    )
    assert [q.speaker for q in qs] == ["Darian Lonechild"]


def test_role_before_a_name_resolves_the_role_and_is_not_part_of_it(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Surrey Mayor Doug McCallum spoke at city hall on Tuesday about the new rink.",
        "“We have had a declining use of ice for hockey,” the mayor told reporters.",
        "Justice Sean Dunphy ruled against the station on Friday.",
        "“This has degenerated into an acrimonious fight,” he wrote in his decision.",
    )
    assert [q.speaker for q in qs] == ["Doug McCallum", "Sean Dunphy"]


def test_unnamed_speaker_description_ends_at_its_comma(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Another member of the public, whose name is redacted, wrote: “I can only imagine the harm this does.”",
    )
    assert [q.speaker for q in qs] == ["Another member of the public"]


def test_floating_quote_skips_groups_and_asides_in_the_narration(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "“We have had tremendous success as a nation,” said Adam Hadwin, who has won on the PGA Tour. "
        "Ben Silverman and Anna Svensson have also won on the Web.com Tour the last two years.",
        "“We are all proud to represent Canada when we play.”",
        "Councillor Josh Matlow said all three governments should work together, despite Premier Doug Ford "
        "rolling back rent control.",
        "“I think that is something we need to fight for, no matter who the premier is.”",
    )
    assert [q.speaker for q in qs] == ["Adam Hadwin", "Adam Hadwin", "Josh Matlow"]


def test_short_quote_with_a_reporting_verb_is_kept_when_she_finds_nobody(nlp: Language) -> None:
    qs = quotes(nlp, "The band arrived late on Friday.", "“Hi there, friends,” she said.")
    assert [q.text for q in qs] == ["Hi there, friends,"]


def test_capitalized_short_runs_and_unattributed_fragments_stay_out(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Mayor Ellen Park spoke to reporters at city hall on Monday.",
        "Park said the trio, known as the “Three Amigos” around city hall, would lead the talks.",
        "The plan set up a “buffer zone” near the river.",
    )
    assert qs == []


def test_a_title_cased_name_is_no_quote_even_with_a_closing_comma(nlp: Language) -> None:
    # American style puts the comma inside the marks; the title case still says "a name".
    qs = quotes(
        nlp,
        "Mayor Ellen Park called the three councillors the “Three Amigos,” and she laughed.",
        "Park said she watched “Dancing with the Stars.”",
        "“Amazing,” Park said.",
    )
    assert [q.text for q in qs] == ["Amazing,"]


def test_the_rule_that_named_the_speaker_is_recorded(nlp: Language) -> None:
    """Each reading of the verb's subject is a named rule (SubjectNamer.NAME_RULES); the winner is kept."""
    from bot.analysis.people import People
    from bot.analysis.quotes import org_table
    from bot.analysis.speakers import Attributor

    text = (
        "Maria Oduya, the mayor of Tillford, spoke on Monday. “We will rebuild,” she said.\n\n"
        "The Quillon Water Authority raised its rates. “Costs have doubled,” the authority said.\n\n"
        "“It was a long night,” the mayor said."
    )
    doc = nlp(text)
    in_quote = [False] * len(doc)
    spans = []
    for sp in find_spans(text):
        span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
        assert span is not None
        for i in range(span.start, span.end):
            in_quote[i] = True
        spans.append(span)
    orgs = org_table(doc)
    attributor = Attributor(doc, People(doc, {n for _, names in orgs for n in names}, in_quote), orgs, in_quote)
    found = [attributor.attribute(span, 0, None, False)[0] for span in spans]
    assert [(s.name, s.rule) for s in found] == [
        ("Maria Oduya", "personal_pronoun"),  # "she"
        ("Quillon Water Authority", "org_description"),  # "the authority": the one of that kind
        ("Maria Oduya", "described_person"),  # "the mayor": named before with that role
    ]


LABEL_STORY = (
    "The label that owns most of her music, Big Tessel, says she will be allowed to perform.",
    "Big Tessel added that the songs were licensed.",
    "“At no point did we say she could not perform,” it said.",
)


def test_it_is_an_organization_the_decision_kept_whatever_ner_labelled_it(nlp: Language) -> None:
    # the model labels "Big Tessel" PERSON; the apposition to "label" makes it an organization,
    # and "it" refers back to organizations as decided, not to NER's ORG label
    doc = nlp("\n\n".join(LABEL_STORY))
    assert {e.label_ for e in doc.ents if e.text == "Big Tessel"} == {"PERSON"}
    assert [o.name for o in doc._.organizations] == ["Big Tessel"]
    assert [q.speaker for q in doc._.quotes] == ["Big Tessel"]


def test_an_organization_modifying_a_person_noun_is_not_the_speaker(nlp: Language) -> None:
    qs = quotes(
        nlp,
        "Brightwater Records posted the notice on Monday.",
        "“We will not block the show,” a Brightwater Records commenter wrote.",
        "“We will not block the show,” a Brightwater Records spokesperson said.",
    )
    assert [q.speaker for q in qs] == ["a Brightwater Records commenter", "Brightwater Records"]
