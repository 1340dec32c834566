"""Shared helpers for the benchmarks: the eval pages, percentiles, whole-process-tree RSS sampling."""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bot.paths import REPO_ROOT

SHARED = Path(os.environ.get("NEWSBOT_SHARED", REPO_ROOT.parent / "shared"))
EXTRACTION = SHARED / "eval" / "extraction"
RESULTS = REPO_ROOT / "bench" / "results"

# The ~60 commonest English function words: a page whose gold text is mostly made of them is English.
_EN_FUNCTION_WORDS = frozenset(
    "the of and to a in is that for it as was with be by on not he i this are or his from at which but "
    "have an they you were her she there been one all we their has would when who will more no if out "
    "so what up its about than into them can only other new some could these may".split()
)
ENGLISH_MIN_SHARE = 0.15  # English prose runs at 0.3-0.5, lists and recipes lower; the other languages here < 0.14


def is_english(text: str) -> bool:
    words = re.findall(r"[a-zA-Z']+", text.lower())
    total = len(text.split()) or 1
    return sum(w in _EN_FUNCTION_WORDS for w in words) / total >= ENGLISH_MIN_SHARE


def english_pages() -> list[Path]:
    """The English pages of the ScrapingHub set (about 162 of 181, per its README)."""
    if not EXTRACTION.is_dir():
        raise SystemExit(f"bench: {EXTRACTION} not found; set NEWSBOT_SHARED to the shared folder")
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text("utf8"))
    return [EXTRACTION / "html" / f"{pid}.html.gz" for pid, item in sorted(truth.items())
            if is_english(item["articleBody"])]


def read_html(path: Path) -> bytes:
    with gzip.open(path, "rb") as fh:
        return fh.read()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def tree_rss_bytes(root: int) -> int:
    """RSS of `root` and all its descendants, read from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class PeakRSS:
    """Samples the whole process tree's RSS in a thread; `.peak` in bytes."""

    def __init__(self, root: int | None = None, interval: float = 0.1) -> None:
        self.root = root or os.getpid()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.root))


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf8")
    return path
