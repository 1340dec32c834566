"""Where Newsbot's data lives. Its own module so pure analysis code can find the lexicons
without importing the settings machinery (pydantic-settings, the environment).

The defaults (settings, decision weights, lexicons) are package data, `bot.defaults`, found
through `importlib.resources`: an installed Newsbot reads them from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout: dev tools only (eval, bench, tests)


def _defaults_dir() -> Path:
    try:
        root = files("bot.defaults")
    except ModuleNotFoundError:  # a source tree on PYTHONPATH, not installed: the folder itself
        return REPO_ROOT / "config"
    if not isinstance(root, Path):  # lexicons are read (and cached) by path; zip imports are not supported
        raise RuntimeError(f"Newsbot must be installed as files, not zipped ({root})")
    return root


CONFIG_DIR = _defaults_dir()  # newsbot.toml, org_decision.toml, eval_floors.toml
LEXICONS = CONFIG_DIR / "lexicons"
