"""Person names the NER missed, recovered from evidence in the same story (hand-built parses).

The docs are built token by token with the parse and entity labels a small model might give,
so each test exercises one rule of `bot.analysis.person_names` whatever the model does.
"""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from bot.analysis.person_names import chains, person_names, relabel

VOCAB = spacy.blank("en").vocab


def build(spec: str) -> Doc:
    """Tokens as `word/POS/dep/head/ENT` separated by spaces; head is an absolute index
    ('-' for itself), ENT is an IOB tag such as B-PERSON or O; '_' in a word is a space-less join."""
    words, pos, deps, heads, ents, spaces = [], [], [], [], [], []
    for i, item in enumerate(spec.split()):
        word, p, dep, head, ent = item.rsplit("/", 4)
        glued = word.endswith("_")
        words.append(word.rstrip("_").replace("~", " "))
        spaces.append(not glued)
        pos.append(p)
        deps.append(dep)
        heads.append(i if head == "-" else int(head))
        ents.append(ent)
    lemmas = [w.lower() if w.lower() not in ("said", "says") else "say" for w in words]
    return Doc(VOCAB, words=words, spaces=spaces, pos=pos, deps=deps, heads=heads, ents=ents, lemmas=lemmas)


def labels(doc: Doc) -> dict[str, str]:
    return {e.text: e.label_ for e in relabel(doc)}


def test_surname_the_ner_tagged_once_labels_every_mention() -> None:
    # "Nino Niederreiter scored. Niederreiter has goals. Coach praised Niederreiter."
    doc = build(
        "Nino/PROPN/compound/1/B-GPE Niederreiter/PROPN/nsubj/2/I-GPE scored/VERB/ROOT/-/O ./PUNCT/punct/2/O "
        "Niederreiter/PROPN/nsubj/5/O has/VERB/ROOT/-/O goals/NOUN/dobj/5/O ./PUNCT/punct/5/O "
        "Coach/PROPN/nsubj/9/O praised/VERB/ROOT/-/O Niederreiter/PROPN/dobj/9/B-PERSON ./PUNCT/punct/9/O"
    )
    got = relabel(doc)
    assert [(e.text, e.label_) for e in got] == [
        ("Nino Niederreiter", "PERSON"),
        ("Niederreiter", "PERSON"),
        ("Niederreiter", "PERSON"),
    ]


def test_reporting_subject_with_she_is_a_person() -> None:
    # "Laurin said she was lucky." with no entity at all
    doc = build(
        "Laurin/PROPN/nsubj/1/O said/VERB/ROOT/-/O she/PRON/nsubj/3/O was/AUX/ccomp/1/O "
        "lucky/ADJ/acomp/3/O ./PUNCT/punct/1/O"
    )
    assert labels(doc) == {"Laurin": "PERSON"}


def test_reporting_subject_with_it_stays_unlabelled() -> None:
    # "Acme said it was ready." names a firm the NER missed, not a person
    doc = build(
        "Acme/PROPN/nsubj/1/O said/VERB/ROOT/-/O it/PRON/nsubj/3/O was/AUX/ccomp/1/O "
        "ready/ADJ/acomp/3/O ./PUNCT/punct/1/O"
    )
    assert labels(doc) == {}


def test_common_word_subject_is_not_a_name() -> None:
    # "Story continues she said" boilerplate: "story" appears in lower case too
    doc = build(
        "Story/PROPN/nsubj/1/O says/VERB/ROOT/-/O she/PRON/nsubj/3/O left/VERB/ccomp/1/O ./PUNCT/punct/1/O "
        "the/DET/det/6/O story/NOUN/nsubj/7/O ends/VERB/ROOT/-/O ./PUNCT/punct/7/O"
    )
    assert labels(doc) == {}


def test_word_the_story_mostly_uses_as_a_place_stays_a_place() -> None:
    # NER: Surrey PERSON once, GPE twice; "South Surrey" LOC must not become a person
    doc = build(
        "Surrey/PROPN/nsubj/1/B-PERSON grew/VERB/ROOT/-/O ./PUNCT/punct/1/O "
        "Surrey/PROPN/nsubj/4/B-GPE voted/VERB/ROOT/-/O in/ADP/prep/4/O Surrey/PROPN/pobj/5/B-GPE "
        "and/CCONJ/cc/4/O South/PROPN/compound/9/B-LOC Surrey/PROPN/conj/4/I-LOC ./PUNCT/punct/4/O"
    )
    got = labels(doc)
    assert got.get("South Surrey") == "LOC" and "GPE" in got.values()


def test_norp_surname_of_a_full_name_becomes_person_but_nationality_does_not() -> None:
    # "Guenther Schuh said. Schuh (NORP) expects. Canadian (NORP) firms"
    doc = build(
        "Guenther/PROPN/compound/1/B-PERSON Schuh/PROPN/nsubj/2/I-PERSON said/VERB/ROOT/-/O ./PUNCT/punct/2/O "
        "Schuh/PROPN/nsubj/5/B-NORP expects/VERB/ROOT/-/O Canadian/ADJ/amod/7/B-NORP firms/NOUN/dobj/5/O "
        "./PUNCT/punct/5/O"
    )
    got = [(e.text, e.label_) for e in relabel(doc)]
    assert ("Schuh", "PERSON") in got and ("Canadian", "NORP") in got


def test_gazetteer_organization_is_never_relabelled() -> None:
    doc = build(
        "Ford/PROPN/nsubj/1/B-PERSON said/VERB/ROOT/-/O he/PRON/nsubj/3/O agreed/VERB/ccomp/1/O ./PUNCT/punct/1/O "
        "Ford/PROPN/nsubj/6/B-ORG grew/VERB/ROOT/-/O ./PUNCT/punct/6/O"
    )
    ents = list(doc.ents)
    doc.ents = [ents[0], doc.char_span(ents[1].start_char, ents[1].end_char, label="ORG", span_id="Ford Motor Company")]
    assert [(e.text, e.label_) for e in relabel(doc)] == [("Ford", "PERSON"), ("Ford", "ORG")]


def test_hyphenated_name_part_is_not_a_name_alone_and_roles_are_cut() -> None:
    doc = build(
        "Jody/PROPN/compound/3/O Wilson_/PROPN/compound/3/O -_/PUNCT/punct/3/O Raybould/PROPN/nsubj/4/O "
        "met/VERB/ROOT/-/O Hereditary/PROPN/compound/7/O Chief/PROPN/compound/7/O Namoks/PROPN/dobj/4/O"
    )
    # both halves of "Wilson-Raybould" touch the hyphen: neither is a name on its own
    assert [c.words for c in chains(doc)] == [("Namoks",)]


def test_middle_initial_and_appositive_evidence() -> None:
    # "Harry J. Kazianis, a director at the centre, ..." : an indefinite person appositive
    doc = build(
        "Harry/PROPN/compound/2/O J./PROPN/compound/2/O Kazianis/PROPN/nsubj/9/O ,/PUNCT/punct/2/O "
        "a/DET/det/5/O director/NOUN/appos/2/O at/ADP/prep/5/O the/DET/det/8/O centre/NOUN/pobj/6/O "
        "spoke/VERB/ROOT/-/O"
    )
    assert person_names(doc, set(), chains(doc), doc.to_array("POS").tolist()) == {("Harry", "J.", "Kazianis"): 1}
    assert labels(doc) == {"Harry J. Kazianis": "PERSON"}
