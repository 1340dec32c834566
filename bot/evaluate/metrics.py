"""One precision/recall/F1 everywhere (like spaCy's `PRFScore`), plus the suite result shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PRF:
    """Micro-averaged counts; add documents with `+=`."""

    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    def __iadd__(self, other: PRF) -> PRF:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Row:
    """One line of a suite's table."""

    metric: str
    precision: float | None  # None for single-figure rows (accuracy, counts)
    recall: float | None
    f1: float  # or the single figure
    counts: str = ""  # e.g. "tp=120 fp=8 fn=11"
    anchor: str = ""  # the published / measured figure to beat
    target: float | None = None  # F1 (or accuracy) we aim for

    @classmethod
    def from_prf(cls, metric: str, prf: PRF, anchor: str = "", target: float | None = None) -> Row:
        counts = f"tp={prf.tp:g} fp={prf.fp:g} fn={prf.fn:g}"
        return cls(metric, prf.precision, prf.recall, prf.f1, counts, anchor, target)

    @classmethod
    def single(cls, metric: str, value: float, counts: str = "", anchor: str = "", target: float | None = None) -> Row:
        """A row with one figure (an accuracy, a count): shown in the F1 column, P and R left blank."""
        return cls(metric, None, None, value, counts, anchor, target)


@dataclass
class Worst:
    doc: str
    score: float
    missed: list[str] = field(default_factory=list)


@dataclass
class SuiteResult:
    suite: str
    docs: int
    seconds: float
    rows: list[Row] = field(default_factory=list)
    worst: list[Worst] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    worst_items: int = 3  # misses printed per worst document

    @property
    def ms_per_doc(self) -> float:
        return 1000 * self.seconds / self.docs if self.docs else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "docs": self.docs,
            "seconds": round(self.seconds, 3),
            "ms_per_doc": round(self.ms_per_doc, 1),
            "rows": [
                {
                    "metric": r.metric,
                    "precision": None if r.precision is None else round(r.precision, 4),
                    "recall": None if r.recall is None else round(r.recall, 4),
                    "f1": round(r.f1, 4),
                    "counts": r.counts,
                    "anchor": r.anchor,
                    "target": r.target,
                    "met": None if r.target is None else r.f1 >= r.target,
                }
                for r in self.rows
            ],
            "worst": [{"doc": w.doc, "score": round(w.score, 4), "missed": w.missed} for w in self.worst],
            "notes": self.notes,
        }
