"""`/newsbot digest subscribe|unsubscribe|status|now`: parse, act, and answer in one line or few.

`handle(ctx)` plugs into the slash-command router (`handlers/commands.py`:
`add("digest", handle, USAGE_ENTRY)`), which acks first and answers via `response_url`.
User-facing wording for schedule errors comes from the error's message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError

from bot.commands import Usage
from bot.schedule.scheduler import DigestScheduler, slot_of
from bot.schedule.slots import (
    ScheduleError,
    Slot,
    local_date,
    next_fire,
    parse_slot,
    parse_time,
)
from bot.slack.command_blocks import notice

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.deps import Deps

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `digest subscribe 07:30 [America/New_York] [weekdays|daily]`, `digest unsubscribe [07:30]`, "
    "`digest status`, `digest now`."
)
DAY_WORDS = ("weekday", "weekdays", "daily", "everyday")
USAGE_ENTRY = Usage(
    "digest",
    "subscribe 07:30 [zone] [weekdays|daily] · unsubscribe · status · now",
    "a morning digest of the articles shared in this channel",
)


class CommandContext(Protocol):
    """What the router's `Ctx` carries that we use (bot never imports handlers)."""

    deps: Deps
    team: str
    channel: str
    user: str
    arg: str


_clients: dict[int, AsyncWebClient] = {}


def _client(deps: Deps) -> AsyncWebClient:
    """The running scheduler's client, else one per Deps (web process, scheduler off)."""
    if isinstance(deps.scheduler, DigestScheduler):
        return deps.scheduler.client
    if id(deps) not in _clients:
        from bot.slack.client import make_client

        _clients[id(deps)] = make_client(deps.settings)
    return _clients[id(deps)]


async def handle(ctx: CommandContext) -> tuple[str, list[dict[str, Any]]]:
    """The router's handler: `(text, blocks)` for the ephemeral answer."""
    text = await digest_command(
        ctx.deps, _client(ctx.deps), team=ctx.team, channel=ctx.channel, user=ctx.user or None, args=ctx.arg.split()
    )
    return notice(text)


def _scheduler(deps: Deps, client: AsyncWebClient) -> DigestScheduler:
    """The running scheduler, or an unstarted one (web processes with NEWSBOT_SCHEDULER=off)."""
    sched = deps.scheduler
    if isinstance(sched, DigestScheduler):
        return sched
    return DigestScheduler(deps.store, client, deps.settings)


async def _user_timezone(client: AsyncWebClient, user: str | None) -> str | None:
    """The requesting user's Slack time zone (`users.info`), if Slack tells us."""
    if not user:
        return None
    try:
        resp = await client.users_info(user=user)
    except SlackApiError as exc:
        log.info("users.info %s failed: %s", user, exc.response.get("error"))
        return None
    tz = (resp.get("user") or {}).get("tz")
    return str(tz) if tz else None


def _when(slot: Slot, at: datetime) -> str:
    local = at.astimezone(slot.zone)
    return f"{local:%a %b} {local.day}, {local:%H:%M %Z}"


def _articles(n: int) -> str:
    return f"{n} article{'s' if n != 1 else ''}"


def _describe(slot: Slot) -> str:
    days = "every day" if slot.days == "daily" else "on weekdays"
    return f"{slot.key} {slot.timezone} {days}"


async def digest_command(
    deps: Deps, client: AsyncWebClient, *, team: str, channel: str, user: str | None, args: list[str]
) -> str:
    """Dispatch `digest <sub> ...`; returns the reply text (errors included, never a trace)."""
    sub, rest = (args[0].lower(), args[1:]) if args else ("status", [])
    try:
        if sub == "subscribe":
            return await subscribe(deps, client, team=team, channel=channel, user=user, args=rest)
        if sub in ("unsubscribe", "stop"):
            return await unsubscribe(deps, client, team=team, channel=channel, args=rest)
        if sub == "status":
            return await status(deps, client, team=team, channel=channel)
        if sub == "now":
            return await now(deps, client, team=team, channel=channel)
    except ScheduleError as exc:
        return f"{exc.message} {USAGE}"
    return f"I don't know `digest {sub}`. {USAGE}"


async def subscribe(
    deps: Deps, client: AsyncWebClient, *, team: str, channel: str, user: str | None, args: list[str]
) -> str:
    sched = _scheduler(deps, client)
    names_zone = any(w.lower() not in DAY_WORDS for w in args[1:])
    default = deps.settings.default_timezone
    if args and not names_zone:
        default = await _user_timezone(client, user) or default
    slot = parse_slot(args, default)
    created = await deps.store.digest_subscribe(team, channel, slot.key, slot.timezone, slot.days, user, sched.clock())
    if deps.scheduler is not None:
        await sched.sync()  # this process runs the scheduler: take the change at once
    verb = "Subscribed" if created else "Updated"
    nxt = next_fire(slot, sched.clock())
    return f"{verb}: this channel gets a digest at {_describe(slot)}. Next one: {_when(slot, nxt)}."


async def unsubscribe(deps: Deps, client: AsyncWebClient, *, team: str, channel: str, args: list[str]) -> str:
    time_key = None
    if args:
        hour, minute = parse_time(args[0])
        time_key = f"{hour:02d}:{minute:02d}"
    removed = await deps.store.digest_unsubscribe(team, channel, time_key)
    if deps.scheduler is not None:
        await _scheduler(deps, client).sync()
    if not removed:
        return "This channel has no digest" + (f" at {time_key}." if time_key else ".")
    return f"Unsubscribed: removed {removed} digest{'s' if removed != 1 else ''} from this channel."


async def status(deps: Deps, client: AsyncWebClient, *, team: str, channel: str) -> str:
    sched = _scheduler(deps, client)
    subs = await deps.store.digest_subscriptions(team, channel)
    if not subs:
        return "This channel has no digest. " + USAGE
    lines = []
    for s in subs:
        slot = slot_of(s)
        lines.append(f"• {_describe(slot)}; next: {_when(slot, next_fire(slot, sched.clock()))}")
    runs = await deps.store.digest_runs(team, channel, limit=1)
    if runs:
        r = runs[0]
        lines.append(f"Last digest: {r.local_date} {r.slot}, {r.status}"
                     + (f" ({_articles(r.article_count)})" if r.article_count else "") + ".")
    return "Digests for this channel:\n" + "\n".join(lines)


async def now(deps: Deps, client: AsyncWebClient, *, team: str, channel: str) -> str:
    """Post the channel's digest at once, claimed like a scheduled one at the current minute."""
    sched = _scheduler(deps, client)
    subs = await deps.store.digest_subscriptions(team, channel)
    zone = subs[0].timezone if subs else deps.settings.default_timezone
    at = sched.clock()
    local = at.astimezone(Slot(0, 0, zone).zone)
    slot = Slot(local.hour, local.minute, zone, "daily")
    outcome = await sched.post(team, channel, local_date(slot, at), slot.key)
    if outcome.status == "taken":
        return "A digest was already posted here this minute."
    if outcome.status == "failed":
        return f"I couldn't post the digest here (Slack said: {outcome.error})."
    if outcome.message_ts is None:
        return "Nothing was shared here since the last digest, so there is nothing to post."
    return f"Posted the digest: {_articles(outcome.article_count)}."
