"""`newsbot eval` plumbing: where the gold data is, unknown suites, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SHARED_DIR


def _eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_missing_shared_data_is_a_clear_message(tmp_path: Path) -> None:
    proc = _eval("--shared", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "shared gold data was not found" in proc.stderr and "--shared" in proc.stderr


def test_unknown_suite_is_refused() -> None:
    proc = _eval("sentiment")
    assert proc.returncode == 2
    assert "unknown suite" in proc.stderr and "extraction" in proc.stderr


def test_seed_suite_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    proc = _eval("seed", "--shared", str(SHARED_DIR), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "== seed:" in proc.stdout
    (suite,) = json.loads(out.read_text())
    assert suite["suite"] == "seed" and suite["docs"] == 1
    metrics = {r["metric"]: r for r in suite["rows"]}
    assert "quotes found" in metrics
    assert all(0.0 <= r["f1"] <= 1.0 for r in suite["rows"])
