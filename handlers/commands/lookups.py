"""The archive subcommands: search, quotes, who, sources, org, theme, recent, analyze (and help).

Each is a thin handler: parse the argument (`bot.commands`), ask the store, render with
`bot.slack.command_blocks`. The router runs them after the ack.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot import commands as grammar
from bot import messages
from bot.errors import NewsbotError
from bot.slack import command_blocks as cb
from bot.slack.permalinks import share_links
from handlers.commands.router import PAGE_SIZE, Ctx, Reply, add, help_reply

ANALYZE_QUEUE_SECONDS = 60.0  # waiting longer than this for an on-demand analysis: a "busy" answer


async def _links(ctx: Ctx, hits: list[Any]) -> cb.Links:
    """Permalinks of the hits' shares (`chat.getPermalink`, archive URL when Slack won't say)."""
    return await share_links(ctx.client, [h.share for h in hits if h.share is not None])


# --- the built-in subcommands --------------------------------------------------------------
async def _help(ctx: Ctx) -> Reply:
    return help_reply(ctx)


async def _search(ctx: Ctx) -> Reply:
    page = await ctx.deps.store.search(ctx.arg, team=ctx.team, limit=PAGE_SIZE, offset=ctx.offset)
    if not page.items:
        return cb.notice(f"No articles shared here mention “{ctx.arg}”.")
    return cb.article_list(f"Articles mentioning “{ctx.arg}”", page, ctx.name, ctx.arg, await _links(ctx, page.items))


async def _theme(ctx: Ctx) -> Reply:
    page = await ctx.deps.store.theme(ctx.arg, team=ctx.team, limit=PAGE_SIZE, offset=ctx.offset)
    if not page.items:
        return cb.notice(f"No articles shared here have the theme “{ctx.arg}”.")
    return cb.article_list(f"Articles about “{ctx.arg}”", page, ctx.name, ctx.arg, await _links(ctx, page.items))


async def _quotes(ctx: Ctx) -> Reply:
    page = await ctx.deps.store.quotes_by(
        ctx.arg, team=ctx.team, limit=PAGE_SIZE, offset=ctx.offset, after=ctx.after
    )
    if not page.items:
        return cb.notice(f"No quotes from “{ctx.arg}” in articles shared here.")
    links = await _links(ctx, [i.article for i in page.items])
    return cb.quote_list(f"What {ctx.arg} said", page, ctx.name, ctx.arg, links)


async def _who(ctx: Ctx) -> Reply:
    from bot.store.people import COUNT_CAP

    found = await ctx.deps.store.who(ctx.arg, team=ctx.team)
    if found.profile is not None:
        hits = found.profile.stories + [q.article for q in found.profile.latest]
        return cb.person_page(found.profile, COUNT_CAP, await _links(ctx, hits))
    if found.candidates:
        return cb.person_candidates(ctx.arg, found.candidates, COUNT_CAP, ctx.command)
    return cb.notice(messages.NOBODY_QUOTED.format(name=ctx.arg))


async def _sources(ctx: Ctx) -> Reply:
    args = grammar.sources_args(ctx.arg)
    if args is None:
        example = f"{ctx.command} sources 30 #news"
        return help_reply(ctx, f"`sources` takes a number of days and a channel, e.g. `{example}`.")
    channel = args.channel or ctx.channel
    return cb.sources_report(await ctx.deps.store.sources(ctx.team, channel, args.days), channel, args.days)


async def _org(ctx: Ctx) -> Reply:
    report = await ctx.deps.store.org_report(
        ctx.arg, team=ctx.team, limit=PAGE_SIZE, offset=ctx.offset, after=ctx.after
    )
    if report is None or report.article_count == 0:
        return cb.notice(f"No articles shared here mention the organization “{ctx.arg}”.")
    return cb.org_report(report, ctx.name, ctx.arg, await _links(ctx, report.articles.items))


async def _recent(ctx: Ctx) -> Reply:
    n = grammar.recent_count(ctx.arg)
    if n is None:
        return help_reply(ctx, f"`recent` takes a number, e.g. `{ctx.command} recent 10`.")
    limit = PAGE_SIZE if ctx.offset else n
    page = await ctx.deps.store.recent(
        team=ctx.team, channel=ctx.channel, limit=limit, offset=ctx.offset, after=ctx.after
    )
    if not page.items:
        return cb.notice("No articles have been shared here yet.")
    return cb.article_list("Recently shared", page, ctx.name, ctx.arg, await _links(ctx, page.items))


async def _analyze(ctx: Ctx) -> Reply:
    from bot.commands import slack_url
    from bot.links import normalize_url
    from bot.pipeline import read_target
    from bot.slack.blocks import analysis_blocks, failure_blocks

    raw = slack_url(ctx.arg)
    try:
        url = normalize_url(raw)
    except NewsbotError:
        return help_reply(ctx, f"`analyze` needs a web address, e.g. `{ctx.command} analyze https://…`.")
    store = ctx.deps.store
    stored = await store.fresh_article(url, timedelta(hours=ctx.deps.settings.freshness_hours))
    if stored is not None:
        article, analysis, article_id = stored.article, stored.analysis, stored.article_id
    elif ctx.deps.fetcher is None or ctx.deps.analyzer is None:  # `newsbot web`
        return cb.notice(messages.ANALYZE_ON_WORKERS)
    else:
        runner = ctx.deps.commands
        try:
            async with asyncio.timeout(ANALYZE_QUEUE_SECONDS):
                await runner.analyses.acquire()
        except TimeoutError:
            return cb.notice("I'm reading a lot of articles right now; please try again in a minute.")
        try:
            report = await read_target(url, ctx.deps.fetcher.fetch, ctx.deps.analyzer)
        finally:
            runner.analyses.release()
        if report.failure is not None or report.article is None or report.analysis is None:
            from bot.models import Failure

            return failure_blocks(report.failure or Failure("analysis_failed", ""), url=url)
        article, analysis = report.article, report.analysis
        article_id = await store.save_article(url, article, analysis)
    text, blocks = analysis_blocks(article, analysis)
    return text, [*blocks, cb.share_button(article_id)]


for _name, _handler, _instant in (
    ("search", _search, False),
    ("quotes", _quotes, False),
    ("who", _who, False),
    ("sources", _sources, False),
    ("org", _org, False),
    ("theme", _theme, False),
    ("recent", _recent, False),
    ("analyze", _analyze, False),
    ("help", _help, True),
):
    add(_name, _handler, next(u for u in grammar.USAGES if u.name == _name), instant=_instant)


