"""Find the shared data, run the chosen suites, print one table each (and JSON on request)."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.evaluate.metrics import SuiteResult
from bot.paths import CONFIG_DIR, REPO_ROOT

SUITES = ("extraction", "quotes", "ner", "themes", "seed", "newsroom", "sources")


@dataclass
class EvalContext:
    """What every suite gets: where the data is, how much of it to use, and a shared pipeline."""

    shared: Path
    fast: bool
    settings: Settings
    _nlp: object = field(default=None, repr=False)

    @property
    def nlp(self) -> Any:  # spacy.Language, loaded on first use
        if self._nlp is None:
            from bot.analysis.nlp import load_nlp

            self._nlp = load_nlp(self.settings.spacy_model)
        return self._nlp


EVAL_DATA_ENV = "NEWSBOT_EVAL_DATA"


def find_shared(explicit: str | None) -> Path | None:
    """--shared, else $NEWSBOT_EVAL_DATA, else ../shared beside the working directory or the checkout."""
    explicit = explicit or os.environ.get(EVAL_DATA_ENV)
    candidates = [Path(explicit)] if explicit else [Path.cwd().parent / "shared", REPO_ROOT.parent / "shared"]
    for c in candidates:
        if (c / "eval").is_dir():
            return c
    return None


def _num(x: float | None) -> str:
    return "     —" if x is None else f"{x:6.3f}"


def format_table(result: SuiteResult) -> str:
    lines = [
        f"== {result.suite}: {result.docs} docs, {result.ms_per_doc:.1f} ms/doc",
        f"  {'metric':34} {'P':>6} {'R':>6} {'F1':>6}  {'target':>6}  {'counts':28} anchor",
    ]
    for r in result.rows:
        target = "" if r.target is None else f"{r.target:.2f}" + ("✓" if r.f1 >= r.target else "✗")
        lines.append(
            f"  {r.metric:34} {_num(r.precision)} {_num(r.recall)} {r.f1:6.3f}  {target:>6}  {r.counts:28} {r.anchor}"
        )
    if result.worst:
        lines.append("  worst documents:")
        for w in result.worst[:5]:
            missed = "; ".join(m[:80] for m in w.missed[: result.worst_items])
            lines.append(f"    {w.score:.3f} {w.doc[:40]:40} missed: {missed}")
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


FLOORS_FILE = CONFIG_DIR / "eval_floors.toml"


def gate(results: Sequence[SuiteResult], limits: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """Figures below their floor (or above their ceiling): what `--check` fails on."""
    broken = []
    for result in results:
        figures = {r.metric: r.f1 for r in result.rows}
        for kind, compare in (("floors", float.__lt__), ("ceilings", float.__gt__)):
            for metric, limit in limits.get(kind, {}).get(result.suite, {}).items():
                value = figures.get(metric)
                if value is None:
                    broken.append(f"{result.suite}: '{metric}' was not measured")
                elif compare(float(value), float(limit)):
                    word = "below its floor" if kind == "floors" else "above its ceiling"
                    broken.append(f"{result.suite}: '{metric}' = {value:.3f}, {word} {limit:.3f}")
    return broken


def run_eval(
    suites: Sequence[str],
    *,
    settings: Settings,
    json_path: str | None,
    fast: bool,
    shared: str | None,
    check: bool = False,
    if_found: bool = False,
) -> int:
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        print(f"newsbot eval: unknown suite(s) {unknown}; choose from {list(SUITES)}", file=sys.stderr)
        return 2
    root = find_shared(shared)
    if root is None and if_found:
        print(
            f"quality gate skipped: no evaluation data (../shared/eval beside the checkout, or ${EVAL_DATA_ENV}); "
            "CI always has it and runs the gate"
        )
        return 0
    if root is None:
        print(
            "newsbot eval: the shared gold data was not found (looked for ../shared/eval next to the "
            f"repository). Pass --shared DIR, or set {EVAL_DATA_ENV}, to the folder that holds eval/ and articles/.",
            file=sys.stderr,
        )
        return 2
    ctx = EvalContext(shared=root, fast=fast, settings=settings)
    results = []
    for name in suites or SUITES:
        module = importlib.import_module(f"bot.evaluate.{name}")
        run: Callable[[EvalContext], SuiteResult] = module.run
        t0 = time.perf_counter()
        result = run(ctx)
        if not result.seconds:
            result.seconds = time.perf_counter() - t0
        results.append(result)
        print(format_table(result), flush=True)
        print()
    if json_path:
        payload = json.dumps([r.to_json() for r in results], indent=2)
        if json_path == "-":
            print(payload)
        else:
            Path(json_path).write_text(payload + "\n", encoding="utf8")
    if check:
        broken = gate(results, tomllib.loads(FLOORS_FILE.read_text("utf8")))
        for line in broken:
            print(f"quality gate: {line}", file=sys.stderr)
        if broken:
            return 1
        print(f"quality gate: every figure at or above its floor ({FLOORS_FILE.name})")
    return 0
