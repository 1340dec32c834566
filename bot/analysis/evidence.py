"""Weighted evidence, the one decision primitive of the analysis: a candidate's score is a bias
plus the sum of weight x value over its evidence, with the weights kept as data in `config/`
(`org_decision.toml`, `speaker_decision.toml`) so a decision can be read, printed and re-weighed
without touching the code that gathers the evidence."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

Votes = tuple[tuple[str, float], ...]  # (evidence, weight x value), largest first


@dataclass(frozen=True, slots=True)
class Weights:
    bias: float
    weights: dict[str, float]


@cache
def load_weights(path: Path) -> Weights:
    """`bias` and a `[weights]` table of numbers; ValueError naming the file otherwise."""
    try:
        data = tomllib.loads(path.read_text("utf8"))
        return Weights(float(data.get("bias", 0.0)), {k: float(v) for k, v in data["weights"].items()})
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"decision weights {path}: {type(exc).__name__}: {exc}") from exc


def weigh(evidence: Mapping[str, float], weights: Weights) -> tuple[float, Votes]:
    """The score and the votes that made it (evidence without a weight casts none)."""
    votes = [(k, weights.weights.get(k, 0.0) * v) for k, v in evidence.items() if v and weights.weights.get(k)]
    score = weights.bias + sum(v for _, v in votes)
    votes.sort(key=lambda kv: -abs(kv[1]))
    return score, tuple(votes)


def explain(score: float, votes: Votes) -> str:
    """ "+1.0: ner_org +1.5, person -3.0" """
    return f"{score:+.1f}: " + ", ".join(f"{k} {v:+.1f}" for k, v in votes)
