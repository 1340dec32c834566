"""The one organization decision: weigh each candidate's evidence with the weights in
config/org_decision.toml and record why it was kept or dropped (`newsbot eval` prints it)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.analysis.org_evidence import Candidate
from bot.paths import CONFIG_DIR

WEIGHTS_FILE = CONFIG_DIR / "org_decision.toml"


@dataclass(frozen=True, slots=True)
class Weights:
    bias: float
    weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class Decision:
    """A candidate name, whether it is an organization, its score and the evidence that counted."""

    name: str
    kept: bool
    score: float
    votes: tuple[tuple[str, float], ...]  # (evidence, weight x value), largest first

    def why(self) -> str:
        verdict = "kept" if self.kept else "dropped"
        parts = ", ".join(f"{k} {v:+.1f}" for k, v in self.votes)
        return f"{verdict} {self.score:+.1f}: {parts}"


@cache
def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    data = tomllib.loads(path.read_text("utf8"))
    return Weights(float(data.get("bias", 0.0)), {k: float(v) for k, v in data["weights"].items()})


def decide(cand: Candidate, weights: Weights | None = None) -> Decision:
    w = weights or load_weights()
    votes = [(k, w.weights.get(k, 0.0) * v) for k, v in cand.evidence.items() if v and w.weights.get(k)]
    score = w.bias + sum(v for _, v in votes)
    votes.sort(key=lambda kv: -abs(kv[1]))
    return Decision(cand.name, score > 0, round(score, 2), tuple(votes))
