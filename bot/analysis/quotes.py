"""Direct quotes, their speakers (resolved to full names) and the people in the story.

The spaCy component `newsbot_quotes` runs last (after NER and `newsbot_organizations`) and sets
`doc._.quotes: list[Quote]`, `doc._.people: list[Person]` and `doc._.speaker_decisions` (one
`speaker_decision.Decision` per quote, why its speaker won). It finds spans by their marks
(`quotes_spans`), attributes them with the existing parse (`speakers`), names people from the
NER (`people`) and ranks the quotes; nothing is parsed twice and every pass is linear.
"""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as TokenSpan

from bot.analysis import speaker_decision, speakers
from bot.analysis.evidence import Weights
from bot.analysis.lexicons import words
from bot.analysis.people import People
from bot.analysis.pipes import WeighingPipe
from bot.analysis.quotes_spans import Span, find_spans, paragraphs
from bot.analysis.speaker_decision import Decision, Speaker
from bot.analysis.speakers import Attributor
from bot.models import Person, Quote

COMPONENT = "newsbot_quotes"

for _name in ("quotes", "people", "speaker_decisions"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=[])

SCARE_MAX_WORDS = 3  # "so-called “experts”": this short and unattributed is emphasis, not speech
TITLE_MAX_WORDS = 12  # “The Old Man and the Sea”: a title-cased run no longer than this is a title
KEY_MIN, KEY_MAX = 3, 5  # key quotes shown per story
KEY_RELATIVE = 0.6  # key quotes beyond KEY_MIN must score at least this share of the best
INHERIT_PARAGRAPHS = 2  # a quotation naming nobody may take the speaker of one this many paragraphs back
STATEMENT_WORDS = 40  # length at which a quote counts as a full statement for ranking
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_MINOR = words("title_case_minor_words.txt")  # "The Old Man and the Sea"


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def is_title_of_work(text: str) -> bool:
    """Title-cased and unpunctuated, like a book, film or report name."""
    words = _words(text)
    if not words or len(words) > TITLE_MAX_WORDS or re.search(r"[.,!?;:]$", text.strip()):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _MINOR for w in words) and words[0][0].isupper()


def keep(text: str, speaker: Speaker, lone_noun: bool = False) -> bool:
    """Whether a quoted span is speech (`speaker` as the reporting verb gave it, before any
    inheritance: "“Hi, friends,” she said" is speech even when "she" finds nobody).

    Title-cased runs of two or more words are names, not speech, whoever says them and whatever
    mark closes them (titles, nicknames, slogans: "“Dancing with the Stars.”", "“Three Amigos,”").
    A few words count when they close like speech ("“Amazing,” Davis said") or when they are a
    lower-case fragment in a sentence whose reporting verb names a source: a partial quote of
    what someone said ("the mayor said the plan was “a costly mistake”"; the newsroom set's
    convention). A lone noun stays out (`lone_noun`: "critics called it a “giveaway”", a term;
    the set excludes terms), and so do fragments only a governing noun attributes (terms, not
    speech, more often than not on the set's dev half)."""
    attributed = speaker.via in ("after", "before", "according")
    words = _words(text)
    stripped = text.strip()
    if len(words) >= 2 and is_title_of_work(stripped.rstrip(".,!?;:")):
        return False
    if len(words) > SCARE_MAX_WORDS:
        return True
    if not attributed:
        return False
    closes_like_speech = bool(re.search(r"[.,!?]$", stripped))
    partial = speaker.kind != "none" and stripped[:1].islower() and not lone_noun
    return closes_like_speech or partial


def score(text: str, speaker: Speaker, position: float) -> float:
    """Story value in [0, 1]: a full statement from a named person, early in the story."""
    words = _words(text)
    s = 0.4 * min(len(words), STATEMENT_WORDS) / STATEMENT_WORDS
    s += {"person": 0.3, "org": 0.15}.get(speaker.kind, 0.0) if speaker.name else 0.0
    stripped = text.strip()
    if stripped[:1].isupper() and stripped[-1:] in ".,!?":
        s += 0.2
    s += 0.1 * (1.0 - position)
    return round(min(s, 1.0), 4)


def choose_key(scores: list[float], speakers: list[str | None]) -> set[int]:
    """Greedy pick of KEY_MIN..KEY_MAX quotes, discounting speakers already picked."""
    chosen: list[int] = []
    picked: dict[str | None, int] = {}
    best = max(scores, default=0.0)
    while len(chosen) < min(KEY_MAX, len(scores)):
        cands = [
            (scores[i] * (0.6 ** picked.get(speakers[i], 0)), -i, i) for i in range(len(scores)) if i not in chosen
        ]
        value, _, i = max(cands)
        if len(chosen) >= KEY_MIN and value < KEY_RELATIVE * best:
            break
        chosen.append(i)
        picked[speakers[i]] = picked.get(speakers[i], 0) + 1
    return set(chosen)


def org_table(doc: Doc) -> list[tuple[str, set[str]]]:
    """(name, lowercased names and aliases) of what `newsbot_organizations` found."""
    out = []
    for org in getattr(doc._, "organizations", None) or []:
        names = {org.name.lower(), *(a.lower() for a in org.aliases)}
        out.append((org.name, names))
    return out


def extract(doc: Doc, weights: Weights | None = None) -> tuple[list[Quote], list[Person], list[Decision]]:
    """Quotes, people and each quote's speaker decision (the pure core of the component);
    `weights`: the speaker decision's (default: config/speaker_decision.toml)."""
    text = doc.text
    spans: list[tuple[Span, TokenSpan]] = []
    in_quote = [False] * len(doc)
    for sp in find_spans(text):
        tspan = doc.char_span(sp.start, sp.end, alignment_mode="expand")
        if tspan is None or not len(tspan):
            continue
        for i in range(tspan.start, tspan.end):
            in_quote[i] = True
        spans.append((sp, tspan))
    orgs = org_table(doc)
    people = People(doc, {n for _, names in orgs for n in names}, in_quote)
    attributor = Attributor(doc, people, orgs, in_quote, weights)
    para_starts = [s for s, _ in paragraphs(text)]
    token_starts = doc.to_array("IDX").tolist()

    found: list[tuple[Span, Decision]] = []
    previous: Speaker | None = None
    prev_para, prev_end = -10, 0
    for sp, tspan in spans:
        para = _para_index(para_starts, sp.start)
        since = max(prev_end, bisect.bisect_left(token_starts, para_starts[max(para - 1, 0)]))
        recent = previous if para - prev_para <= INHERIT_PARAGRAPHS else None
        attributed, decision = attributor.attribute(tspan, since, recent, sp.continues)
        if not keep(text[sp.start:sp.end], attributed, _lone_noun(tspan)):
            continue  # a scare quote inside the narration does not end it ("Stubbs said the 'x' …")
        prev_end = tspan.end
        found.append((sp, decision))
        if decision.speaker.name:
            previous, prev_para = decision.speaker, para

    n = max(len(text), 1)
    scores = [score(text[sp.start:sp.end], d.speaker, sp.start / n) for sp, d in found]
    key = choose_key(scores, [d.speaker.name for _, d in found])
    quotes: list[Quote] = []
    for i, (sp, decision) in enumerate(found):
        spk = decision.speaker
        rec = people.records.get(spk.name) if spk.name and spk.kind == "person" else None
        if rec is not None:
            rec.quoted = True
        quotes.append(
            Quote(
                text=text[sp.start:sp.end],
                speaker=spk.name,
                speaker_title=rec.title if rec is not None else None,
                key=i in key,
                score=scores[i],
                start=sp.start,
                end=sp.end,
                via=decision.reading,
            )
        )
    persons = [
        Person(name=r.name, title=r.title, mentions=len(r.mentions), quoted=r.quoted)
        for r in sorted(people.records.values(), key=lambda r: (-len(r.mentions), r.mentions[0] if r.mentions else 0))
        if r.mentions
    ]
    return quotes, persons, [d for _, d in found]


def _lone_noun(span: TokenSpan) -> bool:
    words = [t for t in span if t.is_alpha]
    return len(words) == 1 and words[0].pos_ in ("NOUN", "PROPN")


def _para_index(starts: list[int], pos: int) -> int:
    return bisect.bisect_right(starts, pos) - 1


class Quotes(WeighingPipe):
    """Quotes and their speakers, decided with config/speaker_decision.toml."""

    name = COMPONENT
    default_weights = speaker_decision.WEIGHTS_FILE
    load_lexicons = staticmethod(speakers.load_lexicons)

    def process(self, doc: Doc) -> Doc:
        doc._.quotes, doc._.people, doc._.speaker_decisions = extract(doc, self.weights)
        return doc


@Language.factory(COMPONENT, default_config={"weights": None})
def make_quotes(nlp: Language, name: str, weights: str | None) -> Quotes:
    """Quotes (`weights`: a TOML file like config/speaker_decision.toml; default: it)."""
    return Quotes(weights)
