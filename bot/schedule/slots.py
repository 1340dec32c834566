"""Pure time logic for digests: parse a schedule, find fire times, name slots, judge lateness.

No I/O and no scheduler here, so every DST and grace rule is tested with plain datetimes.
Semantics match APScheduler 3.11's `CronTrigger` (tests check they agree):

- a wall-clock time that does not exist on a spring-forward day (02:30 in New York on
  2026-03-08) fires at the same UTC instant as the pre-transition offset would give, i.e.
  one hour later on the wall clock (03:30 EDT);
- a wall-clock time that happens twice on a fall-back day fires at its first occurrence; the
  cron trigger also fires at the second one, which the `digest_runs` claim (one row per local
  date and slot) turns into a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import NewsbotError

Clock = Callable[[], datetime]  # returns an aware "now"; injected so tests never sleep

DAYS = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5))}  # Monday = 0
DEFAULT_DAYS = "weekdays"  # newsroom morning digests are a working-day habit
CRON_DAYS = {"daily": "*", "weekdays": "mon-fri"}
# How far back to look for the latest slot: a week covers any `days` rule (weekend gaps too).
LOOKBACK_DAYS = 8

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class ScheduleError(NewsbotError):
    """The digest schedule is not valid."""

    code = "bad_schedule"


class BadTime(ScheduleError):
    """The time is not a valid HH:MM."""

    code = "bad_time"


class UnknownTimezone(ScheduleError):
    """The time zone is not a known IANA zone name."""

    code = "unknown_timezone"


class BadDays(ScheduleError):
    """The days are not 'weekdays' or 'daily'."""

    code = "bad_days"


def utc_now() -> datetime:
    """The production clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Slot:
    """When a channel's digest fires: a local wall-clock time in a zone on some days."""

    hour: int
    minute: int
    timezone: str
    days: str = DEFAULT_DAYS

    @property
    def key(self) -> str:
        """The 'HH:MM' stored in `digest_subscriptions.time` and `digest_runs.slot`."""
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def fires_on(self, day: date) -> bool:
        return day.weekday() in DAYS[self.days]

    def at(self, day: date) -> datetime:
        """The UTC instant this slot fires on a local `day` (see the module note on DST)."""
        local = datetime.combine(day, time(self.hour, self.minute), tzinfo=self.zone)  # fold=0
        return local.astimezone(UTC)

    def cron(self) -> dict[str, object]:
        """Keyword arguments for APScheduler's `CronTrigger` (the scheduler's trigger)."""
        return {
            "hour": self.hour,
            "minute": self.minute,
            "day_of_week": CRON_DAYS[self.days],
            "timezone": self.zone,
        }


def parse_time(text: str) -> tuple[int, int]:
    """'07:30', '7:30', '7am', '5:15pm' -> (hour, minute) on a 24-hour clock."""
    m = _TIME.match(text.strip())
    if not m:
        raise BadTime(f"“{text}” is not a time; use HH:MM, like 07:30.")
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise BadTime(f"“{text}” is not a time; with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise BadTime(f"“{text}” is not a time; hours go 0-23 and minutes 0-59.")
    return hour, minute


def parse_zone(name: str) -> str:
    """Validate an IANA zone name, forgiving case ('america/new_york'); returns the real key."""
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        ZoneInfo(name)
        if "/" in name or name in available_timezones():
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    folded = {z.casefold(): z for z in available_timezones()}
    if name.casefold() in folded:
        return folded[name.casefold()]
    raise UnknownTimezone(f"“{name}” is not a time zone I know; use a name like America/New_York.")


def parse_days(word: str) -> str:
    days = word.strip().lower()
    aliases = {"weekday": "weekdays", "everyday": "daily", "every-day": "daily"}
    days = aliases.get(days, days)
    if days not in DAYS:
        raise BadDays(f"“{word}” is not a day rule; use weekdays or daily.")
    return days


def parse_slot(args: list[str], default_timezone: str) -> Slot:
    """`07:30 [Zone/Name] [weekdays|daily]` (zone and days in either order) -> a `Slot`."""
    if not args:
        raise BadTime("Give a time, like `digest subscribe 07:30 America/New_York weekdays`.")
    hour, minute = parse_time(args[0])
    zone, days = None, None
    for word in args[1:]:
        if word.lower().rstrip("s") in ("weekday", "daily", "everyday"):
            if days is not None:
                raise BadDays("Give the days only once: weekdays or daily.")
            days = parse_days(word)
        elif zone is None:
            zone = parse_zone(word)
        else:
            raise ScheduleError(f"I don't understand “{word}”: give one time zone, and weekdays or daily.")
    return Slot(hour, minute, zone or parse_zone(default_timezone), days or DEFAULT_DAYS)


def next_fire(slot: Slot, after: datetime) -> datetime:
    """The first fire instant at or after `after` (UTC)."""
    local_day = after.astimezone(slot.zone).date() - timedelta(days=1)
    for i in range(LOOKBACK_DAYS + 2):
        day = local_day + timedelta(days=i)
        if slot.fires_on(day) and (at := slot.at(day)) >= after:
            return at
    raise AssertionError("unreachable: every day rule fires within a week")


def latest_fire(slot: Slot, now: datetime) -> datetime | None:
    """The last fire instant at or before `now`, within the lookback window."""
    local_day = now.astimezone(slot.zone).date() + timedelta(days=1)
    for i in range(LOOKBACK_DAYS + 2):
        day = local_day - timedelta(days=i)
        if slot.fires_on(day) and (at := slot.at(day)) <= now:
            return at
    return None


def local_date(slot: Slot, fire: datetime) -> str:
    """The 'YYYY-MM-DD' a fire instant belongs to in the slot's zone (`digest_runs.local_date`).

    Computed from the scheduled date, not from the shifted instant: a 02:30 slot that fires at
    03:30 on a spring-forward day still belongs to that day, and so does a late catch-up."""
    return fire.astimezone(slot.zone).date().isoformat()


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do about a slot's latest fire: post it now, or skip it as too late."""

    action: str  # "post" | "skip" | "none"
    fire: datetime | None = None
    late: timedelta = timedelta(0)


def catch_up(slot: Slot, now: datetime, grace: timedelta, *, since: datetime | None = None) -> Decision:
    """At start-up: the latest slot not yet posted is due if less than `grace` late.

    `since` (the subscription's creation) keeps a new subscription from posting a slot that
    passed before it existed. Whether the slot was already posted is the caller's claim."""
    fire = latest_fire(slot, now)
    if fire is None or (since is not None and fire < since):
        return Decision("none")
    late = now - fire
    return Decision("post" if late <= grace else "skip", fire, late)
