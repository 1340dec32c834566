"""Who the subject of a reporting verb is: named rules read the token one way each.

"he" is the person it refers back to, "the commission" the commission named before, "spokesperson
Jane Doe" Jane Doe, "another member of the public" that description. The rules are tried in the
order of `SubjectNamer.NAME_RULES`; the first that names someone wins and is recorded as
`Speaker.rule`. The order is the precedence between readings of one token: a pronoun before any
entity, an entity before the parse around it, a named person before a description, and the
description itself last. (Which token's reading wins for a quotation is `speaker_decision`'s.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from spacy.tokens import Doc, Span, Token

from bot.analysis.lexicons import HashedWords, hashed_word_list, word_table
from bot.analysis.people import PERSON_PRONOUNS, SUBJECT_REACH, People, clean_name, looks_like_name, role_nouns
from bot.analysis.speaker_decision import Speaker

ORG_NOUNS = word_table("speaker_nouns.toml", "org")  # "the commission said"
GENERIC_ORG_NOUNS = word_table("speaker_nouns.toml", "generic_org")  # "the company said"
MESSAGE_NOUNS = word_table("speaker_nouns.toml", "message")  # "her statement"
MAX_OF_TOKENS = 8  # an "of" phrase after a speaker noun kept up to this length
NUMERIC_ENTS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})


def person_nouns() -> HashedWords:
    """Words for people by WordNet ("proprietor", "maverick"; lexicons/wordnet_person_nouns.txt)."""
    return hashed_word_list("wordnet_person_nouns.txt")


def _org_key(text: str) -> str:
    """How an organization's name is looked up among its names and aliases ("the FBI" -> "fbi")."""
    return text.lower().removeprefix("the ")


def _definite(noun: Token) -> bool:
    """Whether the noun phrase opens with "the" (a description of someone already named)."""
    return any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children)


def _epithet(noun: Token) -> bool:
    """"the rookie defenceman", "the lanky, bespectacled professor": a singular definite noun
    phrase with descriptive modifiers, which news copy uses for the person just named."""
    low = noun.lower_
    if noun.tag_ not in ("NN", "NNP") or not _definite(noun) or low in ORG_NOUNS | MESSAGE_NOUNS:
        return False
    if low not in role_nouns() and low not in person_nouns():
        return False
    return any(c.dep_ in ("amod", "compound", "nmod") and c.i < noun.i for c in noun.children)


class SubjectNamer:
    """Reads subject tokens of one document (`in_quote[i]` marks tokens inside any quote)."""

    def __init__(self, doc: Doc, people: People, orgs: list[tuple[str, set[str]]], in_quote: list[bool]):
        self.doc = doc
        self.people = people
        self.orgs = orgs  # (canonical name, lowercased names and aliases)
        self.in_quote = in_quote
        self._org_names = {n for _, names in orgs for n in names}  # read once, not per subject
        # organizations as decided, whatever NER labelled them
        self._org_ents = [e for e in doc.ents if _org_key(e.text) in self._org_names]

    def name_of(self, tok: Token, via: str) -> Speaker:
        for name, rule in self.NAME_RULES:
            found = rule(self, tok, via)
            if found is not None:
                return replace(found, rule=name)
        return Speaker(None, "none", via, "none")

    def _personal_pronoun(self, tok: Token, via: str) -> Speaker | None:
        """ "he said": the person it refers back to (gender and proximity, see People)."""
        low = tok.lower_
        return Speaker(self.people.pronoun_antecedent(tok.i, low), "person", via) if low in PERSON_PRONOUNS else None

    def _group_pronoun(self, tok: Token, via: str) -> Speaker | None:
        """ "they said": the people just named together, else the organization; "it": the organization."""
        low = tok.lower_
        if low not in ("they", "we", "it"):
            return None
        group = self.people.latest_group(tok.i) if low == "they" else None
        last_org = self._last_org_ent(tok.i)
        if group is not None and (last_org is None or last_org.start < group[0]):
            return Speaker(group[1], "other", via)  # "X and Y said they …"
        return Speaker(self._canonical_org(last_org.text), "org", via) if last_org else Speaker(None, "other", via)

    def _hyphenated_name(self, tok: Token, via: str) -> Speaker | None:
        hyphenated = self._hyphenated(tok)
        return self.person(hyphenated, tok, via) if hyphenated is not None else None

    def _known_person_word(self, tok: Token, via: str) -> Speaker | None:
        """A capitalized word that is part of a person the story named ("Levine said")."""
        if tok.text[:1].isupper() and self.people.is_known_word(tok.text):
            return self.person([tok.text], tok, via)
        return None

    def _entity(self, tok: Token, via: str) -> Speaker | None:
        """What NER made of the subject: a date or number is nobody ("Friday is …"), a person is
        that person, an organization, nationality or place speaks as an organization unless
        it is one word of a person the story named."""
        ent = self.ent_of(tok)
        if ent is None:
            return None
        if ent.label_ in NUMERIC_ENTS:
            return Speaker(None, "none", via)
        if ent.label_ == "PERSON":
            return self.person(clean_name(ent), tok, via)
        if ent.label_ in ("ORG", "NORP", "GPE"):
            words = clean_name(ent)
            if len(words) == 1 and words[0] in self._known_person_words():
                return self.person(words, tok, via)
            return Speaker(self._canonical_org(ent.text), "org", via)
        return None

    def _proper_noun_run(self, tok: Token, via: str) -> Speaker | None:
        """Proper nouns NER left unlabelled: an organization the story lists, or a name."""
        if tok.pos_ != "PROPN":
            return None
        start = tok.i
        while start > 0 and tok.i - start < 3 and self.doc[start - 1].pos_ == "PROPN":
            start -= 1
        words = clean_name(self.doc[start:tok.i + 1])
        org = self._canonical_org(" ".join(words)) if words else None
        if org is not None and org.lower() in self._org_names:
            return Speaker(org, "org", via)
        return self.person(words, tok, via) if looks_like_name(words) else None

    def _attached_name(self, tok: Token, via: str) -> Speaker | None:
        """ "spokesperson Jane Doe", "the company's CEO, Jane Doe": a name attached to the noun."""
        for child in tok.children:
            if child.dep_ in ("appos", "compound") and (child.ent_type_ == "PERSON" or child.pos_ == "PROPN"):
                named = self.name_of(child, via)
                if named.kind == "org" and child.dep_ == "compound" and tok.lemma_.lower() not in ORG_NOUNS:
                    continue  # "a Weibo commenter" is a commenter; "a Netflix spokesperson" speaks for it
                if not (named.kind == "person" and named.name and self.people.doubtful(named.name)):
                    return named  # not "Surrey" for "Surrey staff": the phrase below says more
        return None

    def _described_person(self, tok: Token, via: str) -> Speaker | None:
        """ "the mayor": the person named before with that role."""
        if tok.pos_ == "NOUN" and tok.lemma_.lower() in role_nouns() and _definite(tok):
            name = self.people.described(tok.i, tok.lemma_.lower())
            if name is not None:
                return Speaker(name, "person", via)
        return None

    def _epithet_person(self, tok: Token, via: str) -> Speaker | None:
        """ "the lanky, bespectacled professor": the person the story's last subject was."""
        if _epithet(tok) and via in ("after", "before"):
            name = self.people.latest_subject(tok.i)
            if name is not None:
                return Speaker(name, "person", via)
        return None

    def _message_author(self, tok: Token, via: str) -> Speaker | None:
        """ "her statement said", "an email sent by Jane Doe": who wrote it."""
        return self._author(tok, via) if tok.lemma_.lower() in MESSAGE_NOUNS else None

    def _org_description(self, tok: Token, via: str) -> Speaker | None:
        """ "the commission" after "the Police Commission"; "the company": the one named last."""
        low = tok.lemma_.lower()
        if low not in ORG_NOUNS:
            return None
        of_kind = self._org_named(tok.i, low)
        if of_kind is not None:
            return Speaker(of_kind, "org", via)
        last_org = self._last_org_ent(tok.i)
        if low in GENERIC_ORG_NOUNS and last_org is not None:
            return Speaker(self._canonical_org(last_org.text), "org", via)
        return None

    def _description(self, tok: Token, via: str) -> Speaker | None:
        """The noun phrase itself ("another member of the public"): the best speaker we have."""
        if tok.pos_ not in ("NOUN", "PROPN"):
            return None
        end = tok.i + 1
        for child in tok.rights:  # "another member of the public", "one of the players"
            if child.dep_ == "prep" and child.lower_ == "of" and child.right_edge.i - tok.i <= MAX_OF_TOKENS:
                end = child.right_edge.i + 1
        head = self.doc[max(tok.left_edge.i, tok.i - 5):tok.i + 1].text
        tail = self.doc[tok.i + 1:end].text_with_ws.split(",")[0]  # not ", whose name is …"
        return Speaker((head + (" " if tok.whitespace_ else "") + tail).strip(" ,;:"), "other", via)

    NAME_RULES: ClassVar[tuple[tuple[str, Callable[[SubjectNamer, Token, str], Speaker | None]], ...]] = (
        ("personal_pronoun", _personal_pronoun),
        ("group_pronoun", _group_pronoun),
        ("hyphenated_name", _hyphenated_name),
        ("known_person_word", _known_person_word),
        ("entity", _entity),
        ("proper_noun_run", _proper_noun_run),
        ("attached_name", _attached_name),
        ("described_person", _described_person),
        ("epithet", _epithet_person),
        ("message_author", _message_author),
        ("org_description", _org_description),
        ("description", _description),
    )

    def _author(self, message: Token, via: str) -> Speaker | None:
        """Who wrote "her statement", "a statement from the EU", "an email sent by Jane Doe"."""
        found: Token | None = None
        for child in message.children:
            if child.dep_ == "poss":
                found = child
            elif child.dep_ == "prep" and child.lower_ in ("from", "by"):
                found = next((c for c in child.children if c.dep_ == "pobj"), None)
            elif child.dep_ == "acl":  # "a statement e-mailed to The Globe by Reagan Ruslim"
                agent = next((c for c in child.children if c.dep_ == "agent"), None)
                found = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            if found is not None and not self.in_quote[found.i]:
                if found.lower_ == "his":
                    return Speaker(self.people.pronoun_antecedent(found.i, "he"), "person", via)
                who = self.name_of(found, via)
                if who.kind in ("person", "org") and who.name:
                    return who
        return None

    def _hyphenated(self, tok: Token) -> list[str] | None:
        """"Wilson-Raybould" (three tokens) as one name word, with the first name before it."""
        doc = self.doc
        if tok.pos_ != "PROPN" or not tok.text.istitle():
            return None
        def joins(i: int) -> bool:  # token i is a hyphen with no space either side
            return 0 < i < len(doc) - 1 and doc[i].text == "-" and not doc[i - 1].whitespace_ and not doc[i].whitespace_

        start, end = tok.i, tok.i + 1
        while start >= 2 and joins(start - 1):
            start -= 2
        while end + 1 < len(doc) and joins(end):
            end += 2
        if end - start < 3 or not all(t.text[:1].isupper() for t in list(doc[start:end])[::2]):
            return None
        words = ["".join(t.text for t in doc[start:end])]
        first = doc[start - 1] if start > 0 else None
        if first is not None and first.pos_ == "PROPN" and first.text.istitle() and not self.in_quote[first.i]:
            words.insert(0, first.text)
        return words

    def person(self, words: list[str], tok: Token, via: str) -> Speaker:
        name = self.people.resolve_words(words, tok.i)
        if name is None:
            return Speaker(self._canonical_org(" ".join(words)), "org", via)
        return Speaker(name, "person", via, mention=tok.i)

    def ent_of(self, tok: Token) -> Span | None:
        if not tok.ent_type_:
            return None
        start = tok.i
        while start > 0 and self.doc[start].ent_iob_ == "I":
            start -= 1
        end = tok.i + 1
        while end < len(self.doc) and self.doc[end].ent_iob_ == "I":
            end += 1
        return self.doc[start:end]

    def _known_person_words(self) -> set[str]:
        return {w for name in self.people.records for w in name.split()}

    def _canonical_org(self, text: str) -> str:
        low = _org_key(text)
        for canonical, names in self.orgs:
            if low in names:
                return canonical
        return text

    def _org_named(self, idx: int, noun: str) -> str | None:
        """The organization named last before `idx` whose name has `noun` in it."""
        for ent in reversed(self._org_ents):
            if ent.start < idx and noun in ent.text.lower().split():
                return self._canonical_org(ent.text)
        return None

    def _last_org_ent(self, idx: int) -> Span | None:
        """The organization "it", "they" or "the company" at `idx` most likely is: the last one
        that was the subject of a main clause within SUBJECT_REACH tokens ("EDC declined to
        answer questions about the Suncor policy. “…,” it said"), else the last one named."""
        last = None
        subject = None
        for ent in self._org_ents:
            if ent.start >= idx:
                break
            if self.in_quote[ent.start]:
                continue
            last = ent
            head = ent.root
            if head.dep_ == "nsubj" and head.head.dep_ in ("ROOT", "conj") and idx - ent.start <= SUBJECT_REACH:
                subject = ent
        return subject or last
