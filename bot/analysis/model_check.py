"""Is the configured spaCy pipeline installed and compatible? Checked in the parent process
before any worker starts, from the package's meta.json alone: importing spaCy here would cost the
long-lived bot process ~60 MB it never uses (only the analysis workers load spaCy)."""

from __future__ import annotations

import importlib.util
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from bot.errors import ModelError

HOW_TO_FIX = "(see README, 'Choosing the spaCy pipeline')"


def check_model(model: str) -> None:
    """Raise ModelError naming the problem: not installed, unreadable, wrong spaCy, not English."""
    if Path(model).exists():
        folder = Path(model)
    else:
        spec = importlib.util.find_spec(model) if model.isidentifier() else None
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                f"spaCy pipeline {model!r} is not installed. Run `make install`, or set NEWSBOT_SPACY_MODEL "
                f"to an installed pipeline {HOW_TO_FIX}."
            )
        folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        meta = json.loads((folder / "meta.json").read_text("utf8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"spaCy pipeline {model!r} has no readable meta.json: {exc}") from exc
    try:
        installed = version("spacy")
    except PackageNotFoundError as exc:
        raise ModelError("spaCy is not installed: run `make install`") from exc
    wanted = str(meta.get("spacy_version") or "")
    try:
        compatible = not wanted or SpecifierSet(wanted).contains(installed, prereleases=True)
    except InvalidSpecifier:
        compatible = True  # an odd spec in meta.json: let spaCy itself decide when it loads
    if not compatible:
        raise ModelError(
            f"spaCy pipeline {model!r} needs spaCy {wanted}, but spaCy {installed} is installed; "
            f"install a pipeline built for this spaCy {HOW_TO_FIX}."
        )
    if meta.get("lang") not in (None, "en"):
        raise ModelError(f"spaCy pipeline {model!r} is for language {meta.get('lang')!r}; Newsbot needs English")
