"""DigestScheduler on a real database and the local fake Slack, with an injected clock.

Order/grouping expectations are worked out by hand from the rules in `bot/schedule/digest.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings, load_settings
from bot.schedule.scheduler import DigestScheduler, Pacer, slot_of
from bot.slack.workspaces import OneWorkspace
from bot.store import Store
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.unit.schedule.helpers import (
    TEAM,
    Analysis,
    FakeClock,
    Organization,
    Person,
    Quote,
    Theme,
    Topic,
    article,
    shared,
    utc,
)

NOW = utc(2026, 5, 4, 7, 30, 5)  # a Monday, five seconds after a 07:30 UTC slot
ECON = Topic("medtop:04000000", "economy, business and finance")
DISASTER = Topic("medtop:03000000", "disaster, accident and emergency incident")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url)
    yield s
    await s.close()


LAPSED = timedelta(seconds=-1)  # a claim whose holder stopped renewing it


def make(
    store: Store, slack: FakeSlack, clock: FakeClock, retry_delays: tuple[float, ...] = (0.05, 0.05), **overrides: Any
) -> DigestScheduler:
    settings: Settings = load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack.api_url, **overrides)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    return DigestScheduler(
        store, OneWorkspace(client), settings, clock=clock, pacer=Pacer(jitter=0, spacing=0.01),
        retry_delays=retry_delays,
    )


def outline(blocks: list[dict[str, Any]]) -> list[str]:
    """Group headings as '# label', articles as their headline link label."""
    out = []
    for b in blocks:
        if b["type"] == "context" and b["elements"][0]["text"].startswith("*"):
            out.append("# " + b["elements"][0]["text"].strip("*"))
        elif b["type"] == "section" and b["text"]["text"].startswith("*<"):
            out.append(b["text"]["text"].split("|", 1)[1].split(">*", 1)[0])
    return out


async def seed(store: Store) -> None:
    """Five articles shared in C1 in the last day, plus ones that must stay out."""
    t = NOW - timedelta(hours=10)
    powell = Quote("We will act as needed", "Jerome Powell", key=True, score=0.9)
    await shared(store, article("fed", "Fed raises rates", "Reuters"),
                 Analysis(quotes=(Quote("Markets fell", None, score=0.5), powell),
                          organizations=(Organization("Federal Reserve", mentions=3),),
                          people=(Person("Jerome Powell", mentions=2),), themes=(Theme("rates", 1),), topics=(ECON,)),
                 ("C1", t + timedelta(hours=1)), ("C2", t), ("C2", t + timedelta(hours=2)))  # 3 shares
    await shared(store, article("budget", "Council passes budget", "Local News"),
                 Analysis(organizations=(Organization("City Council"), Organization("Federal Reserve")),
                          themes=(Theme("city budget", 0.9),)),
                 ("C1", t + timedelta(hours=2)))
    await shared(store, article("vote", "Budget vote delayed", "Local News"),
                 Analysis(organizations=(Organization("City Council", mentions=4),),
                          themes=(Theme("vote", 0.9), Theme("City Budget", 0.8))),
                 ("C1", t), ("C3", t + timedelta(hours=3)))  # 2 shares, earliest in C1
    await shared(store, article("fire", "Wildfire spreads", "Wire"), Analysis(topics=(DISASTER,)),
                 ("C1", t + timedelta(hours=3)))
    await shared(store, article("cats", "Cats <!channel> & dogs", "Pets"), Analysis(themes=(Theme("cats", 1),)),
                 ("C1", t + timedelta(hours=4)))
    await shared(store, article("old", "Old news", "Wire"), Analysis(), ("C1", NOW - timedelta(hours=30)))
    await shared(store, article("elsewhere", "Elsewhere", "Wire"), Analysis(), ("C2", t))


async def test_digest_from_stored_shares_is_ranked_and_grouped(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    sched = make(store, slack, FakeClock(NOW))
    outcome = await sched.post(TEAM, "C1", "2026-05-04", "07:30")
    assert (outcome.status, outcome.article_count) == ("posted", 5)
    [call] = slack.replies()
    assert call.args["channel"] == "C1" and "thread_ts" not in call.args
    blocks = call.args["blocks"]
    # rank: Fed (3 shares), vote (2), then one-share articles by first share: budget, fire, cats
    assert outline(blocks) == [
        "# economy, business and finance", "Fed raises rates",
        # vote's best theme "vote" is its own; "City Budget" is shared with budget: that group
        "# City Budget", "Budget vote delayed", "Council passes budget",
        "# disaster, accident and emergency incident", "Wildfire spreads",
        "# Other stories", "Cats &lt;!channel&gt; &amp; dogs",
    ]
    text = str(blocks)
    assert "Old news" not in text and "Elsewhere" not in text and "<!channel>" not in text
    fed = next(b["text"]["text"] for b in blocks if "Fed raises" in b.get("text", {}).get("text", ""))
    assert fed.startswith("*<https://newsroom.slack.com/archives/C1/p")  # linked to its Slack thread
    assert "Reuters" in fed and "shared 3 times" in fed
    assert "“We will act as needed” — Jerome Powell" in fed  # the key quote, not the first one
    # both in 2 articles; City Council has 1 + 4 mentions, Federal Reserve 3 + 1
    assert "*Organizations:* City Council, Federal Reserve" in text
    assert "*People:* Jerome Powell" in text


async def subscribe(store: Store, channel: str, time: str = "07:30", zone: str = "UTC", days: str = "daily") -> None:
    await store.digest_subscribe(TEAM, channel, time, zone, days, "U1", NOW - timedelta(days=7))


async def test_exactly_one_digest_across_a_restart_at_the_scheduled_minute(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    await subscribe(store, "C1")
    first = make(store, slack, FakeClock(NOW))
    await first.start()  # 5 s after the slot: catch-up posts it
    await first.drain()
    await first.stop()
    second = make(store, slack, FakeClock(NOW + timedelta(seconds=20)))  # the restarted process
    await second.start()
    await second.drain()
    [sub] = await store.digest_subscriptions()
    await second._fire(TEAM, "C1", slot_of(sub))  # and its cron job firing in the same minute
    await second.stop()
    assert [c.args["channel"] for c in slack.replies()] == ["C1"]
    runs = await store.digest_runs(TEAM, "C1")
    assert [(r.local_date, r.slot, r.status, r.article_count) for r in runs] == [("2026-05-04", "07:30", "posted", 5)]


@pytest.mark.parametrize(("late_minutes", "posted"), [(119, True), (121, False)])
async def test_missed_slot_inside_and_outside_the_grace(
    store: Store, slack: FakeSlack, late_minutes: int, posted: bool
) -> None:
    await seed(store)
    await subscribe(store, "C1")
    sched = make(store, slack, FakeClock(utc(2026, 5, 4, 7, 30) + timedelta(minutes=late_minutes)))
    await sched.start()
    await sched.drain()
    await sched.stop()
    assert len(slack.replies()) == (1 if posted else 0)
    [run] = await store.digest_runs(TEAM, "C1")
    assert run.status == ("posted" if posted else "skipped")


async def test_next_digest_covers_since_the_previous_one(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    clock = FakeClock(NOW)
    sched = make(store, slack, clock)
    assert (await sched.post(TEAM, "C1", "2026-05-04", "07:30")).article_count == 5
    clock.now = NOW + timedelta(hours=2)
    await shared(store, article("new", "New story", "Wire"), Analysis(), ("C1", NOW + timedelta(hours=1)))
    again = await sched.post(TEAM, "C1", "2026-05-04", "09:30")
    assert again.article_count == 1
    clock.now = NOW + timedelta(hours=3)
    assert (await sched.post(TEAM, "C1", "2026-05-04", "10:30")).status == "empty"  # nothing new: no post
    assert len(slack.replies()) == 2


async def test_quiet_note_and_the_more_line(store: Store, slack: FakeSlack) -> None:
    sched = make(store, slack, FakeClock(NOW), digest_quiet_note=True, digest_max_articles=2, slash_command="/news")
    quiet = await sched.post(TEAM, "C9", "2026-05-04", "07:30")
    assert quiet.status == "empty" and "quiet day" in slack.replies()[0].args["text"]
    await seed(store)
    await sched.post(TEAM, "C1", "2026-05-04", "07:30")
    blocks = slack.replies()[1].args["blocks"]
    assert outline(blocks) == ["# economy, business and finance", "Fed raises rates", "# Other stories",
                               "Budget vote delayed"]  # alone, "City Budget" is no longer shared
    assert blocks[-1]["elements"][0]["text"] == "and 3 more: /news recent"  # the workspace's own command


async def test_many_channels_at_the_same_minute_are_spread(store: Store, slack: FakeSlack) -> None:
    for i in range(6):
        await shared(store, article(f"a{i}", f"Story {i}", "Wire"), Analysis(), (f"C{i}", NOW - timedelta(hours=1)))
        await subscribe(store, f"C{i}")
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=slack.api_url)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    booked: list[float] = []

    class Recording(Pacer):
        def reserve(self, channel: str) -> float:
            booked.append(at := super().reserve(channel))
            return at

    pacer = Recording(spacing=0.15, jitter=0.05)
    sched = DigestScheduler(store, OneWorkspace(client), settings, clock=FakeClock(NOW), pacer=pacer)
    started = time.monotonic()
    await sched.start()
    await sched.drain()
    await sched.stop()
    assert len(slack.replies()) == 6 and len(booked) == 6  # every post waited for its turn
    # the turns are spread (exact: arrival times at the fake also carry client latency, which on
    # a loaded 2-core machine varied by more than the spacing); posting took them all in
    assert min(b - a for a, b in pairwise(sorted(booked))) >= 0.15
    assert time.monotonic() - started >= 5 * 0.15


def test_pacer_keeps_a_second_between_posts_to_one_channel() -> None:
    now = [100.0]
    pacer = Pacer(per_channel=1.0, spacing=0.1, jitter=0, monotonic=lambda: now[0])
    assert [pacer.reserve(c) for c in ("A", "B", "A", "C", "A")] == [100.0, 100.1, 101.0, 101.1, 102.0]


async def test_retention_sweep_runs_on_the_scheduler(store: Store, slack: FakeSlack) -> None:
    """NEWSBOT_RETENTION_DAYS: shares older than the window go at the first sweep, recent ones stay."""
    import asyncio
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    await shared(store, article("old", "An old story", "Archive"), Analysis(), ("C1", now - timedelta(days=400)))
    await shared(store, article("new", "A new story", "Today"), Analysis(), ("C1", now - timedelta(days=1)))
    assert len((await store.recent(team=TEAM, limit=10)).items) == 2

    sched = make(store, slack, FakeClock(now), retention_days=30)
    await sched.start()
    try:
        for _ in range(50):  # the sweep is scheduled for "now": give the loop a moment, bounded
            if len((await store.recent(team=TEAM, limit=10)).items) == 1:
                break
            await asyncio.sleep(0.1)
    finally:
        await sched.stop()
    remaining = (await store.recent(team=TEAM, limit=10)).items
    assert [h.title for h in remaining] == ["A new story"]


# --- a post that fails after Slack's retries ---------------------------------------------
@pytest.mark.parametrize(("failures", "error", "grace", "posts_tried", "status"), [
    (1, "internal_error", 120, 2, "posted"),  # retried once, then posted
    (2, "ratelimited", 120, 3, "posted"),  # the third and last attempt works
    (3, "internal_error", 120, 3, "failed"),  # at most 3 attempts
    (1, "not_in_channel", 120, 1, "failed"),  # a retry can't fix this one
    (1, "internal_error", 0, 1, "failed"),  # a retry would land past the grace
])
async def test_failed_post_is_retried_within_the_grace(
    store: Store, slack: FakeSlack, failures: int, error: str, grace: int, posts_tried: int, status: str
) -> None:
    await seed(store)
    await subscribe(store, "C1")
    sched = make(store, slack, FakeClock(utc(2026, 5, 4, 7, 30)), digest_grace_minutes=grace)
    slack.fail_next(failures, method="chat.postMessage", error=error)
    [sub] = await store.digest_subscriptions()
    await sched._fire(TEAM, "C1", slot_of(sub))
    assert len(slack.calls_to("chat.postMessage")) == posts_tried
    assert len(slack.replies()) == (1 if status == "posted" else 0)
    [run] = await store.digest_runs(TEAM, "C1")
    assert run.status == status


async def test_a_failed_run_is_retried_after_a_restart_within_the_grace(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    await subscribe(store, "C1")
    first = make(store, slack, FakeClock(NOW), retry_delays=())  # no retries in this process
    slack.fail_next(1, method="chat.postMessage", error="service_unavailable")
    await first.start()
    await first.drain()
    await first.stop()
    assert [r.status for r in await store.digest_runs(TEAM, "C1")] == ["failed"]
    second = make(store, slack, FakeClock(NOW + timedelta(minutes=10)))  # restarted, within the grace
    await second.start()
    await second.drain()
    third = make(store, slack, FakeClock(NOW + timedelta(minutes=11)))  # and again: posted stays posted
    await third.start()
    await third.drain()
    await second.stop()
    await third.stop()
    assert [c.args["channel"] for c in slack.replies()] == ["C1"]
    assert [r.status for r in await store.digest_runs(TEAM, "C1")] == ["posted"]


async def test_only_one_of_two_schedulers_reclaims_a_failed_run(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    run_id = await store.claim_digest_run(TEAM, "C1", "2026-05-04", "07:30", NOW, owner="earlier")
    assert run_id is not None
    assert await store.finish_digest_run(run_id, "failed", NOW, owner="earlier")
    a, b = make(store, slack, FakeClock(NOW)), make(store, slack, FakeClock(NOW))
    outcomes = await asyncio.gather(
        *(s.post(TEAM, "C1", "2026-05-04", "07:30", reclaim_failed=True) for s in (a, b))
    )
    assert sorted(o.status for o in outcomes) == ["posted", "taken"]
    assert len(slack.replies()) == 1


async def test_a_run_left_running_by_a_dead_process_is_posted_after_a_restart(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    await subscribe(store, "C1")
    # the process that claimed 07:30 died before finishing: the row says "running", nobody renews it
    assert await store.claim_digest_run(TEAM, "C1", "2026-05-04", "07:30", NOW, owner="dead", lease=LAPSED)
    restarted = make(store, slack, FakeClock(NOW + timedelta(minutes=10)))  # within the grace
    await restarted.start()
    await restarted.drain()
    await restarted.stop()
    assert [c.args["channel"] for c in slack.replies()] == ["C1"]
    assert [r.status for r in await store.digest_runs(TEAM, "C1")] == ["posted"]


async def test_a_running_run_is_taken_only_once_its_lease_lapses(store: Store, slack: FakeSlack) -> None:
    await seed(store)
    lease = timedelta(seconds=0.5)  # on the database clock: the schedulers' fake clocks play no part
    run_id = await store.claim_digest_run(TEAM, "C1", "2026-05-04", "07:30", NOW, owner="peer", lease=lease)
    assert run_id is not None
    other = make(store, slack, FakeClock(NOW + timedelta(hours=1)))  # a live peer may be posting it
    assert (await other.post(TEAM, "C1", "2026-05-04", "07:30", reclaim_failed=True)).status == "taken"
    assert await store.renew_digest_run(run_id, "peer", lease=lease)  # the peer's heartbeat
    await asyncio.sleep(0.7)  # then it dies
    assert (await other.post(TEAM, "C1", "2026-05-04", "07:30", reclaim_failed=True)).status == "posted"
    assert len(slack.replies()) == 1
    assert not await store.renew_digest_run(run_id, "peer")  # fenced: the dead peer's claim is gone
    assert not await store.finish_digest_run(run_id, "failed", NOW, owner="peer")
    [run] = await store.digest_runs(TEAM, "C1")
    assert (run.status, run.attempts) == ("posted", 2)
