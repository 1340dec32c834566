"""Pure Block Kit for `/newsbot` answers: result lists, organization reports, help, hints.

Everything from articles goes through `blocks.clip`/`blocks.link` (escaped, clipped), so an
article can't produce a live mention; a page is at most ~20 blocks, well under Slack's 50.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.commands import Usage
from bot.ledger import KIND_LABELS, Ledger, percent
from bot.slack.blocks import clip, escape, link
from bot.slack.permalinks import Key, archive_url

if TYPE_CHECKING:  # result types only; this module never touches the database
    from bot.store.digests import Subscription
    from bot.store.people import PersonCard, PersonProfile
    from bot.store.search import ArticleHit, OrgReport, QuoteHit, ResultPage

MORE_ACTION = "newsbot_more"
SHARE_ACTION = "newsbot_share"
WHO_ACTION = "newsbot_home_who"  # Home tab: open a person page
SOURCES_ACTION = "newsbot_home_sources"  # Home tab: open a channel's sources ledger
TITLE_CHARS = 150
QUOTE_CHARS = 300
SECTION_CHARS = 3000
FALLBACK_CHARS = 2000
MONTHS_SHOWN = 12


Links = Mapping[Key, str]  # (channel, message_ts) -> permalink, from `permalinks.share_links`


def _section(text: str) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_CHARS])).to_dict()


def _context(text: str) -> dict[str, Any]:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:SECTION_CHARS])]).to_dict()


def _date(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%b %-d, %Y")


def _shared_in(hit: ArticleHit, links: Links | None) -> str | None:
    """`shared in <#C…> · <permalink|thread>`: the mention stays OUTSIDE the link, because
    Slack does not parse `<#C…>` nested inside a `<url|label>`."""
    share = hit.share
    if share is None:
        return None
    url = (links or {}).get((share.channel, share.message_ts)) or archive_url(
        share.channel, share.message_ts, share.thread_ts
    )
    return f"shared in <#{share.channel}> · {link(url, 'thread')}"


def _hit_text(hit: ArticleHit, links: Links | None, quote: Any = None) -> str:
    title = clip(hit.title or hit.url, TITLE_CHARS)
    parts = [f"*{link(hit.url, title)}*"]
    meta = [clip(hit.site_name, 80)] if hit.site_name else []
    meta.append(_date(hit.date))
    if (where := _shared_in(hit, links)) is not None:
        meta.append(where)
    parts.append(" · ".join(meta))
    q = quote or hit.quote
    if q is not None:
        who = f" — {clip(q.speaker, 80)}" if q.speaker else ""
        parts.append(f"> “{clip(q.text, QUOTE_CHARS)}”{who}")
    return "\n".join(parts)


def more_button(command: str, arg: str, next_offset: int, after: str | None = None) -> dict[str, Any]:
    """The next page: how many came before it and, for keyset lookups, the key to continue from."""
    value = json.dumps({"c": command, "q": arg[:500], "o": next_offset, **({"k": after} if after else {})})
    return ActionsBlock(
        elements=[ButtonElement(text="More", action_id=MORE_ACTION, value=value)]
    ).to_dict()


def parse_more(value: str) -> tuple[str, str, int, str | None] | None:
    try:
        raw = json.loads(value)
        after = raw.get("k")
        return str(raw["c"]), str(raw["q"]), int(raw["o"]), (str(after) if after else None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _fallback(lines: Sequence[str]) -> str:
    """The `text` fallback from already-escaped lines, cut without splitting an entity or link."""
    text = "\n".join(lines)
    if len(text) <= FALLBACK_CHARS:
        return text
    cut = text[: FALLBACK_CHARS - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut + "…"


def _hit_line(hit: ArticleHit) -> str:
    """One fallback line: the escaped, clipped headline and its link."""
    title = clip(hit.title or hit.url, TITLE_CHARS)
    return f"{title} {link(hit.url, escape(hit.url))}"


def article_list(
    heading: str, page: ResultPage, command: str, arg: str, links: Links | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A page of articles with a "More" button when there are more."""
    hits: list[ArticleHit] = page.items
    blocks = [_section(f"*{escape(heading)}*")]
    blocks += [_section(_hit_text(h, links)) for h in hits]
    if page.has_more:
        blocks.append(more_button(command, arg, page.offset + len(hits), page.after))
    lines = [escape(heading)] + [_hit_line(h) for h in hits]
    return _fallback(lines), blocks


def quote_list(
    heading: str, page: ResultPage, command: str, arg: str, links: Links | None = None
) -> tuple[str, list[dict[str, Any]]]:
    items: list[QuoteHit] = page.items
    blocks = [_section(f"*{escape(heading)}*")]
    for item in items:
        q = item.quote
        who = clip(q.speaker or "unknown", 80) + (f", {clip(q.speaker_title, 150)}" if q.speaker_title else "")
        text = f"> “{clip(q.text, QUOTE_CHARS * 2)}”\n> — {who}\n" + _hit_text(item.article, links)
        blocks.append(_section(text))
    if page.has_more:
        blocks.append(more_button(command, arg, page.offset + len(items), page.after))
    lines = [escape(heading)] + [
        f"“{clip(i.quote.text, 200)}” — {clip(i.quote.speaker or 'unknown', 80)}" for i in items
    ]
    return _fallback(lines), blocks


def org_report(
    report: OrgReport, command: str, arg: str, links: Links | None = None
) -> tuple[str, list[dict[str, Any]]]:
    name = clip(report.name, 150)
    aka = f" (also {', '.join(clip(a, 60) for a in report.aliases[:5])})" if report.aliases else ""
    n = report.article_count
    head = f"*{name}*{aka}: {n} article{'s' if n != 1 else ''}"
    blocks = [_section(head)]
    if report.by_month:
        months = " · ".join(f"{m}: {c}" for m, c in report.by_month[-MONTHS_SHOWN:])
        blocks.append(_context(f"By month: {months}"))
    if report.quoted and report.articles.offset == 0:
        people = "\n".join(
            f"• {clip(s, 80)}" + (f", {clip(t, 150)}" if t else "") + f" ({c} quote{'s' if c != 1 else ''})"
            for s, t, c in report.quoted
        )
        blocks.append(_section(f"*Quoted from {name}*\n{people}"))
    hits: list[ArticleHit] = report.articles.items
    blocks += [_section(_hit_text(h, links)) for h in hits]
    if report.articles.has_more:
        blocks.append(more_button(command, arg, report.articles.offset + len(hits), report.articles.after))
    lines = [f"{name}: {n} article{'s' if n != 1 else ''}"] + [_hit_line(h) for h in hits]
    return _fallback(lines), blocks


def _counted(n: int, one: str, many: str, cap: int | None = None) -> str:
    """"1 quote", "12 quotes", "500+ quotes" (a count that stopped at its cap)."""
    return f"{n:,}{'+' if cap is not None and n >= cap else ''} {one if n == 1 else many}"


def person_page(profile: PersonProfile, cap: int, links: Links | None = None) -> tuple[str, list[dict[str, Any]]]:
    """`who`: titles and organizations seen, counts, latest quotes, the stories with our threads."""
    name = clip(profile.name, 150)
    counts = f"{_counted(profile.quote_count, 'quote', 'quotes', cap)} in " \
        f"{_counted(profile.story_count, 'story', 'stories', cap)}"
    blocks = [_section(f"*{name}*: {counts}")]
    facts = []
    if profile.titles:
        facts.append("Titles: " + "; ".join(clip(t, 120) for t, _n in profile.titles))
    if profile.organizations:
        facts.append("Organizations: " + ", ".join(clip(o, 80) for o, _n in profile.organizations))
    if facts:
        blocks.append(_context("\n".join(facts)))
    if profile.latest:
        said = "\n".join(f"> “{clip(q.quote.text, QUOTE_CHARS)}”\n{_hit_text(q.article, links).splitlines()[0]}"
                         for q in profile.latest)
        blocks.append(_section(f"*Latest quotes*\n{said}"))
    if profile.stories:
        blocks.append(_section("*Quoted in*\n" + "\n\n".join(_hit_text(h, links, quote=None) for h in profile.stories)))
    lines = [f"{name}: {counts}"] + [_hit_line(h) for h in profile.stories]
    return _fallback(lines), blocks


def person_candidates(
    asked: str, cards: Sequence[PersonCard], cap: int, command: str
) -> tuple[str, list[dict[str, Any]]]:
    """`who` for a name several people share: each with their newest title, to ask again."""
    lines = [
        f"• {clip(c.name, 80)}" + (f", {clip(c.title, 120)}" if c.title else "")
        + f" ({_counted(c.quotes, 'quote', 'quotes', cap)})"
        for c in cards
    ]
    head = f"“{clip(asked, 80)}” could be {len(cards)} people quoted here; ask with the full name, e.g. " \
        f"`{command} who {clip(cards[0].name, 80)}`:"
    return _fallback([head, *lines]), [_section(head), _section("\n".join(lines))]


def sources_report(ledger: Ledger, channel: str, days: int, top: int = 10) -> tuple[str, list[dict[str, Any]]]:
    """`sources`: the share of quotes by kind of source, the people and organizations quoted."""
    period = f"the last {days} day{'s' if days != 1 else ''}"
    if not ledger.quotes:
        return notice(f"No quotes in stories shared in this channel in {period}.")
    s = "stories" if ledger.stories != 1 else "story"
    head = f"*Who <#{channel}> quoted* in {period}: {ledger.quotes} quotes in {ledger.stories} {s}"
    kinds = " · ".join(f"{KIND_LABELS[k]} {percent(share)}" for k, share in ledger.kinds)
    blocks = [_section(head), _context(f"By kind of source: {kinds}")]
    people = [
        f"• {clip(v.name, 80)}" + (f", {clip(v.title, 120)}" if v.title else "")
        + (f" · {clip(v.organization, 80)}" if v.organization and v.organization not in (v.title or "") else "")
        + f" ({_counted(v.quotes, 'quote', 'quotes')}, {_counted(len(v.stories), 'story', 'stories')})"
        for v in ledger.people[:top]
    ]
    if people:
        blocks.append(_section("*People*\n" + "\n".join(people)))
    orgs = [f"• {clip(name, 80)}: {KIND_LABELS.get(kind, kind)}, {n} quote{'s' if n != 1 else ''}"
            for name, kind, n in ledger.organizations[:top]]
    if orgs:
        blocks.append(_section("*Organizations quoted*\n" + "\n".join(orgs)))
    repeat = ledger.repeat_voices
    if repeat:
        names = ", ".join(f"{clip(v.name, 80)} ({len(v.stories)})" for v in repeat[:top])
        blocks.append(_context(f"Repeat voices: {names}"))
    return _fallback([f"Who <#{channel}> quoted in {period}: {ledger.quotes} quotes", kinds]), blocks


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return ButtonElement(text=label[:75], action_id=action_id, value=value[:2000]).to_dict()


def home_view(
    recent: Sequence[ArticleHit], voices: Ledger, subscriptions: Sequence[Subscription], links: Links | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """The Home tab: stories recently shared where the bot is, this week's most quoted voices (each
    a button to their page), the digest subscriptions and a ledger button per channel."""
    blocks: list[dict[str, Any]] = [_section("*Recently shared*")]
    blocks += [_section(_hit_text(h, links)) for h in recent] or [_context("Nothing shared yet.")]
    blocks.append(_section("*This week's most quoted*"))
    if voices.people:
        blocks.append(_context("Voices: " + " · ".join(f"{KIND_LABELS[k]} {percent(x)}" for k, x in voices.kinds[:4])))
        for v in voices.people[:top]:
            who = clip(v.name, 80) + (f", {clip(v.title, 120)}" if v.title else "")
            line = f"{who} ({_counted(v.quotes, 'quote', 'quotes')})"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=line)).to_dict()
                          | {"accessory": _button("Who is this?", WHO_ACTION, v.name)})
    else:
        blocks.append(_context("Nobody quoted this week yet."))
    blocks.append(_section("*Digests and sources*"))
    channels = list(dict.fromkeys([s.channel for s in subscriptions] + [h.share.channel for h in recent if h.share]))
    for channel in channels[:top * 2]:
        subs = [s for s in subscriptions if s.channel == channel]
        when = ", ".join(f"{s.time} {s.timezone} ({s.days})" for s in subs) or "no digest"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"<#{channel}>: {escape(when)}")).to_dict()
                      | {"accessory": _button("Sources", SOURCES_ACTION, channel)})
    if not channels:
        blocks.append(_context("No digests yet: `/newsbot digest subscribe 07:30` in a channel."))
    return {"type": "home", "blocks": blocks[:100]}


def modal(title: str, blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A read-only modal (Home tab buttons): Slack caps titles at 24 characters, views at 100 blocks."""
    return {"type": "modal", "title": {"type": "plain_text", "text": title[:24]},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": list(blocks)[:100]}


def share_button(article_id: int) -> dict[str, Any]:
    return ActionsBlock(
        elements=[
            ButtonElement(text="Share to channel", action_id=SHARE_ACTION, value=str(article_id), style="primary")
        ]
    ).to_dict()


def help_blocks(command: str, usages: Sequence[Usage], hint: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    lines = [f"`{command} {u.name}{' ' + u.args if u.args else ''}`: {u.help}" for u in usages]
    blocks: list[dict[str, Any]] = []
    if hint:
        blocks.append(_section(escape(hint)))
    blocks.append(_section("\n".join(escape(line) for line in lines)))
    return _fallback([escape(line) for line in ([hint] if hint else []) + lines]), blocks


def notice(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A one-line answer ("No articles found for …"), escaped in the blocks and the fallback."""
    return escape(text), [_section(escape(text))]
