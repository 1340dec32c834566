"""Render a `Report` as the CLI's stable JSON object or as a readable terminal report."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.models import Report

ARTICLE_KEYS = ("canonical_url", "title", "published", "site_name", "language", "description")


def to_json(report: Report, *, with_analysis: bool = True, with_text: bool = False) -> dict[str, Any]:
    """The stable JSON shape of `newsbot analyze --json` / `extract --json` (keys never removed)."""
    out: dict[str, Any] = {"url": report.target}
    a = report.article
    for key in ARTICLE_KEYS:
        out[key] = getattr(a, key) if a else None
    out["authors"] = list(a.authors) if a else []
    out["word_count"] = a.word_count if a else 0
    if with_text:
        out["text"] = a.text if a else None
    if with_analysis:
        an = report.analysis
        out["summary"] = list(an.summary) if an else []
        out["quotes"] = [
            {"text": q.text, "speaker": q.speaker, "speaker_title": q.speaker_title, "key": q.key,
             "score": round(q.score, 4), "start": q.start, "end": q.end, "via": q.via}
            for q in (an.quotes if an else ())
        ]
        out["organizations"] = [
            {"name": o.name, "aliases": list(o.aliases), "mentions": o.mentions, "score": round(o.score, 4)}
            for o in (an.organizations if an else ())
        ]
        out["people"] = [
            {"name": p.name, "title": p.title, "mentions": p.mentions, "quoted": p.quoted}
            for p in (an.people if an else ())
        ]
        out["themes"] = [{"label": t.label, "score": round(t.score, 4)} for t in (an.themes if an else ())]
        out["topics"] = [{"id": t.id, "label": t.label} for t in (an.topics if an else ())]
        out["analyzed_chars"] = an.analyzed_chars if an else None  # set: only this much of the text was read
    f = report.failure
    out["error"] = {"code": f.code, "message": f.message} if f else None
    return out


def to_text(report: Report, *, width: int = 88) -> str:
    """A terminal report: what a reporter would want to see at a glance."""
    if report.failure:
        return f"✗ {report.target}\n  {report.failure.code}: {report.failure.message}\n"
    a, an = report.article, report.analysis
    assert a is not None
    lines = [f"■ {a.title or '(untitled)'}", f"  {report.target}"]
    meta = " · ".join(
        x for x in (a.site_name, ", ".join(a.authors), a.published, f"{a.word_count} words") if x
    )
    lines.append(f"  {meta}")

    def wrap(text: str, indent: str = "    ") -> list[str]:
        return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent) or [indent]

    if an is None:
        lines += ["", *wrap(a.text[:1200] + ("…" if len(a.text) > 1200 else ""), "  ")]
        return "\n".join(lines) + "\n"
    if an.analyzed_chars is not None:
        lines.append(f"  (a very long page: analysed its first {an.analyzed_chars:,} of {len(a.text):,} characters)")
    if an.summary:
        lines += ["", "  Summary", *wrap(" ".join(an.summary))]
    if an.quotes:
        lines += ["", f"  Quotes ({len(an.quotes)}; ★ = key)"]
        for q in an.quotes:
            who = q.speaker or "unattributed"
            if q.speaker_title:
                who += f", {q.speaker_title}"
            lines += wrap(f"{'★' if q.key else '·'} “{q.text}” — {who}")
    if an.organizations:
        lines += ["", "  Organizations"]
        for o in an.organizations:
            alias = f" ({', '.join(o.aliases)})" if o.aliases else ""
            lines.append(f"    {o.name}{alias} ×{o.mentions}")
    if an.people:
        lines += ["", "  People"]
        for p in an.people:
            title = f", {p.title}" if p.title else ""
            lines.append(f"    {p.name}{title} ×{p.mentions}{' (quoted)' if p.quoted else ''}")
    if an.themes:
        lines += ["", "  Themes: " + "; ".join(t.label for t in an.themes)]
    if an.topics:
        lines += ["  Topics: " + "; ".join(f"{t.label} ({t.id})" for t in an.topics)]
    return "\n".join(lines) + "\n"
