"""`/newsbot <subcommand>`: ack at once, look up in a task we own, answer via `response_url`.

The router: the context a subcommand gets, the table of subcommands, and the one listener.
Subcommands live beside it (`lookups`: the archive; `digest`: subscriptions) and plug in with
`add(name, handler, usage)`; parsing lives in `bot.commands`, rendering in `bot.slack.command_blocks`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as grammar
from bot.deps import Deps
from bot.slack import command_blocks as cb

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


def register(app: AsyncApp, deps: Deps) -> None:
    runner = deps.commands
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
