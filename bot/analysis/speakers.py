"""Who said a quotation: every reading of its own sentence(s) is a candidate, one decision picks.

A reading is the subject of a reporting verb outside the marks ("…,” Doty said", "Doty added:
“…”", "according to Doty, “…”") or of the verb the quotation depends on ("He attributed this
to “…”"), named by the first of `speaker_names.SubjectNamer.NAME_RULES` that reads it. A
quotation whose sentence names nobody (a continuation paragraph) adds the narration's last
subject and the previous quotation's speaker as candidates, as news copy intends.
`speaker_decision` weighs them all.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from bot.analysis.evidence import Weights
from bot.analysis.people import (
    PERSON_PRONOUNS,
    People,
    clean_name,
    first_name_genders,
    looks_like_name,
    non_person_heads,
    role_nouns,
    speech_verbs,
)
from bot.analysis.speaker_decision import NOBODY, Candidate, Decision, Speaker, decide
from bot.analysis.speaker_names import SubjectNamer, person_nouns

NEAR_AFTER = 4  # tokens between a closing mark and "he said" for the attribution to be adjacent
_MARKS = frozenset("“”\"‘’'«»")
MAX_HEAD_CLIMB = 6  # levels of the parse walked up from a quotation to its governing verb


def _personal(name: str, known: set[str]) -> bool:
    """A name the NER tagged as a person, or one that opens with a known first name."""
    words = name.split()
    return name in known or (len(words) >= 2 and words[0].lower() in first_name_genders())


def load_lexicons() -> None:
    """Read every word list the readings use (the quotes component's `initialize`)."""
    for loader in (speech_verbs, role_nouns, non_person_heads, first_name_genders, person_nouns):
        loader()


def is_speech_verb(token: Token, verbs: frozenset[str]) -> bool:
    return token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in verbs


class Attributor:
    """Attribute quotations in one document (`in_quote[i]` marks tokens inside any quote)."""

    def __init__(
        self,
        doc: Doc,
        people: People,
        orgs: list[tuple[str, set[str]]],
        in_quote: list[bool],
        weights: Weights | None = None,
    ):
        self.doc = doc
        self.weights = weights  # the speaker decision's (None: its default file)
        self.people = people
        self.in_quote = in_quote
        self.verbs = speech_verbs()
        self.names = SubjectNamer(doc, people, orgs, in_quote)

    # -- gathering the readings and deciding ----------------------------------------------------
    def attribute(
        self, q: Span, narration_from: int, previous: Speaker | None, continues: bool
    ) -> tuple[Speaker, Decision]:
        """(what the quotation's own sentence says, the decision). A quotation whose sentence
        names nobody, or which `continues` the previous one, also hears the narration since
        token `narration_from` and the `previous` speaker (None when too far back)."""
        candidates = self.readings(q)
        own = decide(candidates, self.weights)
        self._note(own.speaker)
        if own.speaker.name is not None and not continues:
            return own.speaker, own
        carried = {"continues": float(continues)}
        for via, who in (("narration", self.narrator(narration_from, q.start)), ("inherited", previous)):
            if who is not None:
                candidates.append(Candidate(Speaker(who.name, who.kind, via), {via: 1.0, **carried}))
        return own.speaker, decide(candidates, self.weights)

    def readings(self, q: Span) -> list[Candidate]:
        """Each reporting verb's subject around the quotation (words within NEAR_AFTER after the
        closing mark, then the sentence before the opening mark, then the rest after it), then
        the subject of the verb the quotation depends on: nearest first, each with what it found
        and where its verb stood."""
        doc = self.doc
        after = self._outside(q.end, self._after_end(q), step=1)
        before = self._outside(q.start - 1, doc[q.start].sent.start - 1, step=-1)
        out: list[Candidate] = []
        near, far = after[:NEAR_AFTER + 1], after[NEAR_AFTER + 1:]
        for position, side, tokens in (("after_near", "after", near), ("before", "before", before),
                                       ("after_far", "after", far)):
            for t in tokens:
                found = NOBODY
                if t.lower_ == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
                    found = self._according(doc[t.i + 1])
                elif is_speech_verb(t, self.verbs):
                    found = self._subject_of(t, side)
                if found.found is not None:
                    out.append(Candidate(found, {found.found: 1.0, position: 1.0}))
        governed = self._governor(q)
        if governed.found is not None:
            out.append(Candidate(governed, {governed.found: 1.0, "head": 1.0}))
        return out

    def _note(self, speaker: Speaker) -> None:
        """A person named by a reading that won: a mention of them (small models miss many)."""
        if speaker.mention >= 0 and speaker.kind == "person" and speaker.name:
            self.people.add_speaker(speaker.name, speaker.mention, self.doc[speaker.mention])

    def _after_end(self, q: Span) -> int:
        """Where the attribution after a quotation can end: its sentence's end, or the next
        sentence's when the quotation closes on a comma, "?" or "!" ("…,’” ¶ Levine said"),
        which the small parser often starts anew right after the closing mark."""
        doc = self.doc
        if q.end <= q.start:
            return q.end
        end = doc[q.end - 1].sent.end
        last = next((t for t in reversed(q) if not t.is_space and t.text not in _MARKS), None)
        if last is not None and last.text in (",", "?", "!") and end < len(doc):
            nxt = next((t for t in doc[end:end + 3] if not (t.is_punct and t.text in _MARKS)), None)
            if nxt is not None and "\n" not in nxt.text and nxt.is_sent_start:
                end = nxt.sent.end
        return end

    def narrator(self, start: int, end: int) -> Speaker | None:
        """The last person who is a grammatical subject in the narration between tokens `start`
        and `end` ("Chapman admits there were fatalities. ¶ “…”"): who a floating quote after
        it most likely belongs to, rather than the previous quotation's speaker."""
        found: Speaker | None = None
        known = set(self.people.records)  # before _note adds names the NER did not tag
        for t in self.doc[start:end]:
            if t.dep_ not in ("nsubj", "nsubjpass") or self.in_quote[t.i] or self.in_quote[t.head.i]:
                continue
            if any(c.dep_ == "conj" for c in t.children):
                continue  # "Silverman and Svensson have also won": a group, not one speaker
            if t.head.dep_ in ("pcomp", "pobj", "acl", "relcl", "advcl"):
                continue  # "despite Premier Doug Ford rolling back …": an aside, not the narration
            who = self.names.name_of(t, "narration")
            self._note(who)
            if who.kind != "person" or not who.name or self.people.doubtful(who.name):
                continue
            if t.lower_ in PERSON_PRONOUNS or _personal(who.name, known):
                found = who
        return found

    def _outside(self, start: int, stop: int, step: int) -> list[Token]:
        """Tokens from `start` towards `stop` outside every quotation, ending at a paragraph break."""
        out: list[Token] = []
        i = start
        while (i < stop if step > 0 else i > stop) and 0 <= i < len(self.doc):
            t = self.doc[i]
            if "\n" in t.text:
                break
            if not self.in_quote[i] and not t.is_punct:
                out.append(t)
            i += step
        return out

    def _according(self, to: Token) -> Speaker:
        for child in to.children:
            if child.dep_ == "pobj":
                return self.names.name_of(child, "according")
        nxt = to.i + 1
        return self.names.name_of(self.doc[nxt], "according") if nxt < len(self.doc) else Speaker(None, "none", "none")

    def _subject_of(self, verb: Token, via: str) -> Speaker:
        """The verb's subject; for "said X" inversions the noun after the verb."""
        for child in verb.children:
            if child.dep_ not in ("nsubj", "nsubjpass") or child.is_punct:
                continue  # a closing mark the parser made the subject ("…,’’ says the founder")
            if not self.in_quote[child.i] and not self._breaks(child.i, verb.i):
                return self.names.name_of(child, via)  # not a heading the parser joined to the paragraph
        if verb.dep_ == "acl" and (verb.head.pos_ == "PROPN" or verb.head.ent_type_ == "PERSON"):
            return self.names.name_of(verb.head, via)  # "Pierre Gignac, EDC's risk officer, mentioned"
        head = verb
        while head.dep_ in ("conj", "advcl", "xcomp") and head.head is not head:  # "…, adding that"
            head = head.head
            for child in head.children:
                if child.dep_ == "nsubj" and not self.in_quote[child.i]:
                    return self.names.name_of(child, via)
        prev = self.doc[verb.i - 1] if verb.i > 0 else None
        if prev is not None and prev.ent_type_ == "PERSON" and not self.in_quote[prev.i]:
            ent = self.names.ent_of(prev)  # "…,” DeBoer said": a name the parser tagged AUX
            words = clean_name(ent) if ent is not None else []
            if looks_like_name(words):
                return self.names.person(words, prev, via)
        for child in verb.rights:
            named = child.pos_ == "PROPN" or child.ent_type_ in ("PERSON", "ORG")
            if named and child.dep_ in ("dobj", "npadvmod", "attr", "dative", "appos") and not self.in_quote[child.i]:
                return self.names.name_of(child, via)
        return Speaker(None, "none", via)

    def _governor(self, q: Span) -> Speaker:
        """Walk up from the quotation to the first verb outside it with a person or org subject;
        under a reporting verb only that verb's subject speaks ("X said that the ministry's claim
        is “not true”": X, never the ministry whose claim X denies)."""
        verbs: list[Token] = []
        tok = q.root
        for _ in range(MAX_HEAD_CLIMB):
            if tok.head is tok or self._breaks(tok.head.i, tok.i):
                break  # a sentence the parser ran across a paragraph break ("Story continues …")
            tok = tok.head
            if not self.in_quote[tok.i] and tok.pos_ in ("VERB", "AUX"):
                verbs.append(tok)
        reporting = next((v for v in verbs if is_speech_verb(v, self.verbs)), None)
        for tok in verbs if reporting is None else [reporting]:
            for child in tok.children:
                if child.dep_ in ("nsubj", "nsubjpass") and not self.in_quote[child.i]:
                    found = self.names.name_of(child, "head")
                    if found.kind in ("person", "org") and found.name:
                        return found
        # "Name, title, provided an optimistic view: 2025 was “…”": the subject before the colon
        sent = q[0].sent
        for t in self.doc[sent.start:q.start]:
            if t.text == ":" and not self.in_quote[t.i]:
                for s in self.doc[sent.start:t.i]:
                    if s.dep_ == "nsubj" and not self.in_quote[s.i]:
                        found = self.names.name_of(s, "head")
                        if found.kind in ("person", "org") and found.name:
                            return found
        return Speaker(None, "none", "none")

    def _breaks(self, a: int, b: int) -> bool:
        """Whether a paragraph break lies between tokens `a` and `b`."""
        lo, hi = min(a, b), max(a, b)
        return any("\n" in t.text for t in self.doc[lo:hi])
