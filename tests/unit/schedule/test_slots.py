"""Slot arithmetic across DST changes; every expected instant below was worked out by hand
from the zones' 2026 rules (US: Mar 8 / Nov 1; EU: Mar 29 / Oct 25; Sydney: Apr 5 / Oct 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.schedule.slots import (
    BadDays,
    BadTime,
    Slot,
    UnknownTimezone,
    catch_up,
    latest_fire,
    local_date,
    next_fire,
    parse_slot,
    parse_time,
    parse_zone,
)

NY, LON, SYD, KOL = "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


CASES = [
    # slot, after, expected first fire at/after `after` (UTC)
    (Slot(7, 30, NY, "daily"), utc(2026, 3, 7, 12, 0), utc(2026, 3, 7, 12, 30)),  # Sat, EST (-5)
    (Slot(7, 30, NY, "daily"), utc(2026, 3, 7, 13, 0), utc(2026, 3, 8, 11, 30)),  # Sun, EDT (-4)
    (Slot(7, 30, NY, "weekdays"), utc(2026, 3, 6, 13, 0), utc(2026, 3, 9, 11, 30)),  # Fri -> Mon EDT
    (Slot(7, 30, NY, "daily"), utc(2026, 10, 31, 11, 31), utc(2026, 11, 1, 12, 30)),  # EDT -> EST
    (Slot(7, 30, NY, "weekdays"), utc(2026, 10, 30, 12, 0), utc(2026, 11, 2, 12, 30)),  # Fri -> Mon EST
    (Slot(2, 30, NY, "daily"), utc(2026, 3, 8, 0, 0), utc(2026, 3, 8, 7, 30)),  # 02:30 missing: 03:30 EDT
    (Slot(1, 30, NY, "daily"), utc(2026, 11, 1, 0, 0), utc(2026, 11, 1, 5, 30)),  # 01:30 twice: first (EDT)
    (Slot(7, 30, LON, "daily"), utc(2026, 3, 28, 0, 0), utc(2026, 3, 28, 7, 30)),  # GMT
    (Slot(7, 30, LON, "daily"), utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 6, 30)),  # BST
    (Slot(7, 30, LON, "daily"), utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 7, 30)),  # BST -> GMT
    (Slot(7, 30, SYD, "daily"), utc(2026, 4, 3, 0, 0), utc(2026, 4, 3, 20, 30)),  # Sat 4 Apr AEDT (+11)
    (Slot(7, 30, SYD, "daily"), utc(2026, 4, 3, 21, 0), utc(2026, 4, 4, 21, 30)),  # Sun 5 Apr AEST (+10)
    (Slot(7, 30, SYD, "daily"), utc(2026, 10, 3, 0, 0), utc(2026, 10, 3, 20, 30)),  # Sun 4 Oct AEDT again
    (Slot(7, 30, KOL, "daily"), utc(2026, 3, 8, 3, 0), utc(2026, 3, 9, 2, 0)),  # +05:30, no DST
    (Slot(7, 30, "UTC", "daily"), utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 7, 30)),  # at = inclusive
]


@pytest.mark.parametrize(("slot", "after", "expected"), CASES)
def test_next_fire_across_dst(slot: Slot, after: datetime, expected: datetime) -> None:
    assert next_fire(slot, after) == expected


@pytest.mark.parametrize(("slot", "after", "expected"), CASES)
def test_apscheduler_cron_trigger_agrees(slot: Slot, after: datetime, expected: datetime) -> None:
    """The scheduler fires through CronTrigger: it must land on the same instants."""
    fired = CronTrigger(**slot.cron()).get_next_fire_time(None, after)  # type: ignore[arg-type]
    assert fired is not None
    assert fired.astimezone(UTC) == expected


def test_wall_clock_time_is_kept_through_a_dst_change() -> None:
    slot = Slot(7, 30, NY, "daily")
    fire, seen = utc(2026, 3, 5, 0, 0), []
    for _ in range(6):  # Mar 5..10
        fire = next_fire(slot, fire + timedelta(seconds=1))
        seen.append(fire.astimezone(ZoneInfo(NY)).strftime("%d %H:%M %Z"))
    assert seen == ["05 07:30 EST", "06 07:30 EST", "07 07:30 EST", "08 07:30 EDT", "09 07:30 EDT", "10 07:30 EDT"]


def test_fall_back_second_occurrence_has_the_same_slot_key() -> None:
    """CronTrigger fires 01:30 twice on Nov 1; both map to one (local date, slot) claim."""
    slot = Slot(1, 30, NY, "daily")
    trigger = CronTrigger(**slot.cron())  # type: ignore[arg-type]
    first = trigger.get_next_fire_time(None, utc(2026, 11, 1, 0, 0))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert first is not None and second is not None
    assert second.astimezone(UTC) == utc(2026, 11, 1, 6, 30)  # 01:30 EST, an hour later
    keys = {local_date(slot, latest_fire(slot, t.astimezone(UTC)) or t) for t in (first, second)}
    assert keys == {"2026-11-01"}


def test_latest_fire_and_local_date() -> None:
    slot = Slot(7, 30, SYD, "weekdays")
    # Mon 6 Apr 07:29 AEST is before the slot: the latest is Fri 3 Apr 07:30 AEDT
    assert latest_fire(slot, utc(2026, 4, 5, 21, 29)) == utc(2026, 4, 2, 20, 30)
    assert local_date(slot, utc(2026, 4, 2, 20, 30)) == "2026-04-03"


def test_catch_up_inside_and_outside_the_grace() -> None:
    slot, grace = Slot(7, 30, "UTC", "daily"), timedelta(minutes=120)
    inside = catch_up(slot, utc(2026, 5, 4, 9, 29), grace)
    assert (inside.action, inside.fire, inside.late) == ("post", utc(2026, 5, 4, 7, 30), timedelta(minutes=119))
    outside = catch_up(slot, utc(2026, 5, 4, 9, 31), grace)
    assert (outside.action, outside.fire) == ("skip", utc(2026, 5, 4, 7, 30))
    created_later = catch_up(slot, utc(2026, 5, 4, 8, 0), grace, since=utc(2026, 5, 4, 7, 45))
    assert created_later.action == "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:30", (7, 30)), ("7:05", (7, 5)), ("7am", (7, 0)), ("12:15am", (0, 15)), ("5:45pm", (17, 45))],
)
def test_parse_time(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "13pm", "0730", "noon", ""])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(BadTime):
        parse_time(text)


def test_parse_slot_defaults_and_errors() -> None:
    assert parse_slot(["07:30"], "Europe/London") == Slot(7, 30, LON, "weekdays")
    assert parse_slot(["6:00", "daily", "asia/kolkata"], "UTC") == Slot(6, 0, KOL, "daily")
    assert parse_zone("utc") == "UTC"
    with pytest.raises(UnknownTimezone):
        parse_slot(["07:30", "Mars/Olympus_Mons"], "UTC")
    with pytest.raises(BadDays):
        parse_slot(["07:30", "daily", "weekdays"], "UTC")
