"""Newsbot installed as a package (a wheel, not the checkout) reads the same article the same way
from any directory: its settings and lexicons travel inside it as `bot.defaults`.

The wheel is built from a copy of the sources and installed, without dependencies, into a fresh
venv; the locked dependencies are the checkout venv's, reached through a `.pth` line (a path entry,
so that venv's editable-install hook is not loaded): what is under test is the package itself, and
re-installing spaCy and friends would add a minute for nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.paths import REPO_ROOT

SEED = REPO_ROOT / "tests" / "data" / "articles" / "pharma-manufacturing.html"
SOURCES = ("pyproject.toml", "README.md", "bot", "handlers", "config")
pytestmark = pytest.mark.slow


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel built from this checkout; returns its bin/ folder."""
    tmp = tmp_path_factory.mktemp("installed")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO_ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("newsbot-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    _run([*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index", str(wheel)], cwd=tmp)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(venv / "bin" / "python"), "-c", purelib], cwd=tmp).strip())
    (site / "newsbot_locked_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "PYTHON"))}
    return env | {"NEWSBOT_WORKERS": "1", "HOME": str(tmp)}


def test_the_wheel_carries_its_defaults(installed: Path, tmp_path: Path) -> None:
    where = _run(
        [str(installed / "python"), "-c", "import bot.paths as p; print(p.__file__); print(p.CONFIG_DIR)"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    ).split()
    venv = installed.parent
    assert all(Path(w).is_relative_to(venv) for w in where), where  # the installed copy, not the checkout
    assert (Path(where[1]) / "lexicons" / "organizations_open.jsonl").is_file()


def test_installed_newsbot_analyzes_like_the_checkout(installed: Path, tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    from_wheel = json.loads(_run([str(installed / "newsbot"), "analyze", "--json", str(SEED)], cwd=tmp_path, env=env))
    from_checkout = json.loads(
        _run([sys.executable, "-m", "bot.cli", "analyze", "--json", str(SEED)], cwd=REPO_ROOT, env=env)
    )
    assert from_wheel["error"] is None
    assert from_wheel["quotes"] and from_wheel["organizations"] and from_wheel["themes"]
    assert from_wheel == from_checkout
