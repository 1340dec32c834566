"""Article-body extraction on the ScrapingHub benchmark (`../shared/eval/extraction`).

The metric is the benchmark's own, re-implemented from its README: 4-token shingles, per-page
normalized TP/FP/FN, corpus P = mean page precision over non-empty predictions, corpus R =
mean page recall over pages with gold text, F1 = harmonic mean of the two (not a mean of
page F1s), accuracy = exact `\\w+` token-sequence match. Ours and plain trafilatura run in
the same process on the same pages, so the comparison is fair.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura

from bot.errors import ExtractError
from bot.evaluate.metrics import Row, SuiteResult, Worst, f1
from bot.evaluate.runner import EvalContext
from bot.extract import extract_article
from bot.models import Article, Page

TOKEN = re.compile(r"\w+")
SHINGLE = 4
FAST_EVERY = 6  # `--fast` scores every 6th page (31 of 181): same code path, a sixth of the time
ANCHOR = "plain trafilatura 0.960 (P .942 R .978); best published 0.970"
TARGET_F1 = 0.97
# Walls are refused only below this length (see bot/extract/walls.py), so longer texts skip the re-run.
WALL_CHECK_WORDS = 200
_URL_DATE = re.compile(r"/(20\d{2}|19\d{2})/(\d{1,2})/(\d{1,2})/")


# --- the metric ------------------------------------------------------------------------
def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of contiguous 4-token shingles; 1-3 tokens make one shingle; none make none."""
    tokens = TOKEN.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


@dataclass(frozen=True)
class PageScore:
    """Normalized counts for one page (TP+FP+FN = 1 unless both texts are empty)."""

    tp: float
    fp: float
    fn: float
    predicted: bool  # the prediction has at least one shingle
    exact: bool  # same `\w+` token sequence as gold

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score_page(gold: str, predicted: str) -> PageScore:
    g, p = shingles(gold), shingles(predicted)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    total = tp + fp + fn
    exact = TOKEN.findall(gold) == TOKEN.findall(predicted)
    if not total:
        return PageScore(0.0, 0.0, 0.0, bool(p), exact)
    return PageScore(tp / total, fp / total, fn / total, bool(p), exact)


@dataclass(frozen=True)
class CorpusScore:
    precision: float
    recall: float
    f1: float
    accuracy: float
    empty: int  # predictions with no shingles


def score_corpus(pages: Sequence[PageScore]) -> CorpusScore:
    precisions = [s.precision for s in pages if s.predicted]
    recalls = [s.recall for s in pages if s.tp + s.fn > 0]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    accuracy = sum(s.exact for s in pages) / len(pages) if pages else 0.0
    return CorpusScore(p, r, f1(p, r), accuracy, sum(not s.predicted for s in pages))


# --- the data --------------------------------------------------------------------------
@dataclass(frozen=True)
class GoldPage:
    id: str
    url: str
    html: bytes
    text: str


def load_pages(root: Path, fast: bool) -> list[GoldPage]:
    truth = json.loads((root / "ground-truth.json").read_text("utf8"))
    ids = sorted(truth)
    if fast:
        ids = ids[::FAST_EVERY]
    return [
        GoldPage(
            i, truth[i]["url"], gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()), truth[i]["articleBody"]
        )
        for i in ids
    ]


# --- the extractors --------------------------------------------------------------------
@dataclass
class Output:
    """What one extractor gave for one page: text, and our Article or failure code if any."""

    text: str
    article: Article | None = None
    failure: str | None = None


def ours(page: GoldPage) -> Output:
    """Our extractor on the page bytes (as the fetcher would hand them over)."""
    raw = Page(url=page.url, final_url=page.url, body=page.html)
    try:
        article = extract_article(raw, allow_teaser=True)
    except ExtractError as exc:
        return Output("", failure=exc.code)
    return Output(article.text, article)


def refusal(page: GoldPage) -> str | None:
    """The failure code the product gives this page, if any (teasers count as Paywalled)."""
    try:
        extract_article(Page(url=page.url, final_url=page.url, body=page.html))
    except ExtractError as exc:
        return f"{exc.code}: {urlsplit(page.url).netloc}"
    return None


def plain(page: GoldPage) -> Output:
    """The anchor: trafilatura's defaults, as in the benchmark's reference figure."""
    return Output(trafilatura.extract(page.html.decode("utf8"), include_comments=False) or "")


def run_extractor(fn: Callable[[GoldPage], Output], pages: list[GoldPage]) -> tuple[list[Output], float]:
    t0 = time.perf_counter()
    outputs = [fn(page) for page in pages]
    return outputs, time.perf_counter() - t0


def missed_lines(gold: str, predicted: str, limit: int = 3) -> list[str]:
    """Gold lines that mostly did not make it into the prediction (for the worst-pages list)."""
    have = shingles(predicted)
    out = []
    for line in gold.split("\n"):
        s = shingles(line)
        if s and sum((s - have).values()) > sum(s.values()) / 2:
            out.append(line.strip())
        if len(out) >= limit:
            break
    return out


# --- metadata checks (no gold on this set: counts, not scores) --------------------------
def url_date(url: str) -> str | None:
    m = _URL_DATE.search(urlsplit(url).path + "/")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


_SUFFIX = re.compile(r"\s[|\-–—:·»]\s")


def metadata_notes(pages: list[GoldPage], outputs: list[Output]) -> list[str]:
    found = [(p, o.article) for p, o in zip(pages, outputs, strict=True) if o.article is not None]
    suffixed = sum(
        1
        for _, a in found
        if a.title and a.site_name and _SUFFIX.search(a.title) and a.title.lower().endswith(a.site_name.lower())
    )
    dated = [(u, a.published) for p, a in found if (u := url_date(p.url))]
    agree = sum(1 for u, d in dated if d and d[:10] == u)
    # A story published late on the URL's day can carry the next day's UTC date: allow one day.
    near = sum(1 for u, d in dated if d and d[:10] != u and abs(_days(d[:10]) - _days(u)) <= 1)
    disagree = sum(1 for _, d in dated if d) - agree - near
    return [
        f"metadata on {len(found)} extracted pages: title on {sum(1 for _, a in found if a.title)}, "
        f"title still ending in ' | <site_name>' on {suffixed}; "
        f"authors on {sum(1 for _, a in found if a.authors)}; "
        f"published on {sum(1 for _, a in found if a.published)}",
        f"dates vs the {len(dated)} dated URLs: {agree} same day, {near} one day off (time zone), "
        f"{disagree} disagree, {sum(1 for _, d in dated if not d)} no date returned",
    ]


def _days(iso: str) -> int:
    try:
        return date.fromisoformat(iso).toordinal()
    except ValueError:
        return 0


# --- the suite ---------------------------------------------------------------------------
def row(name: str, score: CorpusScore, target: float | None) -> Row:
    counts = f"acc={score.accuracy:.3f} empty={score.empty}"
    return Row(name, score.precision, score.recall, score.f1, counts, ANCHOR if target else "", target)


def run(ctx: EvalContext) -> SuiteResult:
    root = ctx.shared / "eval" / "extraction"
    pages = load_pages(root, ctx.fast)
    our_out, our_seconds = run_extractor(ours, pages)
    plain_out, plain_seconds = run_extractor(plain, pages)
    our_pages = [score_page(p.text, o.text) for p, o in zip(pages, our_out, strict=True)]
    plain_pages = [score_page(p.text, o.text) for p, o in zip(pages, plain_out, strict=True)]
    our_score, plain_score = score_corpus(our_pages), score_corpus(plain_pages)
    # Only short texts can be refused as walls: don't re-run extraction on the others.
    refusals = [
        code
        for p, o in zip(pages, our_out, strict=True)
        if (o.article is None or o.article.word_count < WALL_CHECK_WORDS) and (code := refusal(p))
    ]
    failures = Counter(o.failure for o in our_out if o.failure)
    worst_order = sorted(range(len(pages)), key=lambda i: f1(our_pages[i].precision, our_pages[i].recall))
    worst = [
        Worst(
            urlsplit(pages[i].url).netloc + " " + pages[i].id[:8],
            f1(our_pages[i].precision, our_pages[i].recall),
            missed_lines(pages[i].text, our_out[i].text)
            or [f"(nothing missed: extra text, page P={our_pages[i].precision:.2f})"],
        )
        for i in worst_order[:5]
    ]
    notes = [
        f"ours {1000 * our_seconds / len(pages):.1f} ms/page, plain trafilatura "
        f"{1000 * plain_seconds / len(pages):.1f} ms/page",
        f"ours - plain F1: {our_score.f1 - plain_score.f1:+.4f} (must not be negative)",
        f"our failures: {dict(failures) or 'none'}; empty outputs: ours {our_score.empty}, plain {plain_score.empty}",
        "as shipped (no allow_teaser) the bot refuses: "
        + (", ".join(refusals) or "nothing")
        + " (scored above on the teaser text: the benchmark's gold is the teaser)",
        *metadata_notes(pages, our_out),
    ]
    if ctx.fast:
        notes.append(f"fast mode: every {FAST_EVERY}th page ({len(pages)} of the set)")
    return SuiteResult(
        suite="extraction",
        docs=len(pages),
        seconds=our_seconds + plain_seconds,
        rows=[
            row("newsbot extract_article", our_score, TARGET_F1),
            row("plain trafilatura.extract", plain_score, None),
        ],
        worst=worst,
        notes=notes,
    )
