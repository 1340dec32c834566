"""`/newsbot <subcommand>`: ack at once, look up in a task we own, answer via `response_url`.

Thin: parsing lives in `bot.commands`, rendering in `bot.slack.command_blocks`, queries in
`bot.store`. Other modules plug subcommands in with `add(name, handler, usage)` (e.g. digest).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as grammar
from bot.config import Settings
from bot.deps import Deps
from bot.errors import NewsbotError
from bot.schedule import commands as digest_commands
from bot.slack import command_blocks as cb
from bot.slack.permalinks import share_links

log = logging.getLogger(__name__)

PAGE_SIZE = 5
Reply = tuple[str, list[dict[str, Any]]]


@dataclass(slots=True)  # not frozen: plug-ins type it with a Protocol of plain attributes
class Ctx:
    """Everything a subcommand needs: who asked where, the argument, and the page (how many
    came before it; for keyset lookups, the key it continues from)."""

    deps: Deps
    command: str  # the slash command as configured, e.g. "/newsbot"
    name: str  # the subcommand
    arg: str
    team: str
    channel: str
    user: str
    offset: int = 0
    after: str | None = None
    client: AsyncWebClient | None = None  # Bolt's client for this request (permalinks, digest posts)


Handler = Callable[[Ctx], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Subcommand:
    handler: Handler
    usage: grammar.Usage
    instant: bool = False  # answered in the ack itself (no database or network)


SUBCOMMANDS: dict[str, Subcommand] = {}


def add(name: str, handler: Handler, usage: grammar.Usage, *, instant: bool = False) -> None:
    """Plug a subcommand in (the digest module does `add("digest", ...)` before `register`)."""
    SUBCOMMANDS[name] = Subcommand(handler, usage, instant)


def help_reply(ctx: Ctx, hint: str | None = None) -> Reply:
    return cb.help_blocks(ctx.command, [s.usage for s in SUBCOMMANDS.values()], hint)


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
    return cb.notice(f"Nobody called “{ctx.arg}” is quoted in articles shared here.")


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
    else:
        runner: Runner = ctx.deps.commands
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
add("digest", digest_commands.handle, digest_commands.USAGE_ENTRY)  # bot/schedule/commands.py


# --- running them ----------------------------------------------------------------------------
# On-demand `analyze` fetches a page and uses the analysis processes outside the job worker, so
# it gets its own small bound; waiting longer than this for a turn gets a "busy" answer.
ANALYZE_CONCURRENCY = 4
ANALYZE_QUEUE_SECONDS = 60.0


class Runner:
    """Owns the answer tasks (strong references, so none is garbage-collected mid-flight) and
    the on-demand analysis bound. Built and closed by `bot.server` (`Deps.commands`), so no
    answer outlives the store and analyzer it uses."""

    def __init__(self, max_analyses: int = ANALYZE_CONCURRENCY) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.analyses = asyncio.Semaphore(max_analyses)
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Runner:
        return cls(max_analyses=min(ANALYZE_CONCURRENCY, settings.max_concurrent_jobs))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:  # shutting down: don't start what cleanup would have to cancel
            coro.close()
            return
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        """Cancel the answers still running and wait for them (before the store closes)."""
        self._closed = True
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def answer(ctx: Ctx, respond: AsyncRespond, *, replace: bool = False) -> None:
    """Run the subcommand and post its answer (ephemeral) through response_url."""
    sub = SUBCOMMANDS[ctx.name]
    try:
        text, blocks = await sub.handler(ctx)
    except Exception:  # a bug must not leave the user waiting; never post internals
        log.exception("/%s %s failed", ctx.name, ctx.arg[:100])
        text, blocks = cb.notice("Sorry, that lookup failed. Please try again in a moment.")
    try:
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=replace)
    except Exception:
        log.exception("could not post the /%s answer", ctx.name)


def resolve(ctx: Ctx) -> tuple[Ctx, Reply | None]:
    """Unknown subcommand or missing argument: the hint to give at once (else None)."""
    if ctx.name == "":
        return ctx, help_reply(ctx, "Tell me what to look up.")
    sub = SUBCOMMANDS.get(ctx.name)
    if sub is None:
        return ctx, help_reply(ctx, f"I don't know “{ctx.name}”.")
    if sub.usage.args.startswith("<") and not ctx.arg:
        example = f"{ctx.command} {ctx.name} {sub.usage.args}"
        return ctx, help_reply(ctx, f"`{ctx.name}` needs {sub.usage.args}: `{example}`.")
    return ctx, None


def runner_of(deps: Deps) -> Runner:
    """The app's Runner (built by `bot.server`); one is made on `deps` if the root didn't."""
    if deps.commands is None:
        deps.commands = Runner.from_settings(deps.settings)
    runner: Runner = deps.commands
    return runner


def register(app: AsyncApp, deps: Deps) -> None:
    runner = runner_of(deps)
    command_name = deps.settings.slash_command

    async def on_command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        parsed = grammar.parse(body.get("text"))
        ctx = Ctx(
            deps=deps,
            command=body.get("command") or command_name,
            name=parsed.name,
            arg=parsed.arg,
            team=body.get("team_id", ""),
            channel=body.get("channel_id", ""),
            user=body.get("user_id", ""),
            client=client,
        )
        ctx, hint = resolve(ctx)
        if hint is not None:
            await ack(text=hint[0], blocks=hint[1], response_type="ephemeral")
            return
        sub = SUBCOMMANDS[ctx.name]
        if sub.instant:
            text, blocks = await sub.handler(ctx)
            await ack(text=text, blocks=blocks, response_type="ephemeral")
            return
        await ack()  # within Slack's 3 s, before any query; the answer follows via response_url
        runner.spawn(answer(ctx, respond))

    app.command(command_name)(on_command)
