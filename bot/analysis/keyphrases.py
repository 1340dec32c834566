"""Key phrases ranked on a parsed spaCy `Doc` with an sCAKE-style graph ranking.

sCAKE (Duari & Bhatnagar 2019) beat YAKE, TextRank and SGRank on DUC-2001 in textacy's
comparison. It scores each content word by the product of four signals read off a word
co-occurrence graph (two-sentence windows): its position, its k-truss level (how deep in a
tightly connected core it sits), its "semantic strength" (co-occurrence weighted by its
neighbours' truss levels) and its "semantic connectivity" (how many truss levels its neighbours
span). Candidate phrases are maximal runs of content words; a phrase scores the sum of its words.
Our own implementation (textacy is not a dependency); the steps are split into
`candidates` -> `word_scores` -> `rank`, and near-duplicate removal lives in `dedupe`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Token

from bot.config import CONFIG_DIR

STOP_PHRASES_FILE = CONFIG_DIR / "lexicons" / "stop_phrases.txt"

CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
HEAD_POS = frozenset({"NOUN", "PROPN"})  # a phrase must end on a noun to read as a theme
# Entity types that are never what a story is "about" (dates, amounts, counts).
SKIP_ENTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
NAMED_ENTS = frozenset({"PERSON", "ORG"})
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
# Themes summarize the whole story, not its lead: a flatter position weight, and a single word
# must recur this often to stand alone as a theme.
THEME_POSITION_EXPONENT = 0.5
THEME_SINGLE_WORD_MIN_COUNT = 3


@dataclass
class Candidate:
    """One candidate phrase, keyed by its lemmas; surface forms counted for the label."""

    key: tuple[str, ...]
    first: int  # token index of the first occurrence
    count: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    proper: bool = False  # every word a proper noun: keep the original capitalization
    named: bool = False  # a person's or organization's name (the reply lists those apart)
    score: float = 0.0
    weights: tuple[float, ...] = ()  # each word's graph score

    @property
    def head(self) -> str:
        return self.key[-1]

    @property
    def label(self) -> str:
        form = self.forms.most_common(1)[0][0]
        return form if self.proper else _lower_common(form)


def _lower_common(form: str) -> str:
    """Lowercase a phrase but keep acronyms and capitalized names inside it ("FDA", "U.S.")."""
    out = []
    for word in form.split(" "):
        keep = sum(c.isupper() for c in word) > 1 or (word[:1].isupper() and "." in word)
        out.append(word if keep else word.lower())
    return " ".join(out)


@lru_cache(maxsize=4)
def load_stop_phrases(path: Path = STOP_PHRASES_FILE) -> frozenset[str]:
    """Generic words/phrases (lemmas, lowercase) that never make a theme alone."""
    lines = path.read_text(encoding="utf8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def _norm(tok: Token) -> str:
    """Lowercase lemma; names keep their text (the lemmatizer leaves them alone) with a plural
    folded, so "Advanced Manufacturing Technologies" keys like "advanced manufacturing technology"."""
    if tok.pos_ != "PROPN":
        return (tok.lemma_ or tok.text).lower()
    word = tok.lower_
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    return word


def _is_content(tok: Token) -> bool:
    return (
        tok.pos_ in CONTENT_POS
        and not tok.is_stop
        and not tok.like_num
        and tok.ent_type_ not in SKIP_ENTS
        and any(c.isalpha() for c in tok.text)
        and len(tok.text) > 1
    )


def _is_joiner(tok: Token) -> bool:
    """An in-word hyphen ("property-casualty") glues the words on each side into one phrase."""
    return tok.text in {"-", "/"} and not tok.whitespace_ and tok.i > 0 and not tok.nbor(-1).whitespace_


def _runs(doc: Doc) -> Iterable[list[Token]]:
    """Maximal runs of content words (hyphen-joined words stay together), within a sentence."""
    run: list[Token] = []
    for tok in doc:
        if tok.is_sent_start and run:
            yield run
            run = []
        if _is_content(tok) or (run and _is_joiner(tok) and tok.i + 1 < len(doc) and _is_content(tok.nbor(1))):
            run.append(tok)
        elif run:
            yield run
            run = []
    if run:
        yield run


def _trim(run: list[Token]) -> list[Token]:
    """End on a noun; keep at most MAX_WORDS words (the head-side ones)."""
    while run and (run[-1].pos_ not in HEAD_POS or _is_joiner(run[-1])):
        run = run[:-1]
    while run and _is_joiner(run[0]):
        run = run[1:]
    words = [t for t in run if not _is_joiner(t)]
    if len(words) > MAX_WORDS:
        cut = words[-MAX_WORDS]
        run = run[run.index(cut) :]
    return run


def candidates(doc: Doc) -> dict[tuple[str, ...], Candidate]:
    """All candidate phrases of `doc`, keyed by their word lemmas."""
    out: dict[tuple[str, ...], Candidate] = {}
    for raw in _runs(doc):
        run = _trim(raw)
        words = [t for t in run if not _is_joiner(t)]
        if not words:
            continue
        key = tuple(_norm(t) for t in words)
        cand = out.get(key)
        if cand is None:
            proper = all(t.pos_ == "PROPN" for t in words)
            named = all(t.ent_type_ in NAMED_ENTS for t in words)
            cand = out[key] = Candidate(key, run[0].i, proper=proper, named=named)
        cand.count += 1
        cand.forms[doc[run[0].i : run[-1].i + 1].text] += 1
    return out


def _cooccurrence(doc: Doc) -> Counter[tuple[str, str]]:
    """Edge weights: how often two content lemmas share a window of consecutive sentences."""
    sents = [[_norm(t) for t in s if _is_content(t)] for s in doc.sents]
    cooc: Counter[tuple[str, str]] = Counter()
    width = min(WINDOW_SENTENCES, len(sents))
    for i in range(max(1, len(sents) - width + 1)):
        words = sorted({w for s in sents[i : i + width] for w in s})
        for a in range(len(words)):
            for b in range(a + 1, len(words)):
                cooc[(words[a], words[b])] += 1
    return cooc


def truss_levels(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Each node's highest k-truss level, by peeling edges in order of triangle support.

    An edge's level is the support (triangle count) at which it is peeled, so an edge in no
    triangle is level 0, as in textacy's sCAKE; a node takes the maximum over its edges. Bucket
    peeling (Wang & Cheng 2012) visits each triangle a bounded number of times.
    """
    index: dict[str, int] = {}
    nbrs: list[set[int]] = []
    for pair in edges:
        for w in pair:
            if w not in index:
                index[w] = len(nbrs)
                nbrs.append(set())
        u, v = index[pair[0]], index[pair[1]]
        nbrs[u].add(v)
        nbrs[v].add(u)
    n = len(nbrs)
    support: dict[int, int] = {}
    for u in range(n):
        for v in nbrs[u]:
            if u < v:
                a, b = (nbrs[u], nbrs[v]) if len(nbrs[u]) < len(nbrs[v]) else (nbrs[v], nbrs[u])
                support[u * n + v] = len(a & b)
    buckets: dict[int, set[int]] = defaultdict(set)
    for e, sup in support.items():
        buckets[sup].add(e)
    level = [0] * n
    k = 0
    while support:
        while not buckets.get(k):
            k += 1
        e = buckets[k].pop()
        del support[e]
        u, v = divmod(e, n)
        level[u] = max(level[u], k)
        level[v] = max(level[v], k)
        nbrs[u].discard(v)
        nbrs[v].discard(u)
        for x in nbrs[u] & nbrs[v]:
            for f in (min(u, x) * n + max(u, x), min(v, x) * n + max(v, x)):
                sup = support[f]
                if sup > k:
                    buckets[sup].discard(f)
                    support[f] = sup - 1
                    buckets[sup - 1].add(f)
    return {w: level[i] for w, i in index.items()}


def word_scores(doc: Doc, position_exponent: float = POSITION_EXPONENT) -> dict[str, float]:
    """sCAKE word score: position x truss level x semantic strength x semantic connectivity."""
    cooc = _cooccurrence(doc)
    if not cooc:
        return {}
    levels = truss_levels(cooc)
    top = max(levels.values())
    graph: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (u, v), w in cooc.items():
        graph[u].append((v, w))
        graph[v].append((u, w))
    position: dict[str, float] = defaultdict(float)
    for tok in doc:
        if _is_content(tok):
            position[_norm(tok)] += 1.0 / (tok.i + 1) ** position_exponent
    scores = {}
    for word, edges in graph.items():
        strength = sum(w * levels[n] for n, w in edges)
        connectivity = len({levels[n] for n, _ in edges}) / top
        scores[word] = position[word] * levels[word] * strength * connectivity
    return scores


def rank(doc: Doc, position_exponent: float = POSITION_EXPONENT) -> list[Candidate]:
    """All candidates, best first (score, then earlier first occurrence)."""
    scores = word_scores(doc, position_exponent)
    cands = list(candidates(doc).values())
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


def near_duplicates(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two normalized phrases say the same thing: same words in any order, or same head noun
    and at least half their words shared ("drug shortage" / "generic drug shortage")."""
    sa, sb = set(a), set(b)
    if sa == sb:
        return True
    return a[-1] == b[-1] and len(sa & sb) / len(sa | sb) >= NEAR_DUP_OVERLAP


def select(ranked: Sequence[Candidate], n: int, covered_weight: float, pool: int = 60) -> list[Candidate]:
    """Top `n` by marginal gain over the best `pool` candidates, never two near-duplicates."""
    rest = [c for c in ranked[:pool] if c.score > 0]
    chosen: list[Candidate] = []
    covered: Counter[str] = Counter()
    while rest and len(chosen) < n:
        def gain(c: Candidate) -> float:
            total = sum(w * covered_weight ** covered[k] for k, w in zip(c.key, c.weights, strict=True))
            return total * c.count**COUNT_EXPONENT / len(c.key) ** LENGTH_DAMPING

        pick = max(rest, key=lambda c: (gain(c), -c.first))
        rest.remove(pick)
        if any(near_duplicates(pick.key, s.key) for s in chosen):
            continue
        chosen.append(pick)
        covered.update(pick.key)
    return chosen


def is_generic(cand: Candidate, stop: frozenset[str]) -> bool:
    """A single generic word ("year", "people") or a phrase made only of generic words."""
    return all(w in stop for w in cand.key)


def extract(doc: Doc, n: int, themes: bool = False) -> list[Candidate]:
    """The top `n` distinct key phrases of `doc`, generic words left out.

    With `themes`, the ranking favours the whole story over its lead, names of people and
    organizations are left out (the reply lists them apart), a single word needs to recur, and
    overlap with phrases already chosen is penalized harder.
    """
    stop = load_stop_phrases()
    if not themes:
        ranked = [c for c in rank(doc) if not is_generic(c, stop)]
        return select(ranked, n, COVERED_WEIGHT["keyphrases"])
    ranked = [
        c
        for c in rank(doc, THEME_POSITION_EXPONENT)
        if not is_generic(c, stop) and not c.named and (len(c.key) > 1 or c.count >= THEME_SINGLE_WORD_MIN_COUNT)
    ]
    return select(ranked, n, COVERED_WEIGHT["themes"])
