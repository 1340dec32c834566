"""People named in a story: full names, surname-only mentions, titles from appositives.

Built once per document from the NER's PERSON entities (one pass, no re-parsing). A surname
or first name alone resolves to the full name mentioned nearest before it (else the first one
after), which is how news copy refers back to people ("Brian Doty ... Doty said").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from spacy.tokens import Doc, Span, Token

from bot.analysis import lexicons
from bot.analysis.lexicons import word_table

HONORIFICS = word_table("name_titles.toml", "person_honorifics")  # dropped from names
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
FIRST_FORMS = frozenset({"he", "she"})  # pronouns that mark an earlier co-referring mention
HONORIFIC_GENDER = {"mr": "m", "sir": "m", "mrs": "f", "ms": "f", "miss": "f", "dame": "f"}
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP", "ORG"})
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
MIN_SURNAME = 3  # shorter "surnames" (Li, Ho) are too often other words or other people
PRONOUN_REACH = 12  # tokens after a name within which "Name said she" tells the gender
SUBJECT_REACH = 120  # tokens back within which a subject mention beats a later non-subject one
MAX_ROLE_WORDS = 3  # capitalized words before a name searched for its role ("Toronto Deputy Mayor")
FUNCTION_POS = frozenset({"ADP", "PART", "DET", "PRON", "CCONJ", "SCONJ", "AUX"})
MAX_TITLE_TOKENS = 25  # an appositive longer than this is a clause, not a job title
_NAME_CHARS = re.compile(r"^[A-Z][\w'’.-]*$")


@dataclass
class PersonRecord:
    """A person as the document names them, with the token positions of every mention."""

    name: str
    title: str | None = None
    gender: str | None = None  # "m" | "f" from the first name or an honorific; None when unknown
    mentions: list[int] = field(default_factory=list)  # token index of each mention
    quoted: bool = False
    roles: set[str] = field(default_factory=set)  # role words written before the name ("Mayor")


def speech_verbs() -> frozenset[str]:
    """Reporting-verb lemmas ("say", "tell"), lowercased."""
    return lexicons.words("speech_verbs.txt", lower=True)


def role_nouns() -> frozenset[str]:
    """Nouns naming a person by role ("mayor", "defenceman"), lowercased."""
    return lexicons.words("person_nouns.txt", lower=True)


@cache
def non_person_heads() -> frozenset[str]:
    """Last words of place, venue and firm names the small NER calls people ("Studiocomix Press")."""
    from bot.analysis.orgs_lexicons import org_suffixes  # read-only use of the org lexicon

    return lexicons.words("non_person_heads.txt") | org_suffixes()


def person_pieces(doc: Doc, ent: Span) -> list[Span]:
    """A PERSON entity as name pieces: split at paragraph breaks ("Justin Trudeau ¶ Trudeau"),
    with one untagged proper noun just before it joined ("the IFSD's Azfar [Ali Khan]")."""
    pieces: list[Span] = []
    start = ent.start
    for t in ent:
        if "\n" in t.text:
            if t.i > start:
                pieces.append(doc[start:t.i])
            start = t.i + 1
    if ent.end > start:
        pieces.append(doc[start:ent.end])
    if pieces and pieces[0].start == ent.start and ent.start > 0:
        prev = doc[ent.start - 1]
        low = prev.lower_.rstrip(".")
        if (
            prev.pos_ == "PROPN" and prev.ent_iob_ == "O" and prev.text.istitle() and prev.is_alpha
            and low not in role_nouns() and low not in HONORIFICS and not prev.is_sent_start
            and prev.text not in non_person_heads()
            and not (ent.start > 1 and doc[ent.start - 2].pos_ == "PROPN")  # "Canadian Press Kevin Vickers"
        ):
            pieces[0] = doc[ent.start - 1:pieces[0].end]
    return pieces


def strip_roles(words: list[str]) -> list[str]:
    """"Toronto Mayor John Tory" -> John Tory; "Yellowhead MP" (a role, not a name) -> []."""
    roles = role_nouns()
    if words and words[-1].lower() in roles:
        return []
    cut = max((i + 1 for i, w in enumerate(words[:-2]) if w.lower() in roles), default=0)
    return words[cut:]


def clean_name(span: Span | list[Token]) -> list[str]:
    """The name's words without honorifics, role words ahead of it and a trailing possessive."""
    toks = list(span)
    while toks and toks[0].pos_ == "NOUN" and len(toks) > 2:  # "Organizer Dwayne Croteau"
        toks = toks[1:]
    text = "".join(t.text_with_ws for t in toks).strip()
    words = [w.strip(",;:()") for w in text.split()]
    words = [w for w in words if w and w not in (".", "-")]
    while words and words[0].lower() in HONORIFICS:
        words = words[1:]
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1])
    return strip_roles([w for w in words if w])


def looks_like_name(words: list[str]) -> bool:
    return bool(words) and all(_NAME_CHARS.match(w) for w in words)


@cache
def first_name_genders() -> dict[str, str]:
    """Lowercased first name -> "m"/"f" from the lexicons (names listed in both are dropped)."""
    male, female = (lexicons.words(f"first_names_{g}.txt", lower=True) for g in ("male", "female"))
    return {**dict.fromkeys(male - female, "m"), **dict.fromkeys(female - male, "f")}


def name_gender(words: Sequence[str]) -> str | None:
    """Gender the first name of a full name signals; a surname alone says nothing."""
    return first_name_genders().get(words[0].lower()) if len(words) >= 2 else None


class People:
    """Everyone named in `doc`, minus names the organization component claims."""

    def __init__(self, doc: Doc, org_names: set[str], in_quote: Sequence[bool] | None = None) -> None:
        self.doc = doc
        self.org_names = {n.lower() for n in org_names}
        self.in_quote = in_quote if in_quote is not None else [False] * len(doc)
        self._honorific: dict[str, str] = {}  # name -> gender of an honorific written before it
        self.records: dict[str, PersonRecord] = {}
        self._full_at: list[tuple[int, str]] = []  # (token index, full name) in order
        self._mentions: list[tuple[int, str]] = []
        self._subjects: set[int] = set()  # mention positions that are a clause's subject
        self._not_antecedent: set[int] = set()  # mentions no he/she can refer to (see _note)
        self._heads: dict[int, Token] = {}  # mention position -> its name's syntactic head
        singles: list[tuple[int, str]] = []
        roles: dict[str, set[str]] = {}  # name -> role words before it ("Surrey Mayor Doug McCallum")
        covered: set[int] = set()  # tokens inside any entity
        self._place_words: set[str] = set()  # words of places, firms and groups the NER found
        pieces: list[Span] = []
        for ent in doc.ents:
            covered.update(range(ent.start, ent.end))
            if ent.label_ == "PERSON" and _after_place(doc, ent):
                self._place_words.add(ent.text)  # "Oakville, Ont.": a province, not a person
            elif ent.label_ == "PERSON":
                pieces += person_pieces(doc, ent)
            elif ent.label_ in PLACE_LABELS:
                self._place_words.update(_POSSESSIVE.sub("", w) for w in ent.text.split())
        for ent in pieces:
            words = clean_name(ent)
            if not looks_like_name(words) or " ".join(words).lower() in self.org_names:
                continue
            before = doc[ent.start - 1].lower_.rstrip(".") if ent.start else ""
            honorific = HONORIFIC_GENDER.get(ent[0].lower_.rstrip(".")) or HONORIFIC_GENDER.get(before)
            if honorific:
                self._honorific.setdefault(" ".join(words), honorific)
            roles.setdefault(" ".join(words), set()).update(_roles_before(doc, ent))
            if len(words) >= 2:
                self._full_at.append((ent.start, " ".join(words)))
            else:
                singles.append((ent.start, words[0]))
        self._full_at = [(idx, self._longest(name)) for idx, name in self._full_at]
        for idx, name in self._full_at:
            self._note(idx, name, doc[idx:idx + 1].root)
        # Surnames of people already named, where the small NER model missed them ("Laurin said")
        surnames = {full.split()[-1] for _, full in self._full_at if len(full.split()[-1]) >= MIN_SURNAME}
        hashes = {doc.vocab.strings[name]: name for name in surnames}
        orths = doc.to_array("ORTH").tolist()  # hashes, not Token objects: linear and cheap
        singles += [(i, hashes[h]) for i, h in enumerate(orths) if h in hashes and i not in covered]
        singles.sort()
        for idx, word in singles:
            full = self.resolve_word(word, idx)
            if full is not None and full.lower() not in self.org_names:
                self._note(idx, full, doc[idx])
        for words_, found in roles.items():
            full = self.resolve_words(words_.split(), len(doc))
            if full in self.records:
                self.records[full].roles |= found
        for words_, gender in self._honorific.items():  # "Mr. Hemming" tells Brian Hemming's gender
            full = self.resolve_words(words_.split(), len(doc))
            if full in self.records and self.records[full].gender is None:
                self.records[full].gender = gender
        self._genders_from_pronouns()

    def _longest(self, name: str) -> str:
        """"Al Hashish" or "Ali Khan" to the longer name the story also uses ("Fouzia Al Hashish")."""
        parts = name.split()
        for _, full in self._full_at:
            longer = full.split()
            if len(longer) > len(parts) and longer[-len(parts):] == parts:
                return full
        return name

    def doubtful(self, name: str) -> bool:
        """Whether a "person" is more likely a place or firm the small NER mislabelled ("Surrey",
        "Cambridge", "Covington Catholic", "Studiocomix Press"): its first word names a place or
        organization elsewhere in the story, or its last word heads venue and firm names. A
        known first name or an honorific before the name outweighs both."""
        words = name.split()
        if not words:
            return True
        if (len(words) >= 2 and words[0].lower() in first_name_genders()) or name in self._honorific:
            return False
        if len(words) == 1 and words[0].isupper():
            return True  # "LRT", "MAGA": acronyms are not people
        return words[0] in self._place_words or words[-1] in non_person_heads()

    def _genders_from_pronouns(self) -> None:
        """"Lonechild said she …": the first he/she after a name in its sentence, with no other
        name between, tells the gender of a person whose first name did not."""
        doc = self.doc
        for n, (idx, name) in enumerate(self._mentions):
            rec = self.records[name]
            if rec.gender is not None or self.in_quote[idx]:
                continue
            stop = self._mentions[n + 1][0] if n + 1 < len(self._mentions) else len(doc)
            stop = min(stop, doc[idx].sent.end, idx + PRONOUN_REACH)
            for t in doc[idx + 1:stop]:
                if self.in_quote[t.i]:
                    break
                if t.lower_ in PRONOUN_GENDER or t.lower_ == "his":
                    rec.gender = PRONOUN_GENDER.get(t.lower_, "m")
                    break

    def _note(self, idx: int, name: str, token: Token) -> None:
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = PersonRecord(name, gender=name_gender(name.split()))
        rec.mentions.append(idx)
        bisect.insort(self._mentions, (idx, name))
        head = last = token
        while head.dep_ in ("compound", "flat") and head.head is not head:
            last, head = head, head.head
        after = self.doc[head.i + 1] if head.i + 1 < len(self.doc) else None
        said = after is not None and after.pos_ in ("VERB", "AUX") and after.lemma_.lower() in speech_verbs()
        if head.dep_ in ("nsubj", "nsubjpass") or said or _relative_who(head):  # "Guest said …" misparsed
            self._subjects.add(idx)
        self._heads[idx] = head
        if last.dep_ == "compound" and head.pos_ == "NOUN":
            self._not_antecedent.add(idx)  # "the Kinder Morgan pipeline": a modifier, not a person
        elif head.dep_ == "conj" or any(c.dep_ == "conj" for c in head.children):
            self._not_antecedent.add(idx)  # "Sohlberg and Abreder said they": a group
        if rec.title is None:
            rec.title = appositive_title(self.doc, head)

    def resolve_word(self, word: str, idx: int) -> str | None:
        """A lone surname (or first name) to the nearest full name that has it; else itself."""
        word = _POSSESSIVE.sub("", word)
        best: str | None = None
        after: str | None = None
        for at, full in self._full_at:  # few full names per story: a short linear scan
            parts = full.split()
            if word != parts[-1] and word != parts[0]:
                continue
            if at <= idx:
                best = full
            elif after is None:
                after = full
        return best or after or (word if word.lower() not in self.org_names else None)

    def resolve_words(self, words: list[str], idx: int) -> str | None:
        if not words:
            return None
        if len(words) == 1:
            return self.resolve_word(words[0], idx)
        name = " ".join(words)
        if name.lower() in self.org_names:
            return None
        for _, full in self._full_at:  # "Al Hashish" after "Fouzia Al Hashish"
            parts = full.split()
            if len(parts) > len(words) and parts[-len(words):] == words:
                return full
        return name

    def is_known_word(self, word: str) -> bool:
        """Whether `word` is part of a full name already seen (a surname used alone)."""
        word = _POSSESSIVE.sub("", word)
        return any(word in full.split() for _, full in self._full_at)

    def add_speaker(self, name: str, idx: int, token: Token) -> None:
        """Record a speaker mention the NER did not label PERSON (small models miss many)."""
        if name not in self.records or idx not in self.records[name].mentions:
            self._note(idx, name, token)

    def described(self, idx: int, noun: str) -> str | None:
        """Who "the <noun>" at token `idx` is ("the mayor", "the rookie defenceman"): the person
        named before it (outside quotes) whose title has that noun. (Falling back to the person
        named last was measured worse: small-model NER names places and firms as people.)"""
        i = bisect.bisect_left(self._mentions, (idx, "")) - 1
        while i >= 0:
            at, name = self._mentions[i]
            i -= 1
            if self.in_quote[at]:
                continue
            rec = self.records[name]
            if noun in (rec.title or "").lower().split() or noun in rec.roles:
                return name
        return None

    def latest_group(self, idx: int) -> tuple[int, str] | None:
        """Where and who "they" most likely are: the last subject of two or more named people
        ("Tore Sohlberg and Lehla Abreder said they …") within SUBJECT_REACH tokens before `idx`."""
        by_head = {h.i: name for at, name in self._mentions if (h := self._heads.get(at)) is not None}
        i = bisect.bisect_left(self._mentions, (idx, "")) - 1
        while i >= 0 and idx - self._mentions[i][0] <= SUBJECT_REACH:
            at, name = self._mentions[i]
            i -= 1
            head = self._heads.get(at)
            if head is None or self.in_quote[at]:
                continue
            if head.dep_ != "nsubj" and not (head.dep_ == "appos" and head.head.dep_ == "nsubj"):
                continue
            members = [name] + [by_head[c.i] for c in head.conjuncts if c.i in by_head and by_head[c.i] != name]
            if len(members) >= 2:
                return at, " and ".join(members)
        return None

    def latest_subject(self, idx: int) -> str | None:
        """The person who was last a clause's subject within SUBJECT_REACH tokens before `idx`."""
        i = bisect.bisect_left(self._mentions, (idx, "")) - 1
        while i >= 0 and idx - self._mentions[i][0] <= SUBJECT_REACH:
            at, name = self._mentions[i]
            i -= 1
            if at in self._subjects and not self.in_quote[at] and not self.doubtful(name):
                return name
        return None

    def pronoun_antecedent(self, idx: int, pronoun: str = "") -> str | None:
        """Who "he"/"she" at token `idx` most likely is: the person named last before it whose
        gender does not clash (a first name or honorific of the other gender rules one out).

        Names inside quotations are skipped (a speaker rarely refers to himself by name), and so
        are names used as modifiers or inside "X and Y" unless nothing else fits. A
        name that is a clause's subject within SUBJECT_REACH tokens beats a later one merely
        mentioned as an object ("Reed said … his neighbour, Paul Martin. ¶ “…,” he said"); past
        that reach the latest fitting mention wins (both measured on GGT-98).
        """
        want = PRONOUN_GENDER.get(pronoun.lower())
        idx = self._first_in_sentence(idx, want)
        latest: str | None = None
        fits: str | None = None  # the latest mention whose gender does not clash
        modifier: str | None = None  # the latest modifier or group member: a last resort
        i = bisect.bisect_left(self._mentions, (idx, "")) - 1
        while i >= 0:
            at, name = self._mentions[i]
            i -= 1
            if self.in_quote[at] or self.doubtful(name):
                continue
            if at in self._not_antecedent:
                if want is None or self.records[name].gender in (None, want):
                    modifier = modifier or name
                continue
            if fits is not None and idx - at > SUBJECT_REACH:
                break
            latest = latest or name
            gender = self.records[name].gender
            if want is None or gender is None or gender == want:
                if at in self._subjects:
                    return name
                fits = fits or name
        return fits or latest or modifier

    def _first_in_sentence(self, idx: int, gender: str | None) -> int:
        """"Asked what he would tell Mayor John Tory, he said": an earlier pronoun of the same
        gender in the sentence refers to the same person, so resolve from where it stands."""
        if gender is None:
            return idx
        for t in self.doc[self.doc[idx].sent.start:idx]:
            if t.lower_ in FIRST_FORMS and PRONOUN_GENDER.get(t.lower_) == gender and not self.in_quote[t.i]:
                return t.i
        return idx


def _relative_who(head: Token) -> bool:
    """"Alfonso Espinos, who … was born": the name is the subject of its relative clause."""
    return any(
        c.dep_ == "relcl" and any(g.lower_ == "who" and g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
        for c in head.children
    )


def _roles_before(doc: Doc, ent: Span) -> set[str]:
    """Role words in the capitalized run that ends at the name: "Surrey Mayor" -> {"mayor"}."""
    out: set[str] = set()
    i = ent.start
    while i > 0 and ent.start - i < MAX_ROLE_WORDS and doc[i - 1].text[:1].isupper() and "\n" not in doc[i - 1].text:
        i -= 1
    for t in doc[i:ent.end]:
        if t.lower_.rstrip(".") in role_nouns():
            out.add(t.lower_.rstrip("."))
    return out


def _after_place(doc: Doc, ent: Span) -> bool:
    """A one-word "person" right after "<place>, " is the place's state or province."""
    if len(ent) != 1 or ent.start < 2 or doc[ent.start - 1].text != ",":
        return False
    return doc[ent.start - 2].ent_type_ in ("GPE", "LOC")


def appositive_title(doc: Doc, head: Token) -> str | None:
    """"Name, <title>, said" or "Name, <title> said": the words after the name's comma.

    A lexical scan (to the next comma outside brackets, or the verb) rather than the parse's
    appositive arc, which small models cut short ("co-founder" → "co").
    """
    i = head.i + 1
    if i < len(doc) and doc[i].text == ",":
        j, depth = i + 1, 0
        while j < len(doc) and j - i <= MAX_TITLE_TOKENS:
            t = doc[j]
            depth += t.text == "("
            depth -= t.text == ")"
            if depth <= 0 and (t.text in {",", ";", ":", ".", "“", '"', "\n\n"} or t.pos_ in ("VERB", "AUX")):
                break
            j += 1
        span = doc[i + 1:j]
        if len(span) and _is_title(span):
            return _tidy_title(span)
    for child in head.children:
        if child.dep_ == "appos" and child.i > head.i:
            span = doc[child.left_edge.i:child.right_edge.i + 1]
            return _tidy_title(span) if _is_title(span) else None
    return None


def _is_title(span: Span) -> bool:
    if not 1 <= len(span) <= MAX_TITLE_TOKENS or "\n" in span.text:
        return False
    first = span[0]
    if first.like_num or first.ent_type_ in ("PERSON", "DATE", "GPE", "CARDINAL"):
        return False  # ages ("Smith, 45,"), places ("Smith, Toronto,"), second names
    if first.lower_ in ("who", "whose", "which", "that", "where", "when", "whom"):
        return False  # "Espinos, who like Montalban was born …": a clause, not a title
    if all(t.pos_ in FUNCTION_POS or t.is_punct for t in span):
        return False  # "asked Rudy Giuliani, to investigate": "to" is no job
    return any(t.pos_ == "NOUN" or t.is_lower for t in span) and not any(t.pos_ == "VERB" for t in span)


def _tidy_title(span: Span) -> str:
    text = span.text.strip(" ,;:")
    return text[2:] if text.lower().startswith("a ") else text
