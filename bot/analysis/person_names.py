"""Person names the small NER misses, recovered from evidence elsewhere in the same story.

News copy names a person in full once and by surname after ("Carole Laurin ... Laurin said
she"), and a name means the same thing throughout one story (one sense per discourse). So a
single confident sighting labels every other mention of that name: the NER tagged it PERSON
somewhere; it is the subject of a reporting verb with he/she after it, or a first and last
name reporting something; it is followed by ", who", an age ("Laurin, 57,") or "a <kind of
person>". A word the NER labels a place or firm more often than a person stays what it was.
The component runs after NER and before `newsbot_organizations`, so a recovered person is
never counted as an organization, and people and quotes see every mention.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from spacy.attrs import IS_LOWER, LOWER, POS
from spacy.language import Language
from spacy.parts_of_speech import PROPN
from spacy.tokens import Doc, Span, Token

from bot.analysis.people import HONORIFICS, non_person_heads, role_nouns, speech_verbs
from bot.analysis.pipes import DataPipe

COMPONENT = "newsbot_person_names"
PERSON = "PERSON"
# Labels the small model puts on person names it does not know ("Nino Niederreiter" as GPE,
# "Stanovaya" as FAC, "Schuh" as NORP); ORG only when no gazetteer entry backs it, NORP only
# for the surname of a full name in the story.
RELABEL = frozenset({"GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "LANGUAGE", "ORG", "NORP"})
# Labels so unlike a reporting subject that a sighting with one still counts as evidence.
RARE = frozenset({"FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "LANGUAGE"})
MAX_NAME_WORDS = 3  # first, middle, last: a longer capitalized run is a title or an org name
PRONOUN_REACH = 12  # tokens after "Laurin said" within which "she" shows the subject is a person
PLACE_VOTES = 2  # a word NER labels a place this often is never relabelled a person
_PERSONAL = frozenset({"he", "she", "his", "her"})


@dataclass(frozen=True, slots=True)
class Chain:
    """A run of capitalized proper nouns, minus role words before the name ("Chief Na'moks")."""

    start: int
    end: int
    words: tuple[str, ...]
    run_start: int  # where the capitalized run began, role words included


def _name_token(t: Token) -> bool:
    text = t.text
    return (
        t.pos_ == "PROPN" and text[:1].isupper() and not text.isupper() and len(text) > 1
        and text.replace("'", "").replace("’", "").replace("-", "").isalpha()
    )


def _inner(t: Token) -> bool:
    """A middle initial ("Harry J. Kazianis"), which only occurs between name words."""
    return len(t.text) == 2 and t.text[0].isupper() and t.text[1] == "."


def chains(doc: Doc, start: int = 0, end: int | None = None, pos: list[int] | None = None) -> list[Chain]:
    """Every maximal run of name tokens in doc[start:end], cut after its last role word or
    honorific (`pos`: the doc's POS ids, when the caller already has them)."""
    roles = role_nouns()
    out: list[Chain] = []
    n = len(doc) if end is None else end
    pos = doc.to_array(POS).tolist() if pos is None else pos  # a cheap filter: only proper nouns start a name
    i = start
    while i < n:
        if pos[i] != PROPN or not _name_token(doc[i]):
            i += 1
            continue
        j = i + 1
        while j < n and doc[j - 1].whitespace_ and doc[j].ent_iob_ != "B":
            if _name_token(doc[j]):
                j += 1
            elif _inner(doc[j]) and j + 1 < n and _name_token(doc[j + 1]) and doc[j].whitespace_:
                j += 2
            else:
                break
        if _glued(doc, i, j):  # "Wilson-Raybould": part of a hyphenated name, not a name alone
            i = j
            continue
        first = i
        for k in range(i, j - 1):
            low = doc[k].lower_.rstrip(".")
            if low in roles or low in HONORIFICS:
                first = k + 1
        if j - first <= MAX_NAME_WORDS:
            out.append(Chain(first, j, tuple(t.text for t in doc[first:j]), i))
        i = j
    return out


def _glued(doc: Doc, start: int, end: int) -> bool:
    before = doc[start - 1] if start else None
    after = doc[end] if end < len(doc) else None
    return (before is not None and not before.whitespace_ and before.text in "-'’") or (
        after is not None and not doc[end - 1].whitespace_ and after.text in "-'’"
    )


def _reports_as_person(doc: Doc, chain: Chain) -> bool | None:
    """Whether the name reports something as a person does: True when a he/she follows as the
    subject of what it reports ("Laurin said she was"), None for a first and last name without
    one ("Tatiana Stanovaya ... noted"), False otherwise."""
    head = doc[chain.end - 1]
    nxt = doc[chain.end] if chain.end < len(doc) else None
    if head.dep_ == "nsubj" and head.head.lemma_.lower() in speech_verbs():
        verb = head.head
    elif nxt is not None and nxt.pos_ == "VERB" and nxt.lemma_.lower() in speech_verbs():
        verb = nxt  # "McNeely said" that the parser did not make a subject
    else:
        return False
    stop = min(verb.sent.end, verb.i + PRONOUN_REACH)
    for t in doc[verb.i + 1:stop]:
        if "\n" in t.text:
            break
        if t.lower_ in _PERSONAL and t.dep_ in ("nsubj", "nsubjpass") and t.head.head.i == verb.i:
            return True  # the clause the verb reports has he/she as its subject
    return None if len(chain.words) >= 2 else False


def _described_as_person(doc: Doc, chain: Chain) -> bool:
    """"Espinos, who …", "Laurin, 57, …" or "Yuni, a resident of Lampung": a relative "who",
    an age or an indefinite appositive naming a kind of person after a comma."""
    if chain.end + 1 >= len(doc) or doc[chain.end].text != ",":
        return False
    nxt = doc[chain.end + 1]
    if nxt.lower_ == "who":
        return True
    for child in doc[chain.end - 1].children:
        kind = child.dep_ == "appos" and child.i > chain.end and child.lemma_.lower() in role_nouns()
        if kind and any(d.dep_ == "det" and d.lower_ in ("a", "an") for d in child.children):
            return True
    return nxt.like_num and chain.end + 2 < len(doc) and doc[chain.end + 2].text == ","


def person_names(doc: Doc, common: set[str], runs: list[Chain], pos: list[int]) -> Counter[tuple[str, ...]]:
    """Names (word tuples) this story gives evidence are people's, with the number of sightings
    (`common`: the words the story writes in lower case; `runs`: `chains(doc)`; `pos`: POS ids)."""
    heads = non_person_heads()
    found: Counter[tuple[str, ...]] = Counter()
    for ent in doc.ents:
        if ent.label_ == PERSON:
            found.update(c.words for c in chains(doc, ent.start, ent.end, pos))
    for c in runs:
        if c.words[-1] in heads or (len(c.words) == 1 and c.words[0].lower() in common):
            continue  # "Studiocomix Press"; "Story" that the story also writes as "story"
        label = doc[c.end - 1].ent_type_
        reports = _reports_as_person(doc, c)
        confirmed = reports and label != "NORP"  # "Chief Na'moks said he": NER's ORG cannot say "he"
        described = (reports is None or _described_as_person(doc, c)) and (not label or label in RARE)
        if confirmed or described:
            found[c.words] += 1
    return found


def _is_person(
    words: tuple[str, ...], names: Counter[tuple[str, ...]], surnames: set[str], common: set[str]
) -> bool:
    """A name with evidence, its surname alone, or the surname after a word that is not an
    ordinary one of the story's ("Nino Niederreiter", not "Safe Surrey")."""
    if words in names:
        return True
    if len(words) == 1:
        return words[0] in surnames
    return len(words) == 2 and words[-1] in surnames and words[0].lower() not in common


def label_votes(doc: Doc, names: Counter[tuple[str, ...]]) -> dict[str, Counter[str]]:
    """How often each capitalized word was labelled what: by NER, and PERSON by the evidence
    above. A word the story mostly uses as a place ("Surrey", tagged PERSON once) stays one."""
    votes: dict[str, Counter[str]] = {}
    for ent in doc.ents:
        for t in ent:
            if t.text[:1].isupper() and ent.label_ not in (PERSON, "NORP"):  # NORP is no place or firm
                votes.setdefault(t.text, Counter())[ent.label_] += 1
    for words, n in names.items():
        for w in words:
            votes.setdefault(w, Counter())[PERSON] += n
    return votes


def relabel(doc: Doc) -> list[Span]:
    """`doc.ents` with every mention of a person name labelled PERSON."""
    lower = doc.to_array([LOWER, IS_LOWER])
    common = {doc.vocab.strings[h] for h in set(lower[lower[:, 1] == 1, 0].tolist())}
    pos = doc.to_array(POS).tolist()
    runs = chains(doc, pos=pos)
    names = person_names(doc, common, runs, pos)
    surnames = {w[-1] for w in names}
    full_surnames = {w[-1] for w in names if len(w) >= 2}
    votes = label_votes(doc, names)
    ents = list(doc.ents)
    owner = {i: e for e in ents for i in range(e.start, e.end)}
    drop: set[tuple[int, int]] = set()
    add: list[Span] = []
    for c in runs:
        if not _is_person(c.words, names, surnames, common):
            continue
        over = {(e.start, e.end): e for i in range(c.start, c.end) if (e := owner.get(i)) is not None}
        if any(e.label_ == PERSON for e in over.values()):
            continue
        if any(e.start < c.run_start or e.end > c.end for e in over.values()):
            continue  # the name is part of a longer entity ("City of Surrey")
        if any(e.label_ not in RELABEL or (e.label_ == "ORG" and e.ent_id_) for e in over.values()):
            continue  # a date, a gazetteer organization
        if any(e.label_ == "NORP" for e in over.values()) and (
            c.words[-1] not in full_surnames or any(t.pos_ != "PROPN" for t in doc[c.start:c.end])
        ):
            continue  # "Canadian", "Liberals": NORP proper, unless a full name ends with it
        vote = votes.get(c.words[-1], Counter())
        if vote.total() - vote[PERSON] > vote[PERSON]:
            continue  # the story uses this name for places or firms more often
        if vote["GPE"] + vote["LOC"] >= PLACE_VOTES:
            continue  # NER calls it a place again and again ("Surrey"): too ambiguous to spread
        drop.update(over)
        add.append(Span(doc, c.start, c.end, label=PERSON))
    kept = [e for e in ents if (e.start, e.end) not in drop]
    return sorted(kept + add, key=lambda e: e.start)


class PersonNames(DataPipe):
    """Person names the NER missed; the people word lists are its data."""

    name = COMPONENT

    def load(self, nlp: Language) -> None:
        for loader in (non_person_heads, role_nouns, speech_verbs):
            loader()

    def process(self, doc: Doc) -> Doc:
        doc.ents = relabel(doc)
        return doc


@Language.factory(COMPONENT, requires=["doc.ents"], assigns=["doc.ents"])
def make_person_names(nlp: Language, name: str) -> PersonNames:
    return PersonNames()
