"""The Slack app manifest (`config/manifest.yml`): the one place that says which bot scopes
Newsbot asks for. `newsbot check` compares a token's scopes with it; the OAuth install asks for it."""

from __future__ import annotations

import yaml

from bot.paths import CONFIG_DIR

MANIFEST = CONFIG_DIR / "manifest.yml"


def manifest_scopes() -> frozenset[str]:
    """The bot scopes config/manifest.yml asks for (what an install from it grants)."""
    manifest = yaml.safe_load(MANIFEST.read_text("utf8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])
