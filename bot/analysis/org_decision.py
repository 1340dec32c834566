"""The one organization decision: weigh each candidate's evidence with the weights in
config/org_decision.toml and record why it was kept or dropped (`newsbot eval` prints it)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.analysis.evidence import Votes, Weights, explain, load_weights, weigh
from bot.analysis.org_evidence import Candidate
from bot.paths import CONFIG_DIR

WEIGHTS_FILE = CONFIG_DIR / "org_decision.toml"

__all__ = ["WEIGHTS_FILE", "Decision", "Weights", "decide"]


@dataclass(frozen=True, slots=True)
class Decision:
    """A candidate name, whether it is an organization, its score and the evidence that counted."""

    name: str
    kept: bool
    score: float
    votes: Votes

    def why(self) -> str:
        return f"{'kept' if self.kept else 'dropped'} {explain(self.score, self.votes)}"


def decide(cand: Candidate, weights: Weights | None = None) -> Decision:
    score, votes = weigh(cand.evidence, weights or load_weights(WEIGHTS_FILE))
    return Decision(cand.name, score > 0, round(score, 2), votes)
