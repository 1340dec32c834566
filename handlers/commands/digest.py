"""`/newsbot digest subscribe|unsubscribe|status|now`: parse, act, and answer in one line or few.

`handle(ctx)` plugs into the slash-command router (`add("digest", handle, USAGE_ENTRY)` below),
which acks first and answers via `response_url`.
User-facing wording for schedule errors comes from the error's message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Usage
from bot.deps import Deps
from bot.schedule.poster import DigestPoster
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
from bot.slack.workspaces import OneWorkspace
from handlers.commands.router import Ctx, add

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


async def handle(ctx: Ctx) -> tuple[str, list[dict[str, Any]]]:
    """The router's handler: `(text, blocks)` for the ephemeral answer, with Bolt's client."""
    client = ctx.client
    if client is None:
        raise RuntimeError("no Slack client for the digest command")  # Bolt always passes one
    text = await digest_command(
        ctx.deps, client, team=ctx.team, channel=ctx.channel, user=ctx.user or None, args=ctx.arg.split()
    )
    return notice(text)


def _poster(deps: Deps, client: AsyncWebClient) -> DigestPoster:
    """The running scheduler's poster (shared pacing), else a one-off one with Bolt's client for
    this workspace: posting needs no started scheduler, the `digest_runs` claim keeps it at most once."""
    sched = deps.scheduler
    if isinstance(sched, DigestScheduler):
        return sched.poster
    return DigestPoster(deps.store, OneWorkspace(client), deps.settings)


async def _sync(deps: Deps) -> None:
    """This process runs the scheduler: take a subscription change at once (else the clock
    process picks it up at its next sync)."""
    if isinstance(deps.scheduler, DigestScheduler):
        await deps.scheduler.sync()


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
    clock = _poster(deps, client).clock
    names_zone = any(w.lower() not in DAY_WORDS for w in args[1:])
    default = deps.settings.default_timezone
    if args and not names_zone:
        default = await _user_timezone(client, user) or default
    slot = parse_slot(args, default)
    created = await deps.store.digest_subscribe(team, channel, slot.key, slot.timezone, slot.days, user, clock())
    await _sync(deps)
    verb = "Subscribed" if created else "Updated"
    nxt = next_fire(slot, clock())
    return f"{verb}: this channel gets a digest at {_describe(slot)}. Next one: {_when(slot, nxt)}."


async def unsubscribe(deps: Deps, client: AsyncWebClient, *, team: str, channel: str, args: list[str]) -> str:
    time_key = None
    if args:
        hour, minute = parse_time(args[0])
        time_key = f"{hour:02d}:{minute:02d}"
    removed = await deps.store.digest_unsubscribe(team, channel, time_key)
    await _sync(deps)
    if not removed:
        return "This channel has no digest" + (f" at {time_key}." if time_key else ".")
    return f"Unsubscribed: removed {removed} digest{'s' if removed != 1 else ''} from this channel."


async def status(deps: Deps, client: AsyncWebClient, *, team: str, channel: str) -> str:
    clock = _poster(deps, client).clock
    subs = await deps.store.digest_subscriptions(team, channel)
    if not subs:
        return "This channel has no digest. " + USAGE
    lines = []
    for s in subs:
        slot = slot_of(s)
        lines.append(f"• {_describe(slot)}; next: {_when(slot, next_fire(slot, clock()))}")
    runs = await deps.store.digest_runs(team, channel, limit=1)
    if runs:
        r = runs[0]
        lines.append(f"Last digest: {r.local_date} {r.slot}, {r.status}"
                     + (f" ({_articles(r.article_count)})" if r.article_count else "") + ".")
    return "Digests for this channel:\n" + "\n".join(lines)


async def now(deps: Deps, client: AsyncWebClient, *, team: str, channel: str) -> str:
    """Post the channel's digest at once, claimed like a scheduled one at the current minute."""
    poster = _poster(deps, client)
    subs = await deps.store.digest_subscriptions(team, channel)
    zone = subs[0].timezone if subs else deps.settings.default_timezone
    at = poster.clock()
    local = at.astimezone(Slot(0, 0, zone).zone)
    slot = Slot(local.hour, local.minute, zone, "daily")
    outcome = await poster.post(team, channel, local_date(slot, at), slot.key)
    if outcome.status == "taken":
        return "A digest was already posted here this minute."
    if outcome.status == "failed":
        return f"I couldn't post the digest here (Slack said: {outcome.error})."
    if outcome.message_ts is None:
        return "Nothing was shared here since the last digest, so there is nothing to post."
    return f"Posted the digest: {_articles(outcome.article_count)}."


add("digest", handle, USAGE_ENTRY)
