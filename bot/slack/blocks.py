"""Pure Block Kit builders for Newsbot's thread replies.

Everything that comes from an article is escaped (`&`, `<`, `>`) so a page can never produce a
live `<!channel>` or `<@U…>` mention, and every part is clipped so ANY article fits Slack's
limits (50 blocks, 3,000 chars a section, ~12k chars a message). Builders use
`slack_sdk.models`, whose `to_dict()` validates the per-block limits as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import messages
from bot.models import Analysis, Article, Failure, Quote
from bot.story_changes import StoryChange
from bot.textclean import strip_invisible

# Slack's limits (https://api.slack.com/reference/block-kit/blocks) and our own, smaller caps.
MAX_BLOCKS = 50
SECTION_CHARS = 3000  # a section's text
CONTEXT_ELEMENTS = 10
MAX_MESSAGE_CHARS = 11_000  # Slack rejects ~12k+ chars of block text with msg_blocks_too_long
FALLBACK_CHARS = 3000  # the `text` fallback: notifications and screen readers, keep it short
SHORT_REPLY_CHARS = 1000  # the text-only reply posted when Slack refuses the full one
HEADLINE_CHARS = 150  # as long as a Block Kit header may be
MAX_URL_CHARS = 2000  # longer links are shown as text only, never clipped into a wrong URL
META_PART_CHARS = 120  # site name, author list
SUMMARY_CHARS = 1200
MAX_QUOTES = 5
QUOTE_CHARS = 450
SPEAKER_CHARS = 200
MAX_ORGS = 8
MAX_THEMES = 8
NAME_CHARS = 80  # one organization or theme
MAX_AUTHORS = 3
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class PriorShare:
    """Where an article was first shared, for "first shared in #channel" (permalink optional)."""

    channel: str
    shared_at: float  # unix time
    permalink: str | None = None


# --- text helpers ------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three control characters as entities (https://api.slack.com/reference/surfaces/formatting),
    and no invisible characters (a bidi override would make a title read backwards)."""
    return strip_invisible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# mrkdwn has no escape for its formatting marks, so page text shows look-alikes that format
# nothing: a quote's *word* stays a quote, not bold (one character each: lengths are unchanged).
_INERT_MARKS = str.maketrans({"*": "∗", "_": "＿", "~": "∼", "`": "ˋ"})


def clip(text: str, limit: int) -> str:
    """Page text made inert (escaped, no formatting marks) and cut to at most `limit` chars
    without splitting an entity or a word."""
    text = " ".join(text.split()).translate(_INERT_MARKS)  # newlines would break mrkdwn too
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    raw = text
    while raw and len(escape(raw)) + len(ELLIPSIS) > limit:
        over = len(escape(raw)) + len(ELLIPSIS) - limit
        raw = raw[: len(raw) - max(1, over)]
    cut = raw.rsplit(" ", 1)[0] if " " in raw[-30:] else raw  # prefer a word boundary nearby
    return escape(cut.rstrip()) + ELLIPSIS


# In the URL part of `<url|label>` these would end the link, start the label, or break it.
_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", '"': "%22"}


def safe_url(url: str) -> str:
    """The URL part of a Slack link: `&` as an entity (Slack's rule), and the characters that
    would end the link or start its label percent-encoded, so a page's URL is never parsed."""
    out = escape("".join(_URL_UNSAFE.get(c, c) for c in url))
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in out)


def link(url: str, label: str) -> str:
    """`<url|label>` for http(s) URLs; anything else becomes the label alone.

    `label` must already be mrkdwn-safe (from `clip`, or our own `<#C…>`): callers that pass
    text from a page or a URL use `text_link`, which escapes it. The URL part is always made safe.
    """
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL_CHARS:
        return label
    return f"<{safe_url(url)}|{label}>"


def text_link(url: str, text: str, limit: int = HEADLINE_CHARS) -> str:
    """A link whose label is raw text (a title, the URL itself): escaped and clipped here."""
    return link(url, clip(text, limit))


def _date(published: str | None) -> str | None:
    if not published:
        return None
    try:
        d = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return clip(published, 40)
    return f"{d:%b} {d.day}, {d.year}"


def meta_line(article: Article) -> str:
    """site · author · date · N min read (only the parts the page states)."""
    authors = list(article.authors[:MAX_AUTHORS])
    by = ", ".join(authors)
    if len(article.authors) > MAX_AUTHORS:
        by += f" and {len(article.authors) - MAX_AUTHORS} more"
    parts = [
        clip(article.site_name, META_PART_CHARS) if article.site_name else None,
        clip(by, META_PART_CHARS) if by else None,
        _date(article.published),
        f"{article.reading_minutes} min read",
    ]
    return " · ".join(p for p in parts if p)


def pick_quotes(analysis: Analysis, limit: int = MAX_QUOTES) -> list[Quote]:
    """Key quotes first; when none is flagged key, the best-scored attributed ones."""
    chosen = list(analysis.key_quotes)
    if not chosen:
        chosen = sorted((q for q in analysis.quotes if q.speaker), key=lambda q: -q.score)
    return chosen[:limit]


def speaker_line(q: Quote) -> str:
    who = clip(q.speaker, NAME_CHARS) if q.speaker else "unattributed"
    if q.speaker_title:
        who = f"{who}, {clip(q.speaker_title, SPEAKER_CHARS - len(who))}"
    return who


def _orgs(analysis: Analysis) -> list[str]:
    out = []
    for o in analysis.organizations[:MAX_ORGS]:
        name = clip(o.name, NAME_CHARS)
        short = [a for a in o.aliases if a.isupper() and len(a) <= 10]  # acronyms read well
        out.append(f"{name} ({clip(short[0], 10)})" if short else name)
    return out


def _themes(analysis: Analysis) -> list[str]:
    return [clip(t.label, NAME_CHARS) for t in analysis.themes[:MAX_THEMES]]


def _summary(analysis: Analysis) -> str:
    return clip(" ".join(analysis.summary[:2]), SUMMARY_CHARS) if analysis.summary else ""


def _prior(first_share: PriorShare) -> str:
    when = f"<!date^{int(first_share.shared_at)}^{{date_short_pretty}}|{_fallback_date(first_share)}>"
    where = f"in <#{first_share.channel}>"
    text = messages.FIRST_SHARED.format(where=where, when=when)
    if first_share.permalink:
        text += " " + text_link(first_share.permalink, "See that thread.")
    return ":repeat: " + text


def change_lines(change: StoryChange) -> list[str]:
    """What changed, one escaped line each: the headline, quotes added and removed, new organizations."""
    lines = []
    if change.headline_changed:
        before = clip(change.headline_before or "", HEADLINE_CHARS)
        after = clip(change.headline_after or "", HEADLINE_CHARS)
        lines.append(messages.HEADLINE_CHANGED.format(before=before, after=after))
    edits = ((change.quotes_added, messages.QUOTES_ADDED), (change.quotes_removed, messages.QUOTES_REMOVED))
    for quotes, wording in edits:
        if quotes:
            head = wording.format(n=len(quotes), s="s" if len(quotes) != 1 else "")
            shown = "; ".join(f"“{clip(q.text, 120)}”" + (f" — {clip(q.speaker, 60)}" if q.speaker else "")
                              for q in quotes[:2])
            lines.append(f"{head}: {shown}")
    if change.organizations_added:
        names = ", ".join(clip(n, NAME_CHARS) for n in change.organizations_added[:5])
        lines.append(messages.ORGS_ADDED.format(names=names))
    return lines


def update_note(change: StoryChange, permalink: str | None) -> str:
    """The short note posted in the first thread when the story changed."""
    what = "; ".join(change_lines(change)) or "its text changed"
    text = messages.UPDATED_NOTE.format(what=what)
    return text + (" " + text_link(permalink, messages.NEW_ANALYSIS) if permalink else "")


def _fallback_date(first_share: PriorShare) -> str:
    d = datetime.fromtimestamp(first_share.shared_at)
    return f"{d:%b} {d.day}, {d.year}"


def _partly_read(article: Article, analysis: Analysis) -> str:
    """Say so when the analyzer read only the start of a very long page."""
    if analysis.analyzed_chars is None or not article.text:
        return ""
    percent = max(1, min(99, round(100 * analysis.analyzed_chars / len(article.text))))
    return messages.PARTLY_READ.format(percent=percent, chars=analysis.analyzed_chars)


def _mrkdwn_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_CHARS]))


def _context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=t[:SECTION_CHARS]) for t in texts[:CONTEXT_ELEMENTS]])


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    """Serialize (which validates each block's limits) and enforce the message-wide ones."""
    out = [b.to_dict() for b in blocks[:MAX_BLOCKS]]
    while len(out) > 1 and _chars(out) > MAX_MESSAGE_CHARS:
        out.pop(-2 if len(out) > 2 else -1)  # drop from the tail, keep the closing context
    return out


def _chars(blocks: list[dict[str, Any]]) -> int:
    total = 0
    for b in blocks:
        if "text" in b:
            total += len(b["text"]["text"])
        for e in b.get("elements", ()):
            total += len(e.get("text", ""))
    return total


# --- builders -----------------------------------------------------------------------------
def analysis_blocks(
    article: Article, analysis: Analysis, *, first_share: PriorShare | None = None, change: StoryChange | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The thread reply for one article: (plain-text fallback, Block Kit blocks)."""
    title = clip(article.title or article.canonical_url or article.url, HEADLINE_CHARS)
    url = article.canonical_url or article.url
    meta = meta_line(article)
    summary = _summary(analysis)
    quotes = pick_quotes(analysis)
    orgs, themes = _orgs(analysis), _themes(analysis)

    blocks: list[Block] = [_mrkdwn_section(f"*{link(url, title)}*"), _context(meta)]
    changed = change_lines(change) if change is not None else []
    if change is not None:  # first: it is why this reply differs from the first thread's
        blocks.append(_mrkdwn_section("\n".join([":pencil2: " + messages.STORY_UPDATED, *changed])))
    if summary:
        blocks.append(_mrkdwn_section(summary))
    for i, q in enumerate(quotes):
        head = "*Key quotes*\n" if i == 0 else ""
        blocks.append(_mrkdwn_section(f"{head}> “{clip(q.text, QUOTE_CHARS)}”\n> — {speaker_line(q)}"))
    facts = []
    if orgs:
        facts.append("*Organizations:* " + " · ".join(orgs))
    if themes:
        facts.append("*Themes:* " + " · ".join(themes))
    if facts:
        blocks.append(_mrkdwn_section("\n".join(facts)))
    partly = _partly_read(article, analysis)
    if partly:
        blocks.append(_context(partly))
    if first_share is not None:
        blocks.append(_context(_prior(first_share)))

    shown_url = text_link(url, url, MAX_URL_CHARS) if len(url) <= MAX_URL_CHARS else ""
    lines = [f"{title} {shown_url}".rstrip(), meta]
    if change is not None:
        lines += [messages.STORY_UPDATED.strip("*"), *changed]
    if summary:
        lines.append(summary)
    lines += [f"“{clip(q.text, 200)}” — {speaker_line(q)}" for q in quotes]
    if orgs:
        lines.append("Organizations: " + ", ".join(orgs))
    if themes:
        lines.append("Themes: " + ", ".join(themes))
    if partly:
        lines.append(partly)
    if first_share is not None:
        lines.append(_prior(first_share))
    return _fallback(lines), _dicts(blocks)


def failure_blocks(failure: Failure, *, url: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """A short, clear failure reply: the catalog's sentence for the code, never internals."""
    text = ":warning: " + messages.failure_text(failure.code)
    blocks: list[Block] = [_mrkdwn_section(text)]
    if url:
        blocks.append(_context(text_link(url, url, 300)))
    return _fallback([text]), _dicts(blocks)


def _fallback(lines: list[str], limit: int = FALLBACK_CHARS) -> str:
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")  # never end inside an entity such as "&amp;"
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")  # nor inside one of our own <url|label> links
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut + ELLIPSIS


def short_reply(text: str, limit: int = SHORT_REPLY_CHARS) -> str:
    """When Slack refuses a reply for its size or blocks: the fallback's first whole lines
    (headline with link, site and date, summary) as plain text within `limit`."""
    lines, size = [], 0
    for line in text.splitlines():
        if size + len(line) + 1 > limit:
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) or _fallback(text.splitlines()[:1], limit)
