"""Source kinds (the sources ledger's categories) against a hand-labelled sample.

`tests/data/source_kinds.jsonl`: every organization and every titled speaker of the newsroom
set (`../shared/eval/newsroom`), labelled by hand with the kind a newsroom audit would give
it (conventions in tests/data/SOURCES.md). Speakers are classified from their title and the
story's organization names, as the analysis sees them; the halves are the set's dev/test split.
Reads only the repository, so it runs on a lone clone too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.analysis.source_kinds import org_kind, quote_kind
from bot.evaluate.metrics import Row, SuiteResult, Worst
from bot.models import Organization
from bot.paths import REPO_ROOT

if TYPE_CHECKING:
    from bot.evaluate.runner import EvalContext

SAMPLE = REPO_ROOT / "tests" / "data" / "source_kinds.jsonl"


def predict(row: dict[str, Any]) -> tuple[str, str]:
    """(kind, why) for one labelled row: an organization, or a speaker with their story."""
    if "org" in row:
        d = org_kind(row["org"], row.get("aliases", ()))
        return d.kind, d.via
    orgs = [Organization(n, kind=org_kind(n).kind) for n in row["story_orgs"]]
    d, _org = quote_kind(row["speaker"], row["title"], orgs)
    return d.kind, d.via


def run(ctx: EvalContext) -> SuiteResult:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf8").splitlines() if line.strip()]
    result = SuiteResult("sources", docs=len(rows), seconds=0.0)
    result.notes.append(f"{SAMPLE.name}: hand-labelled organizations and titled speakers of the newsroom set")
    misses: list[Worst] = []
    for half in ("dev", "test"):
        for what, key in (("speakers", "speaker"), ("organizations", "org")):
            sample = [r for r in rows if r["half"] == half and key in r]
            right = 0
            for r in sample:
                kind, why = predict(r)
                right += kind == r["kind"]
                if kind != r["kind"] and half == "dev":
                    misses.append(Worst(r.get("title") or r["org"], 0.0, [f"gold {r['kind']}, ours {kind} ({why})"]))
            acc = right / len(sample) if sample else 0.0
            result.rows.append(Row.single(f"{half} {what} kind accuracy", acc, f"right={right} of {len(sample)}"))
    result.worst = misses[:10]
    result.worst_items = 1
    return result
