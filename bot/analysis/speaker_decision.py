"""The one speaker decision: every reading of who said a quotation is a candidate with evidence
(what the reading found, where its reporting verb stood, what the quotation continues), weighed
with config/speaker_decision.toml; the best score wins, the earliest-found on a tie (nearest to
the quotation), and the decision keeps its votes so `newsbot eval` can say why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.analysis.evidence import Votes, Weights, explain, load_weights, weigh
from bot.paths import CONFIG_DIR

WEIGHTS_FILE = CONFIG_DIR / "speaker_decision.toml"


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str | None
    kind: str  # "person" | "org" | "other" | "none"
    via: str  # how it was found: "after" | "before" | "head" | "according" | "narration" | "inherited" | "none"
    rule: str = ""  # which of speaker_names.SubjectNamer.NAME_RULES read the subject
    mention: int = -1  # token where a person the NER missed is named ("Laurin said"): noted if it wins

    @property
    def found(self) -> str | None:
        """The kind of evidence this reading is: it names someone, describes someone
        ("stakeholders"), or is a person nobody could be resolved to ("she said", "she" unknown)."""
        if self.kind in ("person", "org") and self.name:
            return "named"
        if self.kind == "other":
            return "description"
        return "unresolved" if self.kind == "person" else None

    @property
    def reader(self) -> str:
        """What read this speaker: the naming rule when there is one, else where it was found."""
        return self.rule or self.via


NOBODY = Speaker(None, "none", "none")


@dataclass(frozen=True, slots=True)
class Candidate:
    speaker: Speaker
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    speaker: Speaker
    score: float
    votes: Votes
    others: int  # candidates it beat
    evidence: tuple[str, ...] = ()  # what the winning reading had, weighted or not

    @property
    def reading(self) -> str:
        """The winning reading and its evidence ("personal_pronoun: named+after_near")."""
        return f"{self.speaker.reader}: " + "+".join(self.evidence)

    def why(self) -> str:
        return f"{self.speaker.reader} {explain(self.score, self.votes)}; beat {self.others}"


def decide(candidates: Sequence[Candidate], weights: Weights | None = None) -> Decision:
    """The best-scored candidate; nobody (score 0, no votes) when there is none."""
    w = weights or load_weights(WEIGHTS_FILE)
    best: Decision | None = None
    for c in candidates:
        score, votes = weigh(c.evidence, w)
        if best is None or score > best.score:
            best = Decision(c.speaker, score, votes, len(candidates) - 1, tuple(k for k, v in c.evidence.items() if v))
    return best or Decision(NOBODY, 0.0, (), 0)
