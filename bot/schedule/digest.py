"""Pure: the articles a channel shared in a period -> the digest message `(text, blocks)`.

Order and grouping rules (tests compute expected results by hand from these):

1. Rank: most shares across all channels first, then the earliest share in this channel,
   then the headline (a stable tiebreak).
2. Show the top `max_articles` (capped at `MAX_SHOWN` so any setting fits Block Kit's 50
   blocks and ~12k chars); the rest become "and N more: /newsbot recent" (the configured
   slash command, `settings.slash_command`).
3. Group the shown articles by theme: the article's first IPTC Media Topic if it has one,
   else its best key phrase that at least one other digest article shares (case-insensitive),
   else "Other stories". Groups follow their best-ranked article; "Other stories" is last.
4. Per article: headline linked to its Slack thread, site, share count, one key quote and
   its speaker. Then the organizations and people present in the most period articles.

Everything derived from an article is escaped through `bot.slack.blocks.clip`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ledger
from bot.models import Analysis, Article, Quote
from bot.slack.blocks import clip, escape, link

# Block budget: header + (group heading + article) per article + who's-in-the-news + "more"
# + divider = 2 * MAX_SHOWN + 4 <= 50 blocks.
MAX_SHOWN = 20
MAX_MESSAGE_CHARS = 11_000  # Slack fails ~12k chars of block text with msg_blocks_too_long
HEADLINE_CHARS = 150
QUOTE_CHARS = 240
SPEAKER_CHARS = 80
SITE_CHARS = 60
GROUP_CHARS = 80
MAX_NAMES = 5  # organizations and people listed at the bottom
NAME_CHARS = 60
OTHER_GROUP = "Other stories"
DEFAULT_COMMAND = "/newsbot"  # callers pass settings.slash_command; a workspace may rename it


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One article shared in the channel during the period, with what the digest shows."""

    article: Article
    analysis: Analysis | None
    share_count: int  # shares across all channels (popularity)
    first_shared_at: float  # unix time of its first share in this channel (the tiebreak)
    thread_url: str | None = None  # permalink of the bot's thread for it in this channel


@dataclass(frozen=True, slots=True)
class Digest:
    """The built message; `shown` and `more` let callers log and test without parsing blocks."""

    text: str
    blocks: list[dict[str, Any]]
    shown: tuple[DigestItem, ...]
    more: int


def rank(items: Sequence[DigestItem]) -> list[DigestItem]:
    return sorted(items, key=lambda i: (-i.share_count, i.first_shared_at, (i.article.title or "").casefold()))


def group_label(item: DigestItem, shared_phrases: set[str]) -> str:
    """Rule 3 above: topic, else a key phrase shared with another article, else 'Other'."""
    an = item.analysis
    if an is None:
        return OTHER_GROUP
    if an.topics:
        return an.topics[0].label
    for theme in sorted(an.themes, key=lambda t: -t.score):
        if theme.label.casefold() in shared_phrases:
            return theme.label
    return OTHER_GROUP


def group(items: Sequence[DigestItem]) -> list[tuple[str, list[DigestItem]]]:
    """Ranked items -> [(label, items)] with groups in order of their best item."""
    counts = Counter(
        phrase
        for item in items
        if item.analysis
        for phrase in {t.label.casefold() for t in item.analysis.themes}
    )
    shared = {p for p, n in counts.items() if n >= 2}
    groups: dict[str, list[DigestItem]] = {}
    keys: dict[str, str] = {}  # casefolded label -> the label first seen (display form)
    for item in items:
        label = group_label(item, shared)
        display = keys.setdefault(label.casefold(), label)
        groups.setdefault(display, []).append(item)
    ordered = [(k, v) for k, v in groups.items() if k != OTHER_GROUP]
    if OTHER_GROUP in groups:
        ordered.append((OTHER_GROUP, groups[OTHER_GROUP]))
    return ordered


def key_quote(analysis: Analysis | None) -> Quote | None:
    """A key quote with a speaker, else any key quote, else the best attributed quote."""
    if analysis is None or not analysis.quotes:
        return None
    keys = analysis.key_quotes
    for pool in (
        [q for q in keys if q.speaker],
        list(keys),
        sorted((q for q in analysis.quotes if q.speaker), key=lambda q: -q.score),
    ):
        if pool:
            return pool[0]
    return None


def most_present(items: Sequence[DigestItem], kind: str) -> list[str]:
    """Names in the most articles ('organizations' or 'people'); ties: total mentions, name."""
    articles: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    display: dict[str, str] = {}
    for item in items:
        if item.analysis is None:
            continue
        seen: set[str] = set()
        for entity in getattr(item.analysis, kind):
            k = entity.name.casefold()
            display.setdefault(k, entity.name)
            mentions[k] += entity.mentions
            if k not in seen:
                seen.add(k)
                articles[k] += 1
    ranked = sorted(articles, key=lambda k: (-articles[k], -mentions[k], k))
    return [display[k] for k in ranked[:MAX_NAMES]]


def _article_text(item: DigestItem) -> str:
    a = item.article
    title = clip(a.title or a.canonical_url or a.url, HEADLINE_CHARS)
    target = item.thread_url or a.canonical_url or a.url
    lines = [f"*{link(target, title)}*"]
    meta = [clip(a.site_name, SITE_CHARS)] if a.site_name else []
    if item.share_count > 1:
        meta.append(f"shared {item.share_count} times")
    if meta:
        lines.append(" · ".join(meta))
    q = key_quote(item.analysis)
    if q is not None:
        who = clip(q.speaker, SPEAKER_CHARS) if q.speaker else "unattributed"
        lines.append(f"> “{clip(q.text, QUOTE_CHARS)}” — {who}")
    return "\n".join(lines)


def _size(blocks: list[Block]) -> int:
    return sum(len(str(b.to_dict())) for b in blocks)


def build(
    items: Sequence[DigestItem],
    *,
    title: str,
    max_articles: int,
    quiet_note: bool = False,
    slash_command: str = DEFAULT_COMMAND,
) -> Digest | None:
    """The digest message, or None when nothing was shared and no quiet note is wanted."""
    if not items:
        if not quiet_note:
            return None
        text = f"{title}: a quiet day, no articles were shared here."
        section = SectionBlock(text=MarkdownTextObject(text=text))
        return Digest(text, [section.to_dict()], (), 0)
    ranked = rank(items)
    shown = ranked[: max(1, min(max_articles, MAX_SHOWN))]
    while True:  # drop from the tail until the whole message fits Slack's size limit
        blocks = _blocks(title, shown, ranked, slash_command)
        if _size(blocks) <= MAX_MESSAGE_CHARS or len(shown) == 1:
            break
        shown = shown[:-1]
    more = len(ranked) - len(shown)
    n = len(ranked)
    heads = "; ".join(clip(i.article.title or i.article.url, HEADLINE_CHARS) for i in shown[:5])
    text = f"{title}: {n} article{'s' if n != 1 else ''} shared here. {heads}"[:3000]
    return Digest(text, [b.to_dict() for b in blocks], tuple(shown), more)


def _blocks(title: str, shown: list[DigestItem], ranked: list[DigestItem], slash_command: str) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=title[:HEADLINE_CHARS])]  # our own words, plain text
    for label, members in group(shown):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*{clip(label, GROUP_CHARS)}*")]))
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=_article_text(i))) for i in members)
    lines = []
    for kind, heading in (("organizations", "Organizations"), ("people", "People")):
        names = most_present(ranked, kind)
        if names:
            lines.append(f"*{heading}:* " + ", ".join(clip(n, NAME_CHARS) for n in names))
    quoted = ((n, q) for n, item in enumerate(ranked) if item.analysis for q in item.analysis.quotes)
    voices = ledger.voices_line(ledger.build(quoted, stories=len(ranked)))
    if voices:
        lines.append(escape(voices))
    if lines:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    more = len(ranked) - len(shown)
    if more:
        line = f"and {more} more: {clip(slash_command, 40)} recent"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    return blocks
