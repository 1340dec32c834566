"""Organization candidates and their typed evidence: what the story says about each name.

Candidates are names, not mentions (one sense per discourse): every entity NER or the span
fixes labelled ORG, every other name entity the story uses like an organization ("told Politico",
"the energy company Burisma"), and name runs found only by those patterns ("Head of Research at
ICICI Securities"). Each gets a dict of evidence values (0-1) named as in config/org_decision.toml;
`org_decision` weighs them. Nothing here decides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from spacy.tokens import Doc, Token

from bot.analysis import rarity
from bot.analysis.lexicons import HashedWords, hashed_word_list, word_table
from bot.analysis.orgs_lexicons import LEGAL_FORMS, known_orgs, non_org_acronyms, org_suffixes, word_list
from bot.analysis.orgs_spans import HONORIFICS, TITLES, Ent, joined_hyphen
from bot.analysis.people import first_name_genders, role_nouns, speech_verbs
from bot.analysis.rarity import zipf

NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
MAX_NAME_TOKENS = 6
# Closed-class context words (prepositions, name connectors): in code because they are grammar,
# not vocabulary that grows; the verbs are in config/lexicons/org_context.toml.
EMPLOYER_PREPS = frozenset({"at", "of", "for", "from"})
PLACE_PREPS = frozenset({"in", "near", "outside", "across", "into", "throughout"})
SOURCE_BY_VERBS = word_table("org_context.toml", "source_by_verbs")  # "provided by X"
PLATFORM_VERBS = word_table("org_context.toml", "platform_verbs")  # "posted on X"
EMPLOYEE_REACH = 3  # "head of research at X": the title may sit a few words before the preposition
NAME_CONNECTORS = frozenset({"of", "and", "&", "for", "de", "la", "du", "der", "von"})
HEAD_KINDS = ("venue", "place", "event", "product", "program", "work")  # tables of non_org_name_heads.toml
# A word used less than once per million words of English (wordfreq Zipf 3.0): "Vasek", "Pospisil",
# not "Royal", "Securities" or "Steel" (README, Quality: 2.5 / 3.0 / 3.5 / 4.0 measured).
RARE_WORD_ZIPF = 3.0
_CAPITALIZED = re.compile(r"[A-Z][a-z]+")


@dataclass
class Candidate:
    """One candidate name with its mentions (token spans) and evidence (name -> value)."""

    name: str
    mentions: list[tuple[int, int]] = field(default_factory=list)
    mention_labels: list[str] = field(default_factory=list)  # each mention's entity label ("" if none)
    evidence: dict[str, float] = field(default_factory=dict)
    kb: str = ""  # gazetteer identity
    strong: bool = False  # the span fixes found an acronym definition or a legal form
    words: tuple[str, ...] = ()  # its tokens, to find its other mentions

    @property
    def labels(self) -> Counter[str]:
        return Counter(self.mention_labels)


@cache
def _non_org_head_words() -> frozenset[str]:
    """config/lexicons/non_org_name_heads.toml: head words of every non-organization kind."""
    return frozenset().union(*(word_table("non_org_name_heads.toml", kind) for kind in HEAD_KINDS))


def _place_nouns() -> frozenset[str]:
    return word_table("non_org_name_heads.toml", "place_nouns_after")


@cache
def _generic_words() -> frozenset[str]:
    """A lone word that is a generic reference: the lexicon's list plus every organization noun."""
    return word_table("non_org_name_heads.toml", "generic_alone") | org_nouns()


def org_nouns() -> frozenset[str]:
    return word_list("org_nouns.txt")


def wordnet_non_org() -> HashedWords:
    """Nouns WordNet knows only as something other than an organization ("Hubble", "dragonfly")."""
    return hashed_word_list("wordnet_non_org_nouns.txt")


def _wordnet_says_not_org(name: str) -> bool:
    """A one-word name counts by its lower-case noun too ("Dragonfly"); the list's builder keeps
    a lower-case noun out when WordNet files the capitalised word as a group ("Energy")."""
    nouns = wordnet_non_org()
    return name in nouns or (" " not in name and name.lower() in nouns)


def person_shaped(words: list[str]) -> bool:
    """Two or three capitalized words, none common in English nor an organization word: a given
    name and a surname ("Vasek Pospisil", "Simona de Logu"; lower-case connectors aside).
    Organization names almost always hold a common word ("Kotak Securities", "Royal Navy") or
    an acronym ("CBS Sports"); the NER model's ORG label on such a name is a guess."""
    names = [w for w in words if not w.islower()]
    if not 2 <= len(names) <= 3 or not all(_CAPITALIZED.fullmatch(w) for w in names):
        return False
    if any(w in org_suffixes() for w in names):
        return False
    return bool((zipf([w.lower() for w in names]) < RARE_WORD_ZIPF).all())


@cache
def _first_names() -> frozenset[str]:
    return frozenset(first_name_genders())


def _name_word(tok: Token) -> bool:
    return tok.text[:1].isupper() or (tok.text[:1].isdigit() and tok.i > 0)


def name_run_after(doc: Doc, i: int) -> tuple[int, int] | None:
    """The capitalized name starting at token `i` ("ICICI Securities", "Tufts University"), or None."""
    if i >= len(doc) or not doc[i].text[:1].isupper() or doc[i].is_sent_start or _opens_line(doc, i):
        return None
    end = i + 1
    while end < len(doc) and end - i < MAX_NAME_TOKENS:
        tok = doc[end]
        if _name_word(tok) and not tok.is_punct:
            end += 1
        elif joined_hyphen(tok) or (  # "Pittsburgh Post-Gazette"
            tok.lower_ in NAME_CONNECTORS and end + 1 < len(doc) and doc[end + 1].text[:1].isupper()
        ):
            end += 2
        else:
            break
    while end > i and (doc[end - 1].text in {"'s", "’s"} or doc[end - 1].like_num):
        end -= 1  # a score or count after a name is not part of it, as orgs_spans trims NER's
    return (i, end) if end > i else None


def _opens_line(doc: Doc, i: int) -> bool:
    """Capitalized by its place: the first word of a line, which the parser may not have taken
    for a sentence start ("Dark Matter¶Originally published on ...")."""
    return i > 0 and "\n" in doc[i - 1].text


def _before(doc: Doc, start: int) -> int:
    """Index of the word before a name, skipping a leading article ("of the Pittsburgh ...")."""
    k = start - 1
    if k >= 0 and doc[k].lower_ in {"the", "a", "an"}:
        k -= 1
    return k


def _in_quote(doc: Doc, start: int) -> bool:
    """Inside quotation marks in its sentence: more opening than closing marks before it."""
    sent = doc[start].sent if doc.has_annotation("SENT_START") else doc[max(0, start - 40) : start + 1]
    text = doc.text[sent.start_char : doc[start].idx].rsplit("\n", 1)[-1]
    opened = sum(text.count(c) for c in "“") - sum(text.count(c) for c in "”")
    return opened > 0 or text.count('"') % 2 == 1


def _context(doc: Doc, start: int, end: int, person_ends: set[int]) -> set[str]:
    """The kinds of organization (or place) context around one mention."""
    kinds: set[str] = set()
    k = _before(doc, start)
    prev = doc[k] if k >= 0 else None
    nxt = doc[end] if end < len(doc) else None
    if prev is not None:
        if prev.lemma_.lower() in org_nouns() and prev.is_lower:
            kinds.add("org_noun")  # "the energy company Burisma"
        if prev.lower_ in EMPLOYER_PREPS and k >= 1 and _employee_before(doc, k, person_ends):
            kinds.add("employer")  # "head of research at X", "Brian Batko of the X"
        if prev.lower_ == "told":
            kinds.add("news_source")  # ("according to X" is said of people as often: no evidence)
        if prev.lower_ == "by" and k >= 1 and doc[k - 1].lemma_.lower() in SOURCE_BY_VERBS:
            kinds.add("news_source")  # "provided by X", "bought by X"
        if prev.lower_ == "on" and k >= 1 and doc[k - 1].lemma_.lower() in PLATFORM_VERBS:
            kinds.add("platform")  # "posted on X"
        if prev.lower_ in PLACE_PREPS:
            kinds.add("place_context")
    if nxt is not None:
        if nxt.lemma_.lower() in {"report", "reveal", "publish"} and nxt.pos_ == "VERB":
            kinds.add("news_source")
        if nxt.text == "," and end + 1 < len(doc):
            tail = doc[end + 1 : min(len(doc), end + 6)]
            # indefinite only: ", the commission said" starts a new clause as often as an apposition
            if tail and tail[0].lower_ in {"a", "an"}:
                for t in tail[1:]:
                    if t.lemma_.lower() in org_nouns():
                        kinds.add("org_noun")  # "Kosmos, a group co-founded by ..."
                        break
                    if t.pos_ not in {"ADJ", "NOUN", "PROPN", "ADV"} and t.text != "-":
                        break
        if nxt.is_lower and nxt.lemma_ in _place_nouns():
            kinds.add("place_context")  # "Logar province"
    head = doc[end - 1]
    if _apposed_org_noun(head):
        kinds.add("org_noun")  # "the label that owns her music, Big Machine, said"
    if head.dep_ in {"nsubj", "nsubjpass"} and head.head.lemma_.lower() in speech_verbs():
        kinds.add("speaker")
    return kinds


def _apposed_org_noun(head: Token) -> bool:
    """The parse puts the name and a lower-case organization noun in apposition, either way round."""
    others = [head.head] if head.dep_ == "appos" else []
    others += [c for c in head.children if c.dep_ == "appos"]
    return any(o.is_lower and o.lemma_.lower() in org_nouns() for o in others)


def _employee_before(doc: Doc, k: int, person_ends: set[int]) -> bool:
    """A job title or a person within the few words before the preposition at `k`."""
    for j in range(k - 1, max(-1, k - 1 - EMPLOYEE_REACH), -1):
        tok = doc[j]
        if tok.is_punct:
            return False
        if tok.lower_ in TITLES or tok.i in person_ends or tok.lower_ in role_nouns():
            return True
    return False


def _occurrences(doc: Doc, words: tuple[str, ...], taken: set[int]) -> list[tuple[int, int]]:
    """Every free occurrence of a name's token sequence (not inside another entity)."""
    n = len(words)
    out = []
    for i in range(len(doc) - n + 1):
        same = all(doc[i + j].text == words[j] for j in range(n))
        if same and not any(k in taken for k in range(i, i + n)):
            out.append((i, i + n))
    return out


def collect(doc: Doc, ents: list[Ent]) -> dict[str, Candidate]:
    """Candidates with evidence, from the refined entities `ents` (NER's, span-repaired)."""
    person_ends = {e.end - 1 for e in ents if e.label == "PERSON"}
    # word -> the full names (2+ words) it is part of: a candidate inside a longer name is a
    # person's ("Brown" of "Michael Brown"); one NER labelled PERSON whole is not thereby inside one
    person_words: dict[str, set[str]] = {}
    for e in ents:
        if e.label == "PERSON" and e.end - e.start >= 2:
            for t in doc[e.start : e.end]:
                person_words.setdefault(t.text, set()).add(doc[e.start : e.end].text)
    honorific_names: set[str] = set()
    cands: dict[str, Candidate] = {}
    for e in ents:
        if e.label not in NAME_LABELS:
            continue
        text = doc[e.start : e.end].text
        if e.start and doc[e.start - 1].text in HONORIFICS:
            honorific_names.add(text)
        c = cands.setdefault(text, Candidate(text))
        c.mentions.append((e.start, e.end))
        c.mention_labels.append(e.label)
        c.kb = c.kb or e.kb
        c.strong = c.strong or (e.strong and not e.kb)
    taken = {i for e in ents for i in range(e.start, e.end)}
    # names only the patterns find: "at ICICI Securities", "told Polygraph.info"
    for i in range(1, len(doc)):
        if i in taken:
            continue
        run = name_run_after(doc, i)
        if run is None:
            continue
        kinds = _context(doc, *run, person_ends)
        text = doc[run[0] : run[1]].text
        if kinds & {"org_noun", "employer", "news_source", "platform"} and text not in non_org_acronyms():
            cands.setdefault(text, Candidate(text, words=tuple(t.text for t in doc[run[0] : run[1]])))
    lower_forms = {t.lower_ for t in doc if t.is_lower}
    for c in cands.values():
        if not c.mentions:
            c.mentions = _occurrences(doc, c.words, taken)
            c.mention_labels = [""] * len(c.mentions)
        if c.mentions:
            _score(doc, c, person_ends, person_words, honorific_names, lower_forms)
    return {n: c for n, c in cands.items() if c.mentions}


def _score(
    doc: Doc,
    c: Candidate,
    person_ends: set[int],
    person_words: dict[str, set[str]],
    honorific_names: set[str],
    lower_forms: set[str],
) -> None:
    ev = c.evidence
    n = len(c.mentions)
    labels = c.labels
    toks = list(doc[c.mentions[0][0] : c.mentions[0][1]])
    last = toks[-1].text
    ev["ner_org"] = labels["ORG"] / n
    ev["gazetteer"] = float(bool(c.kb))
    ev["legal_form"] = float(last in LEGAL_FORMS)
    ev["acronym_defined"] = float(c.strong and not ev["legal_form"])
    ev["org_head"] = float(len(toks) > 1 and any(t.text in org_suffixes() for t in toks))
    kinds: Counter[str] = Counter()
    for s, e in c.mentions:
        kinds.update(_context(doc, s, e, person_ends))
    for kind in ("org_noun", "employer", "news_source", "platform", "speaker"):
        ev[kind] = float(kinds[kind] > 0)
    ev["place_context"] = kinds["place_context"] / n
    ev["repeated"] = float(n >= 2)
    alpha = [t for t in toks if t.is_alpha]
    org_named = ev["gazetteer"] or ev["org_head"] or ev["legal_form"]
    ev["person"] = float(
        not org_named
        and (
            c.name in honorific_names
            or (bool(alpha) and all(person_words.get(t.text, set()) - {c.name} for t in alpha))
            or (len(alpha) >= 2 and alpha[0].lower_ in _first_names())
        )
    )
    ev["ner_person"] = labels["PERSON"] / n
    party = party_forms().get(c.name)
    ev["party"] = float(party is not None and labels["NORP"] > 0)
    if ev["party"]:
        c.kb = c.kb or party or ""
    ev["place"] = sum(labels[lab] for lab in PLACE_LABELS) / n
    ev["norp"] = labels["NORP"] / n
    ev["non_org_head"] = float(last in _non_org_head_words() and not ev["gazetteer"])
    single = len(alpha) == 1 and len(toks) == 1
    ev["generic"] = float(
        (single and alpha[0].lower_ in _generic_words())
        or (len(toks) >= 2 and len(last) == 1 and last.isupper())  # "Group A"
    )
    ev["shouting"] = float(single and len(last) > 3 and last.isupper() and last.lower() in lower_forms)
    plain_word = single and not ev["gazetteer"] and not last.isupper() and last not in org_suffixes()
    ev["lower_case_too"] = float(plain_word and last.lower() in lower_forms)
    ev["in_quote_only"] = float(all(_in_quote(doc, s) for s, _ in c.mentions))
    ev["wordnet_non_org"] = float(_wordnet_says_not_org(c.name))
    words = [t.text for t in toks if not t.is_punct]  # "Jo-Wilfried": its hyphen apart
    ev["person_shaped"] = float(not ev["gazetteer"] and person_shaped(words))


def load_lexicons() -> None:
    """Read every word list the evidence uses (the organization component's `initialize`)."""
    for loader in (_non_org_head_words, _place_nouns, _generic_words, wordnet_non_org, _first_names, party_forms,
                   non_org_acronyms, role_nouns, speech_verbs, rarity.warm):
        loader()


@cache
def party_forms() -> dict[str, str]:
    """What stories call a party's members ("Republicans", "Democrat", "Tories") -> the party:
    derived from the hand-kept gazetteer's parties (kind `party`: "X Party": X, Xs; "-ic": "-",
    "-s"). The open gazetteer's parties (`political_party`, from WordNet) are historical parties and
    ideologies ("American Party", "Liberal Party", "Progressive Party") whose member words name
    people, not a party ("Americans", "liberals"): those count by their full names only."""
    out: dict[str, str] = {}
    for org in known_orgs():
        if org.kind != "party":
            continue
        for name in org.names:
            if name.endswith(" Party"):
                stem = name.removesuffix(" Party")
                forms = {stem, stem + "s"}
                if stem.endswith("ic"):
                    forms |= {stem[:-2], stem[:-2] + "s"}
                out.update(dict.fromkeys(forms, org.name))
            elif " " not in name:
                out[name] = org.name  # "Tories"
    return out
