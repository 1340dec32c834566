"""Quote extraction and attribution against human gold: GGT-98 and PolNeAR (../shared/eval/quotes).

Definitions (one place, used by the `seed` suite too):

- **Token overlap** of two quote texts: lowercase word tokens (`\\w+` runs, apostrophes of either
  kind kept inside words and unified) after removing quotation marks; overlap = size of the
  multiset intersection / max(token count of either). 1.0 means the same words; a gold quote
  and a prediction *match* at overlap >= 0.8. Matching is one-to-one, best overlap first.
- **Direct-quote P/R/F1**: gold = GGT quotes whose text starts with a quotation mark. A
  prediction matched to no direct gold quote but lying inside a gold *mixed* quote (a paraphrase
  containing a quoted fragment, e.g. `Gerlinghaus said the challenge was “…”`) is neither a hit
  nor a false positive: it is the fragment of that mixed quote. Mixed recall is reported apart
  (a mixed gold quote is found when a prediction lies inside it).
- **Speaker accuracy**: share of matched direct gold quotes whose predicted speaker names the
  gold `reference`. Names compare case- and punctuation-insensitively; when the reference is a
  full name, a prediction equal to its last word (the surname alone) also counts, and when the
  reference is a single word, a full name ending with it counts; a leading "the" is ignored.
  Reported overall and for gold speaker mentions that are pronouns and for "floating" quotes
  (no speaker in the sentence). The notes count wrong speakers by rough kind (`error_kind`).
- **PolNeAR direct segments**: gold = the quoted stretches (inside double marks) of every
  Content span piece that starts with a quotation mark (first annotator's file of each article);
  predictions inside a non-direct Content span are ignored like GGT mixed fragments.
- **PolNeAR named sources** (a check on a second set, since PolNeAR does not resolve sources):
  for each prediction inside a direct Content piece whose Source is written with a capitalized
  word and is not a pronoun ("Clinton", "The New York Post"), whether our speaker contains that
  Source's last capitalized word. Descriptions resolved to a name ("the businessman" -> Donald
  Trump) count as misses here, so this reads as "no worse", not as accuracy.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.evaluate.metrics import PRF, Row, SuiteResult, Worst

if TYPE_CHECKING:
    from bot.evaluate.runner import EvalContext

MATCH_OVERLAP = 0.8
FAST_DOCS = 20  # articles per corpus in --fast mode (first by file name: deterministic)
PRONOUNS = frozenset("he she him her his hers they them we i".split())
_MARKS = re.compile(r"[“”„«»\"]|‘‘|’’")
_TOKEN = re.compile(r"\w+(?:'\w+)*")
_GOLD_QUOTED = re.compile(r"(?:[“\"]|‘‘)(.*?)(?:[”\"]|’’|$)", re.S)


def tokens(text: str) -> Counter[str]:
    """Lowercase word tokens of a quote, quotation marks removed, apostrophes unified."""
    text = _MARKS.sub(" ", text).replace("’", "'").replace("‘", "'").lower()
    return Counter(_TOKEN.findall(text))


def overlap(a: str, b: str) -> float:
    """Token overlap as defined in the module docstring (0..1)."""
    return max_overlap(tokens(a), tokens(b))


def max_overlap(a: Counter[str], b: Counter[str]) -> float:
    """Shared tokens over the longer side's count (this module's overlap)."""
    longest = max(sum(a.values()), sum(b.values()))
    return sum((a & b).values()) / longest if longest else 0.0


def match(
    gold: Sequence[str],
    pred: Sequence[str],
    threshold: float = MATCH_OVERLAP,
    similarity: Callable[[Counter[str], Counter[str]], float] = max_overlap,
) -> dict[int, int]:
    """One-to-one gold index -> prediction index, best `similarity` first, at `threshold` or above."""
    gtok = [tokens(g) for g in gold]
    pairs = []
    for j, p in enumerate(pred):
        tp = tokens(p)
        pairs += [(score, i, j) for i, tg in enumerate(gtok) if (score := similarity(tg, tp)) >= threshold]
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs, key=lambda x: (-x[0], x[1], x[2])):
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


def _norm_name(name: str) -> list[str]:
    words = re.sub(r"[^\w\s'-]", " ", name.replace("’", "'")).lower().split()
    return words[1:] if len(words) > 1 and words[0] == "the" else words  # "The U.S. State Department"


def same_speaker(pred: str | None, reference: str | None) -> bool:
    """Speaker rule of the module docstring (surname-only allowed against a full name)."""
    if not pred or not reference:
        return False
    p, r = _norm_name(pred), _norm_name(reference)
    if not p or not r:
        return False
    if p == r:
        return True
    if len(r) >= 2 and len(p) == 1:
        return p[0] == r[-1]
    if len(r) == 1:
        return p[-1] == r[0]
    return False


def error_kind(pred: str | None, reference: str | None) -> str:
    """Rough class of a wrong speaker, for the notes: where the next fix should look."""
    if not pred:
        return "no speaker found"
    ref = reference or ""
    if ref[:1].islower() or not any(w[:1].isupper() for w in ref.split()):
        return "gold is a description or group (\"the commission\", \"students\")"
    if pred[:1].islower() or pred.split()[0] in ("The", "A", "An", "One", "Another"):
        return "description not resolved to the named person"
    if set(_norm_name(pred)) & set(_norm_name(ref)):
        return "name cut short, doubled or extended"
    return "another name (pronoun, floating quote or NER place/firm)"


@dataclass
class Tally:
    direct: PRF
    mixed_found: int = 0
    mixed_total: int = 0
    spk: Counter[str] | None = None  # "<kind>_right" / "<kind>_total"

    def __post_init__(self) -> None:
        self.spk = self.spk or Counter()


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]], slack: int = 2) -> bool:
    return any(s - slack <= start and end <= e + slack for s, e in spans)


def score_doc(
    gold: list[dict[str, Any]], preds: Sequence[Any], tally: Tally
) -> tuple[float, list[str]]:
    """Add one GGT article to `tally`; return its direct recall and the missed gold quotes."""
    direct = [g for g in gold if g["type"] == "direct"]
    mixed = [(g["quote"]["start"], g["quote"]["end"]) for g in gold if g["type"] == "mixed"]
    texts = [p.text for p in preds]
    m = match([g["quote"]["text"] for g in direct], texts)
    matched_preds = set(m.values())
    fp = sum(1 for j, p in enumerate(preds) if j not in matched_preds and not _inside(p.start, p.end, mixed))
    tally.direct += PRF(tp=len(m), fp=fp, fn=len(direct) - len(m))
    tally.mixed_total += len(mixed)
    tally.mixed_found += sum(1 for s, e in mixed if any(s - 2 <= p.start and p.end <= e + 2 for p in preds))
    assert tally.spk is not None
    for i, j in m.items():
        g = direct[i]
        spk = g.get("speaker")
        kind = "floating" if spk is None else "pronoun" if spk["text"].lower() in PRONOUNS else "named"
        right = same_speaker(preds[j].speaker, g.get("reference"))
        for k in (kind, "all"):
            tally.spk[f"{k}_total"] += 1
            tally.spk[f"{k}_right"] += right
        if not right:
            tally.spk[f"error: {error_kind(preds[j].speaker, g.get('reference'))}"] += 1
    missed = [direct[i]["quote"]["text"] for i in range(len(direct)) if i not in m]
    return (len(m) / len(direct) if direct else 1.0), missed


def _acc_row(metric: str, right: int, total: int, anchor: str = "", target: float | None = None) -> Row:
    acc = right / total if total else 0.0
    return Row.single(metric, acc, f"right={right} of {total}", anchor, target)


def _ggt(ctx: EvalContext, notes: list[str]) -> tuple[list[Row], list[Worst], int, float]:
    root = ctx.shared / "eval" / "quotes" / "ggt-annotated-98"
    items = [json.loads(line) for line in (root / "annotations.jsonl").read_text(encoding="utf8").splitlines() if line]
    items.sort(key=lambda a: a["id"])
    if ctx.fast:
        items = items[:FAST_DOCS]
    texts = [(root / a["text_file"]).read_text(encoding="utf8") for a in items]
    t0 = time.perf_counter()
    docs = list(ctx.nlp.pipe(texts))
    seconds = time.perf_counter() - t0
    tally = Tally(PRF())
    worst = []
    for a, doc in zip(items, docs, strict=True):
        recall, missed = score_doc(a["quotes"], doc._.quotes, tally)
        if missed:
            worst.append(Worst(a["id"], recall, missed))
    worst.sort(key=lambda w: (w.score, -len(w.missed)))
    spk = tally.spk or Counter()
    rows = [
        Row.from_prf("GGT direct quotes F1@0.8", tally.direct, "GGT 0.84@0.3; textacy 0.79", 0.92),
        _acc_row("GGT mixed quotes found (recall)", tally.mixed_found, tally.mixed_total),
        _acc_row("GGT speaker right (matched direct)", spk["all_right"], spk["all_total"], "textacy 0.57", 0.92),
        _acc_row("  speaker right: named mention", spk["named_right"], spk["named_total"]),
        _acc_row("  speaker right: pronoun", spk["pronoun_right"], spk["pronoun_total"]),
        _acc_row("  speaker right: floating", spk["floating_right"], spk["floating_total"]),
    ]
    notes.append(f"GGT: {len(items)} articles, nlp.pipe {1000 * seconds / max(len(items), 1):.1f} ms/doc")
    errors = sorted(((n, k[len("error: "):]) for k, n in spk.items() if k.startswith("error: ")), reverse=True)
    notes.append("GGT speaker errors: " + "; ".join(f"{k} {n}" for n, k in errors))
    return rows, worst[:5], len(items), seconds


@dataclass
class Brat:
    """A PolNeAR .ann file: text spans by id (label, pieces, text) and attribution relations."""

    spans: dict[str, tuple[str, list[tuple[int, int]], str]]
    relations: list[dict[str, str]]  # role ("Content", "Source", ...) -> span id

    def contents(self) -> list[list[tuple[int, int]]]:
        return [pieces for label, pieces, _ in self.spans.values() if label == "Content"]


def read_brat(ann: Path) -> Brat:
    spans: dict[str, tuple[str, list[tuple[int, int]], str]] = {}
    relations: list[dict[str, str]] = []
    for line in ann.read_text(encoding="utf8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].startswith("T"):
            label, _, offsets = parts[1].partition(" ")
            pieces = [(int(a), int(b)) for a, b in (p.split() for p in offsets.split(";"))]
            spans[parts[0]] = (label, pieces, parts[2] if len(parts) > 2 else "")
        elif len(parts) >= 2 and parts[0].startswith("E"):
            relations.append(dict(r.split(":", 1) for r in parts[1].split() if ":" in r))
    return Brat(spans, relations)


def named_source_hits(text: str, brat: Brat, preds: Sequence[Any]) -> tuple[int, int]:
    """(right, total) of the PolNeAR named-source check in the module docstring."""
    right = total = 0
    for rel in brat.relations:
        if "Source" not in rel or "Content" not in rel or rel["Source"] not in brat.spans:
            continue
        source = brat.spans[rel["Source"]][2]
        words = [w for w in re.sub(r"[^\w\s'-]", " ", source).split() if w[:1].isupper() and w.lower() != "the"]
        if source.lower() in PRONOUNS or not words:
            continue
        key = re.sub(r"['’]s$", "", words[-1]).lower()
        for s, e in brat.spans.get(rel["Content"], ("", [], ""))[1]:
            if not text[s:e].lstrip().startswith(("“", '"', "‘‘")):
                continue
            for p in preds:
                if s - 2 <= p.start and p.end <= e + 2:
                    total += 1
                    right += bool(p.speaker) and key in p.speaker.lower()
    return right, total


Spans = list[tuple[int, int]]


def polnear_gold(text: str, contents: list[Spans]) -> tuple[Spans, Spans]:
    """(direct quoted segments, other content spans) of one article."""
    direct: list[tuple[int, int]] = []
    other: list[tuple[int, int]] = []
    for pieces in contents:
        for s, e in pieces:
            piece = text[s:e]
            if not piece.lstrip().startswith(("“", '"', "‘‘")):
                other.append((s, e))
                continue
            for m in _GOLD_QUOTED.finditer(piece):
                if m.group(1).strip():
                    direct.append((s + m.start(1), s + m.end(1)))
    return direct, other


def _polnear(ctx: EvalContext, split: str, notes: list[str]) -> tuple[list[Row], int, float]:
    root = ctx.shared / "eval" / "quotes" / "polnear" / split
    files = sorted((root / "text").glob("*.txt"))
    if ctx.fast:
        files = files[:FAST_DOCS]
    texts = [f.read_text(encoding="utf8") for f in files]
    t0 = time.perf_counter()
    docs = list(ctx.nlp.pipe(texts))
    seconds = time.perf_counter() - t0
    prf = PRF()
    named = [0, 0]
    for f, text, doc in zip(files, texts, docs, strict=True):
        anns = sorted((root / "attributions").glob(f"{f.stem}_*.ann"))
        if not anns:
            continue
        brat = read_brat(anns[0])
        direct, other = polnear_gold(text, brat.contents())
        preds = doc._.quotes
        right, total = named_source_hits(text, brat, preds)
        named[0] += right
        named[1] += total
        m = match([text[s:e] for s, e in direct], [p.text for p in preds])
        used = set(m.values())
        fp = sum(1 for j, p in enumerate(preds) if j not in used and not _inside(p.start, p.end, other))
        prf += PRF(tp=len(m), fp=fp, fn=len(direct) - len(m))
    notes.append(f"PolNeAR {split}: {len(files)} articles")
    rows = [
        Row.from_prf(f"PolNeAR {split} direct segments F1@0.8", prf),
        _acc_row(f"PolNeAR {split} named source in speaker", named[0], named[1]),
    ]
    return rows, len(files), seconds


def run(ctx: EvalContext, *, polnear_split: str = "dev") -> SuiteResult:
    """GGT-98 direct quotes and speakers, then PolNeAR direct segments (dev unless told `test`)."""
    notes: list[str] = []
    rows, worst, n_ggt, s_ggt = _ggt(ctx, notes)
    prows, n_pol, s_pol = _polnear(ctx, polnear_split, notes)
    rows += prows
    return SuiteResult("quotes", n_ggt + n_pol, s_ggt + s_pol, rows, worst, notes)
