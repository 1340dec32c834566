"""Posts to one channel at most once per interval: Slack allows about one message per second per
channel and answers a burst with 429s; pacing here spends that second waiting instead of failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POST_INTERVAL_SECONDS = 1.0
MAX_CHANNELS = 10_000  # remembered channels; older entries are in the past and safe to forget


class ChannelPacer:
    def __init__(self, interval: float = POST_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.clock = interval, clock
        self._next: dict[str, float] = {}  # channel -> earliest time of its next post

    async def wait(self, channel: str) -> None:
        """Take the channel's next turn and sleep until it comes."""
        now = self.clock()
        if len(self._next) >= MAX_CHANNELS:
            self._next = {c: t for c, t in self._next.items() if t > now}
        turn = max(now, self._next.get(channel, now))
        self._next[channel] = turn + self.interval
        if turn > now:
            await asyncio.sleep(turn - now)
