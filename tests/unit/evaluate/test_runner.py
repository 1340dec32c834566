"""`newsbot eval` plumbing: where the gold data is, unknown suites, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA_DIR


def _eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", *args],
        capture_output=True, text=True, timeout=600, check=False, env=env,
    )


def test_missing_shared_data_is_a_clear_message(tmp_path: Path) -> None:
    proc = _eval("--shared", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "shared gold data was not found" in proc.stderr and "--shared" in proc.stderr


def test_if_found_skips_in_one_line_without_the_data(tmp_path: Path) -> None:
    proc = _eval("--fast", "--check", "--if-found", "--shared", str(tmp_path / "nowhere"))
    assert proc.returncode == 0
    assert proc.stdout.strip().startswith("quality gate skipped:") and len(proc.stdout.strip().splitlines()) == 1


def test_the_environment_variable_points_at_the_data(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_EVAL_DATA": str(tmp_path / "nowhere")}
    missing = _eval("seed", env=env)
    assert missing.returncode == 2 and "NEWSBOT_EVAL_DATA" in missing.stderr
    found = _eval("seed", env={**os.environ, "NEWSBOT_EVAL_DATA": str(DATA_DIR)})
    assert found.returncode == 0 and "== seed: 1 docs" in found.stdout


def test_unknown_suite_is_refused() -> None:
    proc = _eval("sentiment")
    assert proc.returncode == 2
    assert "unknown suite" in proc.stderr and "extraction" in proc.stderr


def test_seed_suite_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    proc = _eval("seed", "--shared", str(DATA_DIR), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "== seed:" in proc.stdout
    (suite,) = json.loads(out.read_text())
    assert suite["suite"] == "seed" and suite["docs"] == 1
    metrics = {r["metric"]: r for r in suite["rows"]}
    assert "quotes found" in metrics
    assert all(0.0 <= r["f1"] <= 1.0 for r in suite["rows"])


def test_gate_reports_floors_and_ceilings() -> None:
    from bot.evaluate.metrics import Row, SuiteResult
    from bot.evaluate.runner import gate

    result = SuiteResult("themes", docs=3, seconds=1.0, rows=[Row.single("F1@10", 0.25), Row.single("dups", 2.0)])
    limits = {
        "floors": {"themes": {"F1@10": 0.28, "missing": 0.5}},
        "ceilings": {"themes": {"dups": 0.0}},
    }
    broken = gate([result], limits)
    assert any("'F1@10' = 0.250, below its floor 0.280" in b for b in broken)
    assert any("'dups' = 2.000, above its ceiling 0.000" in b for b in broken)
    assert any("'missing' was not measured" in b for b in broken)
    assert gate([result], {"floors": {"themes": {"F1@10": 0.2}}, "ceilings": {"themes": {"dups": 2.0}}}) == []


def test_seed_suite_passes_its_gate() -> None:
    proc = _eval("seed", "--shared", str(DATA_DIR), "--check")
    assert proc.returncode == 0, proc.stderr
    assert "quality gate: every figure at or above its floor" in proc.stdout
