"""The seed articles (../shared/articles/*.gold.json beside their .html): every aspect, end to end.

Runs the real extraction and the full analysis pipeline, then scores each aspect against the
hand-made gold: quotes (token overlap >= 0.8 as in `bot.evaluate.quotes`, plus the right
speaker), speaker titles (overlap >= 0.8), organizations (a gold name or alias equals one of
ours, and acronyms linked to their full names), title/authors/date exact, themes (a gold
theme is covered when one of its `any_of` substrings occurs in one of our top theme labels),
and boilerplate strings that must not reach the article text.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from bot.analysis.nlp import to_analysis
from bot.evaluate.metrics import PRF, Row, SuiteResult, Worst
from bot.evaluate.quotes import MATCH_OVERLAP, match, overlap
from bot.extract import extract_article
from bot.models import Analysis, Article, Page

if TYPE_CHECKING:
    from bot.evaluate.runner import EvalContext

TOP_THEMES = 10  # themes a reader sees; gold themes must be covered among these


def _acc(metric: str, right: int, total: int) -> Row:
    acc = right / total if total else 0.0
    return Row.single(metric, acc, f"right={right} of {total}", "", 1.0)


def score_article(gold: dict[str, Any], article: Article, analysis: Analysis) -> dict[str, tuple[int, int] | PRF]:
    """Per-aspect (right, total) counts, or PRF for set-valued aspects, for one seed article."""
    out: dict[str, tuple[int, int] | PRF] = {}
    gq, pq = gold.get("quotes", []), list(analysis.quotes)
    m = match([q["text"] for q in gq], [q.text for q in pq])
    out["quotes found"] = PRF(tp=len(m), fp=len(pq) - len(m), fn=len(gq) - len(m))
    out["quotes with right speaker"] = (
        sum(pq[j].speaker == gq[i]["speaker"] for i, j in m.items()),  # the seed wants full names
        len(gq),
    )
    titles = gold.get("speaker_titles", {})
    ours = {p.name: p.title for p in analysis.people}
    ours.update({q.speaker: q.speaker_title for q in pq if q.speaker and q.speaker_title})
    out["speaker titles"] = (
        sum(bool(ours.get(n)) and overlap(ours[n] or "", t) >= MATCH_OVERLAP for n, t in titles.items()),
        len(titles),
    )
    our_names = [{o.name.lower(), *(a.lower() for a in o.aliases)} for o in analysis.organizations]
    found = linked = 0
    matched_ours: set[int] = set()
    gorgs = gold.get("organizations", [])
    for g in gorgs:
        names = {g["name"].lower(), *(a.lower() for a in g.get("aliases", []))}
        hits = [k for k, ns in enumerate(our_names) if ns & names]
        found += bool(hits)
        matched_ours.update(hits)
        if g.get("aliases"):
            linked += any({g["name"].lower(), g["aliases"][0].lower()} <= our_names[k] for k in hits)
    out["organizations"] = PRF(tp=found, fp=len(our_names) - len(matched_ours), fn=len(gorgs) - found)
    with_alias = [g for g in gorgs if g.get("aliases")]
    out["organizations: acronyms linked"] = (linked, len(with_alias))
    out["title exact"] = (int(article.title == gold.get("title")), 1)
    out["authors exact"] = (int(list(article.authors) == gold.get("authors")), 1)
    out["published date exact"] = (int((article.published or "")[:10] == gold.get("published")), 1)
    labels = [t.label.lower() for t in analysis.themes[:TOP_THEMES]]
    gthemes = gold.get("themes", [])
    out["themes covered"] = (
        sum(any(s.lower() in lab for s in g["any_of"] for lab in labels) for g in gthemes),
        len(gthemes),
    )
    junk = gold.get("not_in_article_body", [])
    out["boilerplate kept out"] = (sum(s not in article.text for s in junk), len(junk))
    return out


def run(ctx: EvalContext) -> SuiteResult:
    folder = ctx.shared / "articles"
    golds = sorted(folder.glob("*.gold.json"))
    totals: dict[str, tuple[int, int] | PRF] = {}
    worst: list[Worst] = []
    t0 = time.perf_counter()
    n = 0
    for path in golds:
        gold = json.loads(path.read_text(encoding="utf8"))
        html = folder / gold["file"]
        if not html.exists():
            continue
        page = Page(url=gold.get("url", str(html)), final_url=gold.get("url", str(html)), body=html.read_bytes())
        article = extract_article(page)
        analysis = to_analysis(ctx.nlp(article.text))
        n += 1
        scores = score_article(gold, article, analysis)
        for k, v in scores.items():
            prev = totals.get(k)
            if isinstance(v, PRF):
                acc = prev if isinstance(prev, PRF) else PRF()
                acc += v
                totals[k] = acc
            else:
                r, t = prev if isinstance(prev, tuple) else (0, 0)
                totals[k] = (r + v[0], t + v[1])
        gold_quotes = [q["text"] for q in gold.get("quotes", [])]
        hit = match(gold_quotes, [q.text for q in analysis.quotes])
        missed = [t for i, t in enumerate(gold_quotes) if i not in hit]
        if missed:
            worst.append(Worst(path.name, 1 - len(missed) / max(len(gold_quotes), 1), missed))
    rows = [
        Row.from_prf(k, v, "", 1.0) if isinstance(v, PRF) else _acc(k, *v) for k, v in totals.items()
    ]
    return SuiteResult("seed", n, time.perf_counter() - t0, rows, worst)
