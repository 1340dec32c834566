"""Key phrases and themes ranked on a parsed spaCy `Doc`.

Key phrases (the DUC-2001 task) use an sCAKE-style graph ranking; themes use word salience
(`salience_scores`: repetition x rarity in English), which measured better on the newsroom set.

sCAKE (Duari & Bhatnagar 2019) beat YAKE, TextRank and SGRank on DUC-2001 in textacy's
comparison. It scores each content word by the product of four signals read off a word
co-occurrence graph (two-sentence windows): its position, how deep in a tightly connected core
it sits, its "semantic strength" (co-occurrence weighted by its neighbours' levels) and its
"semantic connectivity" (how many levels its neighbours span). sCAKE's level is the k-truss; we
use the k-core number (see `core_numbers`: better F1 on DUC-2001 and ~10x cheaper). Candidate
phrases are maximal runs of content words; a phrase scores the sum of its words.
Our own implementation (textacy is not a dependency), on `Doc.to_array` columns and numpy
matrices rather than per-token Python: `tokens` -> `candidates` / `word_scores` -> `rank`, then
`select` keeps the best phrases that are not near-duplicates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_STOP, LEMMA, LENGTH, LIKE_NUM, LOWER, ORTH, POS, SENT_START, SPACY
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.tokens import Doc

from bot.analysis import rarity
from bot.analysis.lexicons import HashedWords, hashed_word_list, word_list
from bot.analysis.rarity import informativeness

CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
HEAD_POS = frozenset({"NOUN", "PROPN"})  # a phrase must end on a noun to read as a theme
_CONTENT_POS_IDS = [POS_IDS[p] for p in CONTENT_POS]
_HEAD_POS_IDS = [POS_IDS[p] for p in HEAD_POS]
_PROPN_ID = POS_IDS["PROPN"]
# Entity types that are never what a story is "about" (dates, amounts, counts).
SKIP_ENTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
NAMED_ENTS = frozenset({"PERSON", "ORG"})
MARKUP = re.compile(r"[@<>|]|://|^www\.|\.(com|org|net)\b", re.I)
MAX_WORDS = 3  # DUC-2001 gold phrases average 2.1 words; longer runs are usually two phrases
WINDOW_SENTENCES = 2  # sCAKE's co-occurrence window
# Longer candidates sum more word scores; dividing by len**LENGTH_DAMPING keeps two-word phrases
# competitive with four-word runs (0 = plain sCAKE sum, 1 = mean).
LENGTH_DAMPING = 0.0
# How much a phrase's own repetition adds (sCAKE itself uses 0: only its words' scores count).
COUNT_EXPONENT = 0.0
# sCAKE's position weight sums 1/(i+1) over a word's occurrences; a smaller exponent lets
# words that recur through the body (not only in the lead) count.
POSITION_EXPONENT = 1.0
# A single word must recur this often to stand alone as a theme.
THEME_SINGLE_WORD_MIN_COUNT = 3
# Salience grows with the square root of a word's count: the story's main subject leads, but one
# name repeated twenty times does not crowd out its other subjects.
SALIENCE_COUNT_EXPONENT = 0.5
# A noun WordNet knows only as an act, event, state, process ... (config/lexicons/
# wordnet_topical_nouns.txt: "impeachment", "slowdown", "miscarriage") weighs this much more:
# editors tag stories with what happened, less with the things in them. 0.45 is the first value
# of dev's plateau (grid and both halves: README, Quality).
TOPICAL_BOOST = 0.45


@dataclass
class Candidate:
    """One candidate phrase, keyed by its lemmas; surface forms counted for the label."""

    key: tuple[str, ...]
    first: int  # token index of the first occurrence
    count: int = 0
    forms: dict[str, int] = field(default_factory=dict)  # surface form -> count
    proper: bool = False  # every word a proper noun: keep the original capitalization
    named: bool = False  # a person's or organization's name (the reply lists those apart)
    score: float = 0.0
    weights: tuple[float, ...] = ()  # each word's graph score

    @property
    def head(self) -> str:
        return self.key[-1]

    @property
    def label(self) -> str:
        form = max(self.forms, key=self.forms.__getitem__)  # most frequent; first seen on ties
        return form if self.proper else _lower_common(form)


def _lower_common(form: str) -> str:
    """Lowercase a phrase but keep acronyms and capitalized names inside it ("FDA", "U.S.")."""
    out = []
    for word in form.split(" "):
        keep = sum(c.isupper() for c in word) > 1 or (word[:1].isupper() and "." in word)
        out.append(word if keep else word.lower())
    return " ".join(out)


@cache
def load_stop_phrases() -> frozenset[str]:
    """Generic words/phrases (lemmas, lowercase) that never make a theme alone."""
    return frozenset(s.lower() for s in word_list("stop_phrases.txt"))


def _norm_form(lemma: str, lower: str, propn: bool) -> str:
    """Lowercase lemma; names keep their text (the lemmatizer leaves them alone) with a plural
    folded, so "Advanced Manufacturing Technologies" keys like "advanced manufacturing technology"."""
    if not propn:
        return (lemma or lower).lower()
    if len(lower) > 4 and lower.endswith("ies"):
        return lower[:-3] + "y"
    if len(lower) > 3 and lower.endswith("s") and not lower.endswith(("ss", "us", "is", "'s")):
        return lower[:-1]
    return lower


def _wordish(text: str) -> bool:
    """A word a phrase may contain: letters, and no handle, address or markup ("@mattbevin",
    "example.com/page", "<#C1|news>") that an editor would never tag a story with."""
    return len(text) > 1 and any(c.isalpha() for c in text) and not MARKUP.search(text)


@dataclass(frozen=True)
class Tokens:
    """What the ranking needs per token, read once with `Doc.to_array` (no `Token` objects).

    `node[i]` indexes `words` (the token's normalized form) for content tokens, -1 otherwise.
    """

    node: np.ndarray
    words: list[str]
    sent: np.ndarray  # sentence index of each token
    n_sents: int
    joiner: np.ndarray  # an in-word hyphen/slash ("property-casualty") glues its neighbours
    head_ok: np.ndarray  # a noun: a phrase may end here
    propn: np.ndarray
    named: np.ndarray
    inside: np.ndarray  # continues a named entity ("Kong" in "Hong Kong")
    start: np.ndarray  # character offsets, for surface forms
    end: np.ndarray


_ATTRS = [POS, IS_STOP, LIKE_NUM, ENT_TYPE, SENT_START, LEMMA, LOWER, ORTH, SPACY, IDX, LENGTH, ENT_IOB]


def tokens(doc: Doc) -> Tokens:
    """Per-token arrays; Python-level work only once per distinct content word."""
    strings = doc.vocab.strings
    hashes = doc.to_array(_ATTRS).reshape(len(doc), len(_ATTRS))  # uint64: string hashes stay exact
    small = hashes.astype(np.int64)  # POS ids, flags, offsets (SENT_START -1 stays -1)
    pos, stop, num, _, sstart, _, _, _, space, idx, length, iob = small.T
    ent, lemma, lower, orth = hashes[:, 3], hashes[:, 5], hashes[:, 6], hashes[:, 7]
    skip = np.array([strings[e] for e in SKIP_ENTS], np.uint64)
    maybe = np.isin(pos, _CONTENT_POS_IDS) & (stop == 0) & (num == 0) & ~np.isin(ent, skip)
    node = np.full(len(doc), -1, np.int64)
    index: dict[str, int] = {}
    seen: dict[tuple[int, int, int], int] = {}
    for i in np.flatnonzero(maybe).tolist():
        key = (int(pos[i]), int(lemma[i]), int(lower[i]))
        nid = seen.get(key)
        if nid is None:
            if not _wordish(strings[int(orth[i])]):
                nid = -1
            else:
                form = _norm_form(strings[int(lemma[i])], strings[int(lower[i])], key[0] == _PROPN_ID)
                nid = index.setdefault(form, len(index))
            seen[key] = nid
        node[i] = nid
    words = [""] * len(index)
    for form, nid in index.items():
        words[nid] = form
    sent = np.maximum(np.cumsum(sstart == 1) - 1, 0)
    hyphen = np.isin(orth, np.array([strings[t] for t in ("-", "/")], np.uint64))
    glued = np.zeros(len(doc), bool)
    glued[1:] = (space[1:] == 0) & (space[:-1] == 0)  # no space after this token nor the one before
    named_ids = np.array([strings[e] for e in NAMED_ENTS], np.uint64)
    return Tokens(
        node=node,
        words=words,
        sent=sent,
        n_sents=int(sent[-1]) + 1 if len(doc) else 0,
        joiner=hyphen & glued,
        head_ok=np.isin(pos, _HEAD_POS_IDS),
        propn=pos == _PROPN_ID,
        named=np.isin(ent, named_ids),
        inside=iob == 1,  # ENT_IOB 1: inside an entity, not its first token
        start=idx,
        end=idx + length,
    )


def _runs(tk: Tokens) -> Iterable[list[int]]:
    """Maximal runs of content words (hyphen-joined words stay together), within a sentence."""
    node = tk.node.tolist()
    joiner = tk.joiner.tolist()
    sent = tk.sent.tolist()
    n = len(node)
    run: list[int] = []
    for i in range(n):
        if run and sent[i] != sent[run[-1]]:
            yield run
            run = []
        if node[i] >= 0 or (run and joiner[i] and i + 1 < n and node[i + 1] >= 0 and sent[i + 1] == sent[i]):
            run.append(i)
        elif run:
            yield run
            run = []
    if run:
        yield run


def _trim(run: list[int], joiner: list[bool], head_ok: list[bool], inside: list[bool]) -> list[int]:
    """End on a noun; keep at most MAX_WORDS words (the head-side ones), never starting inside a
    name ("National Security Council Ukraine expert" -> "Ukraine expert", not "Council Ukraine
    expert")."""
    while run and (not head_ok[run[-1]] or joiner[run[-1]]):
        run = run[:-1]
    while run and joiner[run[0]]:
        run = run[1:]
    words = [i for i in run if not joiner[i]]
    if len(words) > MAX_WORDS:
        run = run[run.index(words[-MAX_WORDS]) :]
        while run and (inside[run[0]] or joiner[run[0]]):
            run = run[1:]
    return run


def candidates(doc: Doc, tk: Tokens | None = None) -> dict[tuple[str, ...], Candidate]:
    """All candidate phrases of `doc`, keyed by their word lemmas."""
    tk = tk or tokens(doc)
    out: dict[tuple[str, ...], Candidate] = {}
    text = doc.text
    # plain lists: indexing numpy arrays one element at a time is slower than the work itself
    joiner, head_ok, propn, named, inside = (
        a.tolist() for a in (tk.joiner, tk.head_ok, tk.propn, tk.named, tk.inside)
    )
    node, start, end = tk.node.tolist(), tk.start.tolist(), tk.end.tolist()
    for raw in _runs(tk):
        run = _trim(raw, joiner, head_ok, inside)
        words = [i for i in run if not joiner[i]]
        if not words:
            continue
        key = tuple(tk.words[node[i]] for i in words)
        cand = out.get(key)
        if cand is None:
            proper = all(propn[i] for i in words)
            is_named = all(named[i] for i in words)
            cand = out[key] = Candidate(key, run[0], proper=proper, named=is_named)
        cand.count += 1
        form = text[start[run[0]] : end[run[-1]]]
        cand.forms[form] = cand.forms.get(form, 0) + 1
    return out


def cooccurrence(tk: Tokens) -> np.ndarray:
    """Edge weights (words x words): how often two content words share a window of consecutive
    sentences. A sentence-by-word incidence matrix makes it one matrix product."""
    n = len(tk.words)
    if not n:
        return np.zeros((0, 0), np.float32)
    content = tk.node >= 0
    inc = np.zeros((tk.n_sents, n), bool)
    inc[tk.sent[content], tk.node[content]] = True
    width = min(WINDOW_SENTENCES, tk.n_sents)
    m = max(1, tk.n_sents - width + 1)
    win = inc[:m].copy()
    for j in range(1, width):
        win |= inc[j : j + m]
    w = win.astype(np.float32)
    cooc = w.T @ w
    np.fill_diagonal(cooc, 0.0)
    return cooc


def core_numbers(adj: np.ndarray) -> np.ndarray:
    """Each node's k-core number, by bulk peeling: drop every node of degree <= k, update its
    neighbours' degrees, repeat; when none is left at k, jump to the smallest remaining degree.

    sCAKE ranks by k-truss level; the core number is the same idea at the node level (a clique
    of c words is a (c-1)-core and a c-truss) but needs no triangle counts: a few vector steps
    per level instead of Python work per triangle. Measured on DUC-2001: F1@10 0.309 with exact
    truss levels, 0.315 with core numbers; ranking time per document fell ~10x.
    """
    weights = adj.astype(np.int64)
    degree = weights.sum(axis=1)
    alive = degree > 0
    core = np.zeros(len(adj), np.int64)
    k = 0
    while alive.any():
        low = alive & (degree <= k)
        if not low.any():
            k = int(degree[alive].min())
            continue
        core[low] = k
        alive &= ~low
        degree -= weights[low].sum(axis=0)
    return core


def core_levels(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """`core_numbers` on a graph given as word pairs (for tests and callers with edge lists)."""
    pairs = list(edges)
    index: dict[str, int] = {}
    for pair in pairs:
        for w in pair:
            index.setdefault(w, len(index))
    adj = np.zeros((len(index), len(index)), bool)
    for u, v in pairs:
        adj[index[u], index[v]] = adj[index[v], index[u]] = True
    level = core_numbers(adj)
    return {w: int(level[i]) for w, i in index.items()}


def word_scores(doc: Doc, position_exponent: float = POSITION_EXPONENT, tk: Tokens | None = None) -> dict[str, float]:
    """sCAKE word score: position x core level x semantic strength x semantic connectivity."""
    tk = tk or tokens(doc)
    cooc = cooccurrence(tk)
    adj = cooc > 0
    if not adj.any():
        return {}
    levels = core_numbers(adj)
    top = int(levels.max())
    if top == 0:
        return {}
    strength = cooc @ levels.astype(np.float32)
    onehot = (levels[:, None] == np.arange(top + 1)[None, :]).astype(np.float32)
    connectivity = ((adj.astype(np.float32) @ onehot) > 0).sum(axis=1) / top
    content = np.flatnonzero(tk.node >= 0)
    position = np.bincount(
        tk.node[content], weights=1.0 / (content + 1.0) ** position_exponent, minlength=len(tk.words)
    )
    scores = position * levels * strength * connectivity
    values = scores.tolist()
    return {tk.words[i]: values[i] for i in np.flatnonzero(adj.any(axis=1)).tolist()}


def salience_scores(tk: Tokens) -> dict[str, float]:
    """Theme word score: count**SALIENCE_COUNT_EXPONENT x rarity in English (a tf-idf with
    general English as the background). sCAKE's graph favours the words of the lead's cluster;
    editors' themes also name a story's secondary subjects, which recur less but are rare words
    ("poll", "medicaid", "extradition"). Measured against sCAKE on the newsroom set: README,
    Quality."""
    counts = np.bincount(tk.node[tk.node >= 0], minlength=len(tk.words))
    scores = counts**SALIENCE_COUNT_EXPONENT * informativeness(tk.words)
    scores = np.where(topical_nouns().contains(tk.words), scores * (1 + TOPICAL_BOOST), scores)
    return dict(zip(tk.words, scores.tolist(), strict=True))


def topical_nouns() -> HashedWords:
    """Nouns that name what happened rather than a thing ("impeachment", "slowdown")."""
    return hashed_word_list("wordnet_topical_nouns.txt")


def load_lexicons() -> None:
    """Read every word list theme ranking uses (the themes component's `initialize`)."""
    for loader in (topical_nouns, load_stop_phrases, rarity.warm):
        loader()


def rank(doc: Doc, themes: bool = False) -> list[Candidate]:
    """All candidates, best first (score, then earlier first occurrence); word scores from sCAKE,
    or with `themes` from `salience_scores`."""
    tk = tokens(doc)
    scores = salience_scores(tk) if themes else word_scores(doc, POSITION_EXPONENT, tk)
    cands = list(candidates(doc, tk).values())
    for c in cands:
        c.weights = tuple(scores.get(w, 0.0) for w in c.key)
        c.score = sum(c.weights) * c.count**COUNT_EXPONENT / len(c.key) ** LENGTH_DAMPING
    cands.sort(key=lambda c: (-c.score, c.first))
    return cands


# --- near-duplicates and diversity -----------------------------------------------------------

NEAR_DUP_OVERLAP = 0.5  # Jaccard of word sets, with the same head word, that reads as a repeat
# Selection is greedy on marginal gain: a word already covered by m chosen phrases counts only
# this fraction to the power m, so "manufacturing systems" adds little after "pharmaceutical manufacturing"
# (maximal marginal relevance with word-score-weighted overlap as the redundancy).
COVERED_WEIGHT = {"keyphrases": 0.4, "themes": 0.25}


_EDGE_PUNCT = ".,;:!?'\"()[]{}`"


@lru_cache(maxsize=1)
def _porter() -> Callable[[str], str]:
    from nltk.stem import PorterStemmer

    return lru_cache(maxsize=65536)(PorterStemmer().stem)


def phrase_key(phrase: str, stem: Callable[[str], str] | None = None) -> tuple[str, ...]:
    """The one normal form for "is this the same phrase": lowercase, split on whitespace, strip
    punctuation around each word, Porter-stem word by word (the DUC-2001 metric's procedure).

    Selection and the eval's near-duplicate count both use it, so what the metric calls a repeat
    is what selection avoids ("diabetes" / "diabetics", "term limits" / "term limitations").
    """
    stem = stem or _porter()
    words = (w.strip(_EDGE_PUNCT) for w in phrase.lower().split())
    return tuple(stem(w) for w in words if w)


def _contains(long: Sequence[str], short: Sequence[str]) -> bool:
    """`short` occurs as a run of consecutive words inside `long`."""
    n = len(short)
    return any(tuple(long[i : i + n]) == tuple(short) for i in range(len(long) - n + 1))


def near_duplicates(a: Sequence[str], b: Sequence[str], contained: bool = True) -> bool:
    """Two normalized phrases (see `phrase_key`) say the same thing: same words in any order;
    one contained in the other ("advanced manufacturing" / "advanced manufacturing
    technologies": the longer one already names it); or the same head noun with one's words a
    subset of the other's or at least half their words shared ("drug shortage" / "generic
    drug shortage", "diabetes" / "type ii diabetes"). Without `contained`, a phrase inside a
    longer one with another head is not a repeat (key phrase lists, e.g. DUC-2001's gold, keep
    "oil spill" beside "exxon valdez oil spill"-style nestings; themes shown in Slack do not)."""
    if not a or not b:
        return False
    sa, sb = set(a), set(b)
    if sa == sb:
        return True
    if contained and (_contains(a, b) or _contains(b, a)):
        return True
    if a[-1] != b[-1]:
        return False
    return sa <= sb or sb <= sa or len(sa & sb) / len(sa | sb) >= NEAR_DUP_OVERLAP


def select(
    ranked: Sequence[Candidate], n: int, covered_weight: float, pool: int = 60, contained: bool = True
) -> list[Candidate]:
    """Top `n` by marginal gain over the best `pool` candidates, never two near-duplicates
    (`near_duplicates` on `phrase_key` of the labels, as the eval counts them)."""
    rest = [c for c in ranked[:pool] if c.score > 0]
    keys = {id(c): phrase_key(c.label) for c in rest}
    chosen: list[Candidate] = []
    covered: Counter[str] = Counter()
    while rest and len(chosen) < n:

        def gain(c: Candidate) -> float:
            total = sum(w * covered_weight ** covered[k] for k, w in zip(c.key, c.weights, strict=True))
            return total * c.count**COUNT_EXPONENT / len(c.key) ** LENGTH_DAMPING

        pick = max(rest, key=lambda c: (gain(c), -c.first))
        rest.remove(pick)
        if any(near_duplicates(keys[id(pick)], keys[id(s)], contained) for s in chosen):
            continue
        chosen.append(pick)
        covered.update(pick.key)
    return chosen


def is_generic(cand: Candidate, stop: frozenset[str]) -> bool:
    """A single generic word ("year", "people") or a phrase made only of generic words."""
    return all(w in stop for w in cand.key)


def extract(doc: Doc, n: int, themes: bool = False) -> list[Candidate]:
    """The top `n` distinct key phrases of `doc`, generic words left out.

    With `themes`, words are ranked by salience (see `salience_scores`), names of people and
    organizations are left out (the reply lists them apart), a single word needs to recur, and
    overlap with phrases already chosen is penalized harder.
    """
    stop = load_stop_phrases()
    if not themes:
        ranked = [c for c in rank(doc) if not is_generic(c, stop)]
        return select(ranked, n, COVERED_WEIGHT["keyphrases"], contained=False)
    ranked = [
        c
        for c in rank(doc, themes=True)
        if not is_generic(c, stop) and not c.named and (len(c.key) > 1 or c.count >= THEME_SINGLE_WORD_MIN_COUNT)
    ]
    return select(ranked, n, COVERED_WEIGHT["themes"])
