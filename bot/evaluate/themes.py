"""Themes suite: DUC-2001 key phrases F1@10, near-duplicates in the top 8, IPTC topic accuracy.

DUC-2001 (Wan & Xiao 2008 annotations, ../shared/eval/themes/duc2001) is scored as its README
and SIFRank's script do: lowercase, split on whitespace, strip punctuation around each word,
Porter-stem word by word, exact match on the stemmed string, predictions de-duplicated after
stemming before the top k; micro P = correct/predicted, R = correct/all gold (even gold absent
from the text). The IPTC check uses our hand-labelled set tests/data/iptc_labels.json (ids only;
texts come from ../shared), scored at the top level of the vocabulary.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.analysis import keyphrases, topics
from bot.evaluate.metrics import PRF, Row, SuiteResult, Worst
from bot.paths import REPO_ROOT

K = 10
TOP_THEMES = 8
FAST_EVERY = 4  # ctx.fast: every 4th DUC document (sorted by id), deterministic
IPTC_LABELS = REPO_ROOT / "tests" / "data" / "iptc_labels.json"
SEED = "pharma-manufacturing"

Stem = Callable[[str], str]


def porter() -> Stem:
    """NLTK's Porter stemmer (the upstream metric's); an eval-only dependency."""
    from nltk.stem import PorterStemmer

    stemmer = PorterStemmer()
    return stemmer.stem


def normalize(phrase: str, stem: Stem) -> str:
    """Lowercase, split on whitespace, strip surrounding punctuation, stem word by word (the
    same normal form theme selection uses, keyphrases.phrase_key)."""
    return " ".join(keyphrases.phrase_key(phrase, stem))


def score_at_k(predicted: Sequence[str], gold: Sequence[str], k: int, stem: Stem) -> PRF:
    """Counts for one document: tp = correct among the top k (deduplicated after stemming)."""
    seen: list[str] = []
    for p in predicted:
        n = normalize(p, stem)
        if n and n not in seen:
            seen.append(n)
    top = seen[:k]
    gold_set = {normalize(g, stem) for g in gold if g.strip()}
    tp = sum(1 for p in top if p in gold_set)
    return PRF(tp=tp, fp=len(top) - tp, fn=len(gold_set) - tp)


def count_near_duplicates(labels: Sequence[str], stem: Stem) -> int:
    """Pairs among `labels` that say the same thing (see keyphrases.near_duplicates)."""
    keys = [k for k in (keyphrases.phrase_key(x, stem) for x in labels) if k]
    return sum(
        1 for i in range(len(keys)) for j in range(i + 1, len(keys)) if keyphrases.near_duplicates(keys[i], keys[j])
    )


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DucDoc:
    id: str
    text: str
    gold: tuple[str, ...]


_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def duc_text(sgml: str) -> str:
    """All <TEXT> blocks, inner tags removed, line wraps joined (paragraph indents kept as breaks)."""
    blocks = []
    for block in _TEXT.findall(sgml):
        block = html.unescape(_TAG.sub(" ", block))
        paras = re.split(r"\n\s*\n|\n(?=[ \t]{2,})", block)
        blocks += [" ".join(p.split()) for p in paras if p.strip()]
    return "\n\n".join(blocks)


def load_duc(root: Path) -> list[DucDoc]:
    gold: dict[str, tuple[str, ...]] = {}
    for line in (root / "annotations.txt").read_text(encoding="utf8", errors="replace").splitlines():
        if "@" in line:
            doc_id, _, kps = line.partition("@")
            gold[doc_id.strip()] = tuple(k.strip() for k in kps.split(";") if k.strip())
    docs = []
    for path in sorted((root / "docs").iterdir()):
        if path.name in gold:
            docs.append(DucDoc(path.name, duc_text(path.read_text(encoding="latin-1")), gold[path.name]))
    return docs


def load_iptc_texts(shared: Path) -> list[tuple[str, str, set[str]]]:
    """(id, text, gold top-level qcodes) for the hand-labelled set."""
    labels = json.loads(IPTC_LABELS.read_text(encoding="utf8"))
    truth = json.loads((shared / "eval" / "extraction" / "ground-truth.json").read_text(encoding="utf8"))
    out = []
    for item in labels["articles"]:
        doc_id = item["id"]
        text = seed_text(shared) if doc_id == SEED else truth[doc_id]["articleBody"]
        out.append((doc_id, text, {topics.top_level(q) for q in item["topics"]}))
    return out


def seed_text(shared: Path) -> str:
    from bot.extract import extract_article
    from bot.models import Page

    path = shared / "articles" / f"{SEED}.html"
    page = Page(url=str(path), final_url=str(path), body=path.read_bytes())
    return extract_article(page).text


def seed_coverage(labels: Iterable[str], gold_themes: Sequence[dict[str, Any]]) -> list[str]:
    """Gold themes (by label) none of whose `any_of` substrings appear in our labels."""
    text = " | ".join(labels).lower()
    return [g["label"] for g in gold_themes if not any(s.lower() in text for s in g["any_of"])]


# --- suite ------------------------------------------------------------------------------------


def run(ctx: Any) -> SuiteResult:
    nlp = ctx.nlp
    stem = porter()
    docs = load_duc(ctx.shared / "eval" / "themes" / "duc2001")
    if ctx.fast:
        docs = docs[::FAST_EVERY]
    others = [n for n in nlp.pipe_names if n.startswith("newsbot_")]
    total = PRF()
    macro: list[float] = []
    worst: list[Worst] = []
    near_dups = 0
    theme_seconds = 0.0
    t0 = time.perf_counter()
    with nlp.select_pipes(disable=others):
        parsed = nlp.pipe((d.text for d in docs), batch_size=16)
        for d, doc in zip(docs, parsed, strict=True):
            phrases = [c.label for c in keyphrases.extract(doc, K)]  # the DUC task, not timed
            t1 = time.perf_counter()
            themes = [c.label for c in keyphrases.extract(doc, TOP_THEMES, themes=True)]
            topics.assign(doc)
            theme_seconds += time.perf_counter() - t1
            prf = score_at_k(phrases, d.gold, K, stem)
            total += prf
            macro.append(prf.f1)
            near_dups += count_near_duplicates(themes, stem)
            hit = {normalize(p, stem) for p in phrases}
            missed = [g for g in d.gold if normalize(g, stem) not in hit]
            worst.append(Worst(d.id, prf.f1, [f"{', '.join(missed)} (ours: {', '.join(phrases[:5])})"]))
    seconds = time.perf_counter() - t0
    worst.sort(key=lambda w: w.score)
    rows = [
        Row.from_prf(f"DUC-2001 key phrases F1@{K}", total, "textacy sCAKE .263 (sm), YAKE .146", 0.28),
    ]
    macro_f1 = sum(macro) / len(macro) if macro else 0.0
    rows.append(Row.single(f"DUC-2001 macro F1@{K}", macro_f1, f"docs={len(docs)}"))
    rows.append(Row.single(f"near-duplicate pairs in top {TOP_THEMES}", float(near_dups), "target 0"))
    notes = [f"themes+topics alone: {1000 * theme_seconds / max(1, len(docs)):.1f} ms/doc (after parsing)"]

    if IPTC_LABELS.exists():
        rows.append(_iptc_row(nlp, ctx.shared, others, notes))
    gold_path = ctx.shared / "articles" / f"{SEED}.gold.json"
    if gold_path.exists():
        gold = json.loads(gold_path.read_text(encoding="utf8"))["themes"]
        with nlp.select_pipes(disable=others):
            doc = nlp(seed_text(ctx.shared))
        labels = [c.label for c in keyphrases.extract(doc, TOP_THEMES, themes=True)]
        missing = seed_coverage(labels, gold)
        covered = len(gold) - len(missing)
        rows.append(Row.single("seed article gold themes covered", covered / len(gold), f"{covered}/{len(gold)}"))
        notes.append(f"seed themes: {labels}; missing: {missing}")
    return SuiteResult("themes", len(docs), seconds, rows, worst[:5], notes)


def _iptc_row(nlp: Any, shared: Path, others: list[str], notes: list[str]) -> Row:
    """Top-1 accuracy (first topic's top level among the gold ones) and top-level set P/R."""
    items = load_iptc_texts(shared)
    prf = PRF()
    correct = 0
    with nlp.select_pipes(disable=others):
        for (doc_id, _, gold), doc in zip(items, nlp.pipe(t for _, t, _ in items), strict=True):
            found = topics.assign(doc)
            tops = list(dict.fromkeys(topics.top_level(t.id) for t in found))
            correct += bool(tops) and tops[0] in gold
            prf += PRF(tp=len(set(tops) & gold), fp=len(set(tops) - gold), fn=len(gold - set(tops)))
            if not tops or tops[0] not in gold:
                notes.append(f"IPTC miss {doc_id[:12]}: gold {sorted(gold)} ours {[t.label for t in found]}")
    acc = correct / len(items) if items else 0.0
    notes.append(f"IPTC top-level set P/R/F1 {prf.precision:.2f}/{prf.recall:.2f}/{prf.f1:.2f}")
    return Row.single("IPTC top-1 accuracy (top level)", acc, f"n={len(items)} correct={correct}", "", 0.7)
