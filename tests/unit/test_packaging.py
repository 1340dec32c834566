"""pyproject lists its packages by hand (config/ is mapped to `bot.defaults`): a package added
under bot/ or handlers/ without a line there would be missing from every installed Newsbot."""

from __future__ import annotations

import tomllib

from bot.paths import REPO_ROOT


def test_every_package_is_listed_in_pyproject() -> None:
    setuptools = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for top in ("bot", "handlers")
        for init in (REPO_ROOT / top).rglob("__init__.py")
    }
    assert on_disk, "no packages found: the test is looking in the wrong place"
    assert set(setuptools["packages"]) == on_disk | {"bot.defaults"}
    assert (REPO_ROOT / setuptools["package-dir"]["bot.defaults"] / "__init__.py").is_file()
