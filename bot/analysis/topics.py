"""IPTC Media Topics (1-3 per article) from curated keyword lexicons.

The lexicon (config/lexicons/iptc_topics.toml) lists top-level topics and a useful set of
second-level ones, with hand-written keywords as lemmas. A keyword's evidence grows with the log
of its count, so one repeated word cannot carry a topic; second-level scores roll up into their
parent; the best top-level topics are kept, each shown as its strongest child when that child
carries most of the evidence (more specific reads better in Slack).
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc

from bot.models import Topic
from bot.paths import LEXICONS

LEXICON_FILE = LEXICONS / "iptc_topics.toml"

MAX_TOPICS = 3
PHRASE_WEIGHT = 2.0  # a multiword keyword ("clinical trial") is far less ambiguous than one word
MIN_SCORE = 3.0  # below this, keyword hits are incidental: better no topic than a wrong one
RELATIVE_TO_BEST = 0.5  # a second/third topic needs half the evidence of the first
CHILD_SHARE = 0.4  # show the child topic when it carries this share of its parent's score
LENGTH_NORM_WORDS = 600  # scores are scaled to an article of this many words (a typical story)


@dataclass(frozen=True)
class TopicEntry:
    id: str
    label: str
    parent: str | None
    keywords: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Lexicon:
    topics: dict[str, TopicEntry]
    # first word -> [(keyword words, topic ids)]
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    data = tomllib.loads(path.read_text(encoding="utf8"))
    topics: dict[str, TopicEntry] = {}
    owners: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for t in data["topic"]:
        words = tuple(tuple(k.lower().split()) for k in t["keywords"])
        topics[t["id"]] = TopicEntry(t["id"], t["label"], t.get("parent"), words)
        for w in words:
            owners[w].append(t["id"])
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
    for kw, ids in owners.items():
        index[kw[0]].append((kw, tuple(ids)))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))  # longest match first
    return Lexicon(topics, dict(index))


def top_level(qcode: str) -> str:
    """The top-level ancestor in our lexicon (unknown ids are returned as they are)."""
    topics = load_lexicon().topics
    while qcode in topics and topics[qcode].parent:
        qcode = topics[qcode].parent or qcode
    return qcode


def keyword_counts(words: Sequence[tuple[str, str]]) -> dict[tuple[str, ...], int]:
    """Longest-match keyword counts over (lemma, lowercase text) pairs, hyphens skipped."""
    index = load_lexicon().index
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    i = 0
    while i < len(words):
        step = 1
        for form in dict.fromkeys(words[i]):
            for kw, _ in index.get(form, ()):
                span = words[i : i + len(kw)]
                if len(span) == len(kw) and all(k in w for k, w in zip(kw, span, strict=True)):
                    counts[kw] += 1
                    step = len(kw)
                    break
            else:
                continue
            break
        i += step
    return counts


@lru_cache(maxsize=1)
def _owners() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Keyword -> topic ids, built once (not per document)."""
    return {kw: ids for entries in load_lexicon().index.values() for kw, ids in entries}


def load_lexicons() -> None:
    """Read the IPTC lexicon and index it (the themes component's `initialize`)."""
    _owners()


def scores(doc: Doc) -> dict[str, float]:
    """Evidence per topic id (children not yet rolled up), scaled to a typical article length."""
    words = [(t.lemma_.lower(), t.lower_) for t in doc if not (t.is_punct or t.is_space)]
    if not words:
        return {}
    owners = _owners()
    raw: dict[str, float] = defaultdict(float)
    for kw, n in keyword_counts(words).items():
        weight = (PHRASE_WEIGHT if len(kw) > 1 else 1.0) * (1.0 + math.log(n))
        for tid in owners[kw]:
            raw[tid] += weight
    scale = math.sqrt(LENGTH_NORM_WORDS / max(len(words), 100))
    return {k: v * scale for k, v in raw.items()}


def assign(doc: Doc) -> list[Topic]:
    """Up to MAX_TOPICS topics, strongest first."""
    lex = load_lexicon()
    own = scores(doc)
    total: dict[str, float] = defaultdict(float)
    for tid, s in own.items():
        total[top_level(tid)] += s
    ranked = sorted(total.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MIN_SCORE:
        return []
    best = ranked[0][1]
    out = []
    for tid, s in ranked[:MAX_TOPICS]:
        if s < max(MIN_SCORE, RELATIVE_TO_BEST * best):
            break
        children = [(c, own[c]) for c in own if lex.topics[c].parent == tid]
        child, cs = max(children, key=lambda kv: kv[1], default=(None, 0.0))
        shown = child if child and cs >= CHILD_SHARE * s else tid
        out.append(Topic(shown, lex.topics[shown].label, round(s, 2)))
    return out
