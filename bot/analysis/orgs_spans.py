"""Correct NER's organization spans in place: boundaries, junk, persons, acronyms, consistency.

Every step is a pass over the entities or the tokens with set/dict look-ups, so the whole is
linear in the document. The result replaces `doc.ents`, so later components (people, quotes) see
"Forge Biologics" as an ORG even where NER called it a PERSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from bot.analysis.acronyms import Definition, base_form, find_definitions, is_acronym
from bot.analysis.lexicons import word_table
from bot.analysis.orgs_lexicons import LEGAL_FORMS, non_org_acronyms, non_org_heads, org_suffixes

ORG = "ORG"
PERSON = "PERSON"
# Labels NER confuses with ORG on organization names ("Newmont" as LOC, "Barrick" as PERSON).
CONFUSABLE = frozenset({"PERSON", "GPE", "LOC", "NORP", "PRODUCT", "FAC", "WORK_OF_ART"})
HONORIFICS = word_table("name_titles.toml", "honorifics")  # "President Havel": a person
TITLES = word_table("name_titles.toml", "jobs")  # "CEO of X": X is an employer
LEAD_TRIM = frozenset({"the", "The", "THE", "a", "an"})
SHOUTING_SHARE = 0.6  # a sentence with >= 60% all-caps words is a headline or boilerplate
PROPAGATE_MAX_TOKENS = 6


@dataclass
class Ent:
    start: int
    end: int
    label: str
    kb: str = ""  # gazetteer canonical name, when the gazetteer found it
    strong: bool = False  # evidence beyond NER: gazetteer, acronym definition, legal form


def _is_name_word(tok: Token) -> bool:
    return tok.is_title or tok.is_upper or (tok.text[:1].isupper()) or tok.text[:1].isdigit()


def joined_hyphen(tok: Token) -> bool:
    """A hyphen inside one name, no space either side, between capitalized words ("Post-Gazette",
    "Rolls-Royce"), unlike a dash between items or a date range."""
    doc, i = tok.doc, tok.i
    return (
        tok.text == "-" and 0 < i < len(doc) - 1 and not doc[i - 1].whitespace_ and not tok.whitespace_
        and doc[i - 1].text[:1].isupper() and doc[i + 1].text[:1].isupper() and doc[i + 1].is_alpha
    )


def _shouting(sent: Span) -> bool:
    words = [t for t in sent if t.is_alpha and len(t) > 1]
    return bool(words) and sum(t.is_upper for t in words) >= SHOUTING_SHARE * len(words) and len(words) >= 3


def _dateline(doc: Doc, e: Ent) -> bool:
    """An all-caps name opening a sentence and followed by a date or a comma: a dateline city."""
    span = doc[e.start : e.end]
    if not (span[0].is_sent_start and all(t.is_upper and len(t) > 2 for t in span if t.is_alpha)):
        return False
    nxt = doc[e.end] if e.end < len(doc) else None
    return nxt is not None and (nxt.text == "," or any(c.isdigit() for c in nxt.text))


def _trim(doc: Doc, e: Ent) -> Ent | None:
    """Drop a leading article or modifier and a trailing possessive, bracket or lower-case tail;
    a name ends at a line break (NER runs a heading into the next paragraph's first words)."""
    s, end = e.start, e.end
    while s < end and doc[s].is_space:
        s += 1
    for k in range(s + 1, end):
        # "National League for Democracy ( NLD": the acronym is its own mention
        if doc[k].text == "(" or (doc[k].is_space and "\n" in doc[k].text):
            end = k
            break
    while s < end and (doc[s].text in LEAD_TRIM or not _is_name_word(doc[s]) or doc[s].like_num):
        s += 1
    while end > s and (
        doc[end - 1].is_space
        or doc[end - 1].text in {"'s", "’s", "'", "(", "-", "/", ",", "+"}
        or doc[end - 1].like_num
        or (doc[end - 1].is_lower and doc[end - 1].is_alpha)
    ):
        end -= 1
    if s >= end:
        return None
    e.start, e.end = s, end
    return e


def _junk(doc: Doc, e: Ent, shouting: set[int]) -> bool:
    """Not every capitalized phrase is an organization."""
    if e.strong:
        return False
    span = doc[e.start : e.end]
    marks = {"-", "/", "+", "--", ":"}
    if any(t.like_num or (t.text in marks and not joined_hyphen(t)) or any(c.isdigit() for c in t.text) for t in span):
        return True  # table rows, datelines ("BRUSSELS 1996-12-06"), headline fragments
    if span.text in non_org_acronyms() or base_form(span.text) in non_org_acronyms():
        return True
    if doc[e.start].sent.start in shouting:
        return True  # all-caps headlines: capitalization says nothing there
    return not any(t.is_alpha and len(t) > 1 for t in span)


def _org_like_long_form(doc: Doc, d: Definition, label_at: dict[int, Ent]) -> str | None:
    """ORG if the long form names an organization; "" if it is a term; None if undecided."""
    span = doc[d.start : d.end]
    content = [t for t in span if t.is_alpha and not t.is_stop]
    if content and all(t.is_lower for t in content):
        return ""  # "active pharmaceutical ingredient (API)": a term, never an organization
    after = doc[d.abbr_i + 2] if d.abbr_i + 2 < len(doc) and doc[d.abbr_i + 1].text == ")" else None
    if after is not None and after.lower_ in non_org_heads():
        return ""  # "Advanced Manufacturing Technologies (AMT) program"
    ent = label_at.get(d.end - 1)
    if ent is not None and ent.label != ORG and ent.start <= d.start + 1:
        return ent.label if ent.label in CONFUSABLE - {PERSON} else None
    if d.abbr in non_org_acronyms():
        return ""
    if ent is not None and ent.label == ORG:
        return ORG
    if span[-1].text in org_suffixes() and all(_is_name_word(t) for t in content):
        return ORG
    return None


def _ends_like_org(word: str) -> bool:
    return word in org_suffixes() or word in LEGAL_FORMS


GROW_TOKENS = 4  # "Honda" + "Motor Co Ltd": words a gazetteer hit may grow by on its right


def _grow_known(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """A gazetteer hit inside a longer name is that longer name, a different organization: the
    ruler ran first, so NER built its own entity beside ours ("Inkatha" + "Freedom Party") or left
    the rest untagged ("Sumitomo" + "Bank", "Honda" + "Motor Co Ltd")."""
    ents = sorted(ents, key=lambda e: e.start)
    out: list[Ent] = []
    for e in ents:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == e.start
            and (prev.kb or e.kb)
            and {prev.label, e.label} <= {ORG, PERSON}
            and _ends_like_org(doc[e.end - 1].text)  # "Inkatha Freedom Party", not "VOA Pentagon"
        ):
            out[-1] = Ent(prev.start, e.end, ORG, strong=True)
            continue
        if e.kb:
            end = e.end
            for k in range(e.end, min(len(doc), e.end + GROW_TOKENS)):
                tok = doc[k]
                if tok.is_sent_start or (tok.is_punct and tok.text != "&") or not tok.text[:1].isupper():
                    break
                if _ends_like_org(tok.text):
                    end = k + 1
            if end > e.end and not any(o.start < end and o.end > e.end for o in ents if o is not e):
                e = Ent(e.start, end, ORG, strong=True)
        out.append(e)
    return out


def refine(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """The corrected entity list (non-overlapping, sorted)."""
    shouting = {s.start for s in doc.sents if _shouting(s)} if doc.has_annotation("SENT_START") else set()
    ents = _grow_known(doc, ents)

    # 1. Legal forms: "Brewpole BV", "Russ Berrie and Co Inc" are companies whatever NER said.
    for e in ents:
        if e.end < len(doc) and doc[e.end].text in LEGAL_FORMS and e.label in CONFUSABLE | {ORG}:
            e.end += 1
            e.label, e.strong = ORG, True
        elif e.label in CONFUSABLE and doc[e.end - 1].text in LEGAL_FORMS:
            e.label, e.strong = ORG, True

    # 2. Boundaries and junk.
    kept: list[Ent] = []
    for e in ents:
        if e.label != ORG:
            kept.append(e)
            continue
        t = _trim(doc, e)
        if t is not None and not _junk(doc, t, shouting):
            kept.append(t)
    ents = kept

    # 3. Employer context: "CEO of X", "officer at X" -> X is an organization.
    for e in ents:
        if e.label == PERSON and e.start >= 2 and doc[e.start - 1].lower_ in {"at", "of", "for"}:
            if doc[e.start - 2].lower_ in TITLES:
                e.label = ORG
        elif e.label == PERSON and doc[e.end - 1].text in org_suffixes():
            e.label = ORG  # "Forge Biologics", "Acme Therapeutics"

    # 4. Person names are never organizations: "Havel" after "Vaclav Havel", "President Havel",
    # "General Antoine Lahd". Datelines ("HARARE 1996-12-06", "OAKLAND, Calif.") are places.
    for e in ents:
        if e.label == ORG and not e.strong and not e.kb:
            if doc[e.start].text in HONORIFICS and e.end - e.start >= 2:
                e.start, e.label = e.start + 1, PERSON
            elif _dateline(doc, e):
                e.label = "GPE"
    person_words: set[str] = set()
    for e in ents:
        if e.label == PERSON and e.end - e.start >= 2:
            person_words.update(t.text for t in doc[e.start : e.end] if t.text[:1].isupper())
    for e in ents:
        if e.label == ORG and not e.strong and not e.kb:
            words = [t.text for t in doc[e.start : e.end] if t.is_alpha]
            prev = doc[e.start - 1].text if e.start else ""
            if (words and all(w in person_words for w in words)) or prev in HONORIFICS:
                e.label = PERSON

    # 5. Acronym definitions: the long form and every later "ABBR" share one label.
    label_at = {i: e for e in ents for i in range(e.start, e.end)}
    acro_label: dict[str, str] = {}
    for d in find_definitions(doc):
        verdict = _org_like_long_form(doc, d, label_at)
        if verdict is None or d.abbr in acro_label:
            continue
        acro_label[d.abbr] = verdict
        if verdict == "":
            over = (label_at.get(i) for i in range(d.start, d.end))
            dropped = {id(o) for o in over if o is not None and o.label == ORG}
            ents = [e for e in ents if id(e) not in dropped]
        elif verdict == ORG:
            start = d.start
            while start < d.end - 1 and doc[start].text in LEAD_TRIM:
                start += 1
            ents.append(Ent(start, d.end, ORG, strong=True))
    for a in non_org_acronyms():
        acro_label.setdefault(a, "")

    # 6. One name, one label: strong ORG names (and company short names) everywhere in the doc.
    ents = resolve(ents)
    names: dict[tuple[str, ...], Ent] = {}
    for e in ents:
        if e.label == ORG and (e.strong or e.kb or e.end - e.start >= 2 or is_acronym(doc[e.start].text)):
            key = tuple(t.text for t in doc[e.start : e.end])
            names.setdefault(key, e)
            short = _company_short_name(doc, e)
            if short:
                names.setdefault(short, Ent(0, 0, ORG, e.kb, strong=True))
    for abbr, lab in acro_label.items():
        if lab:
            names[(abbr,)] = Ent(0, 0, lab, strong=True)
    return _propagate(doc, ents, names, acro_label, person_words, shouting)


def _company_short_name(doc: Doc, e: Ent) -> tuple[str, ...] | None:
    """ "Newmont Mining Corp" -> ("Newmont",): what later sentences call the company."""
    toks = list(doc[e.start : e.end])
    if len(toks) < 2 or toks[-1].text not in LEGAL_FORMS:
        return None
    while toks and (toks[-1].text in org_suffixes() or toks[-1].text in LEGAL_FORMS or not toks[-1].is_alpha):
        toks.pop()
    if not toks or len(toks) > 2 or any(t.is_stop or t.is_lower for t in toks):
        return None
    return tuple(t.text for t in toks)


def _propagate(
    doc: Doc,
    ents: list[Ent],
    names: dict[tuple[str, ...], Ent],
    acro_label: dict[str, str],
    person_words: set[str],
    shouting: set[int],
) -> list[Ent]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for key in names:
        by_first.setdefault(key[0], []).append(key)
    for keys in by_first.values():
        keys.sort(key=len, reverse=True)
    covered = {i: e for e in ents for i in range(e.start, e.end)}
    out: list[Ent] = []
    for e in ents:
        text = doc[e.start : e.end].text
        lab = acro_label.get(base_form(text)) if e.end - e.start == 1 else None
        if lab is not None:
            if lab:
                e.label, e.strong = lab, True
            elif e.label == ORG:
                continue  # a defined or known technical term, not an organization
        key = tuple(t.text for t in doc[e.start : e.end])
        src = names.get(key)
        if (
            src is not None
            and e.label in CONFUSABLE
            and not (e.label == PERSON and src.label == ORG and not src.strong)
        ):
            e.label, e.kb = src.label, e.kb or src.kb
        out.append(e)
    i, n = 0, len(doc)
    while i < n:
        if i in covered or doc[i].text not in by_first:
            i += 1
            continue
        for key in by_first[doc[i].text]:
            j = i + len(key)
            if j <= n and all(doc[k].text == key[k - i] and k not in covered for k in range(i, j)):
                src = names[key]
                if not (doc[i].sent.start in shouting and not src.strong and not src.kb):
                    out.append(Ent(i, j, src.label, src.kb, src.strong))
                i = j - 1
                break
        i += 1
    return resolve(out)


def resolve(ents: list[Ent]) -> list[Ent]:
    """Sorted, non-overlapping: on overlap the longer span wins, then the earlier."""
    ents = sorted(ents, key=lambda e: (e.start, -(e.end - e.start)))
    out: list[Ent] = []
    last_end = -1
    for e in ents:
        if e.start >= last_end:
            out.append(e)
            last_end = e.end
        elif out and e.end - e.start > out[-1].end - out[-1].start and e.start >= (out[-2].end if len(out) > 1 else 0):
            out[-1] = e
            last_end = e.end
    return out
