"""`digest ...` subcommand handlers on a real database and the fake Slack (no router needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import load_settings
from bot.deps import Deps
from bot.models import Analysis
from bot.runner import Runner
from bot.schedule.scheduler import DigestScheduler, Pacer
from bot.schedule.slots import utc_now
from bot.slack.workspaces import OneWorkspace
from bot.store import Store
from handlers.commands.digest import digest_command, handle
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.unit.schedule.helpers import TEAM, FakeClock, article, shared, utc

NOW = utc(2026, 3, 6, 15, 0)  # Friday 10:00 in New York, two days before DST starts


@pytest.fixture
async def env(sqlite_url: str) -> AsyncIterator[tuple[Deps, AsyncWebClient, FakeSlack]]:
    store = await Store.open(sqlite_url)
    async with FakeSlack() as slack:
        settings = load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack.api_url, default_timezone="UTC")
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        sched = DigestScheduler(store, OneWorkspace(client), settings, clock=FakeClock(NOW), pacer=Pacer(jitter=0))
        deps = Deps(settings=settings, store=store, fetcher=None, analyzer=None, commands=Runner(),  # type: ignore[arg-type]
                    scheduler=sched)
        yield deps, client, slack
    await store.close()


async def run(env: tuple[Deps, AsyncWebClient, FakeSlack], channel: str, text: str, user: str = "U1") -> str:
    deps, client, _ = env
    return await digest_command(deps, client, team=TEAM, channel=channel, user=user, args=text.split())


async def test_subscribe_uses_the_users_zone_and_names_the_next_digest(env: Any) -> None:
    _, _, slack = env
    slack.users["U9"] = {"id": "U9", "tz": "Europe/London"}
    reply = await run(env, "C1", "subscribe 07:30", user="U9")
    # Friday 15:00 UTC is past 07:30 London; next weekday is Monday 9 March, 07:30 GMT
    assert reply == (
        "Subscribed: this channel gets a digest at 07:30 Europe/London on weekdays. Next one: Mon Mar 9, 07:30 GMT."
    )
    again = await run(env, "C1", "subscribe 07:30 America/New_York daily")
    assert again.startswith("Updated:") and "Next one: Sat Mar 7, 07:30 EST." in again
    status = await run(env, "C1", "status")
    assert "07:30 America/New_York every day; next: Sat Mar 7, 07:30 EST" in status


async def test_users_info_failure_falls_back_to_the_default_zone(env: Any) -> None:
    _, _, slack = env
    slack.fail_next(1, method="users.info", error="user_not_found")
    assert "07:30 UTC on weekdays" in await run(env, "C2", "subscribe 07:30")


async def test_now_posts_and_status_reports_it(env: Any) -> None:
    deps, _, slack = env
    await shared(deps.store, article("x", "Dam holds", "Wire"), Analysis(), ("C3", NOW - timedelta(hours=3)))
    assert await run(env, "C3", "now") == "Posted the digest: 1 article."
    assert len(slack.replies()) == 1
    await run(env, "C3", "subscribe 07:30 UTC")
    assert "Last digest: 2026-03-06 15:00, posted (1 article)." in await run(env, "C3", "status")
    assert "already posted" in await run(env, "C3", "now")  # same minute: the claim holds


async def test_unsubscribe_one_time_and_errors(env: Any) -> None:
    await run(env, "C4", "subscribe 07:30 UTC")
    await run(env, "C4", "subscribe 17:00 UTC")
    assert await run(env, "C4", "unsubscribe 7:30") == "Unsubscribed: removed 1 digest from this channel."
    assert await run(env, "C4", "unsubscribe 07:30") == "This channel has no digest at 07:30."
    assert "not a time" in await run(env, "C4", "unsubscribe noon")


@dataclass
class Ctx:
    """What the /newsbot router hands a subcommand (the fields `handle` reads)."""

    deps: Deps
    client: AsyncWebClient | None
    arg: str
    team: str = TEAM
    channel: str = "C7"
    user: str = "U1"


async def test_web_process_digest_now_posts_with_the_apps_client(sqlite_url: str) -> None:
    """Scheduler off (a `newsbot clock` runs elsewhere): `digest now` posts through the client
    Bolt passed in, with no scheduler built, started or left behind."""
    store = await Store.open(sqlite_url)
    async with FakeSlack() as app_slack, FakeSlack() as elsewhere:
        # settings name another Slack: a client made from them would post there, not via the app
        settings = load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=elsewhere.api_url, scheduler=False)
        deps = Deps(settings=settings, store=store, fetcher=None, analyzer=None, commands=Runner())  # type: ignore[arg-type]
        await shared(store, article("w", "Ferry timetable changes", "Wire"), Analysis(), ("C7", utc_now()))
        client = AsyncWebClient(token=BOT_TOKEN, base_url=app_slack.api_url)
        text, _ = await handle(Ctx(deps, client, "now"))
        assert text == "Posted the digest: 1 article."
        [post] = app_slack.replies()
        assert post.args["channel"] == "C7" and elsewhere.calls == []
        assert deps.scheduler is None
        text, _ = await handle(Ctx(deps, client, "status"))
        assert "This channel has no digest" in text
    await store.close()
