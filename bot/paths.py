"""Where the repository's data lives. Its own module so pure analysis code can find the lexicons
without importing the settings machinery (pydantic-settings, the environment)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"  # newsbot.toml and lexicons/: Newsbot runs from a checkout
LEXICONS = CONFIG_DIR / "lexicons"
