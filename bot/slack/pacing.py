"""Posts to Slack paced: Slack allows about one chat.postMessage per second per channel and
answers a burst with 429s; waiting here spends that second instead of failing. One pacer serves
a process's thread replies (the worker) and its digests (the scheduler's poster)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

# A workspace-wide burst (hundreds of digests at 07:30) is also spread, with jitter so several
# processes don't align.
PER_CHANNEL_SECONDS = 1.0
SPACING_SECONDS = 0.1
JITTER_SECONDS = 1.0


class Pacer:
    """Hands out post times: >= `per_channel` s apart per channel, >= `spacing` s apart overall."""

    def __init__(
        self,
        *,
        per_channel: float = PER_CHANNEL_SECONDS,
        spacing: float = SPACING_SECONDS,
        jitter: float = JITTER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.per_channel, self.spacing, self.jitter = per_channel, spacing, jitter
        self._monotonic, self._sleep = monotonic, sleep
        self._last_any = float("-inf")
        self._last: dict[str, float] = {}

    def reserve(self, channel: str) -> float:
        """Book the next allowed instant for `channel` (monotonic seconds); no waiting here."""
        last = self._last.get(channel, float("-inf"))
        at = max(self._monotonic(), self._last_any + self.spacing, last + self.per_channel)
        at += random.uniform(0, self.jitter) if self.jitter else 0.0
        self._last_any = max(self._last_any, at)
        self._last[channel] = at
        return at

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel) - self._monotonic()
        if delay > 0:
            await self._sleep(delay)
