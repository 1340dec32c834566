"""Refuse a replayed Slack request: the same signature twice within Slack's 5-minute window.

A signature covers the request's timestamp and body, so an exact copy is the only way to reuse
one. What a replay could repeat is a command or a button click (a "share" posts in a channel);
Slack never resends those. It does resend undelivered events (with `X-Slack-Retry-Num`), which
the caller lets through: an event's unique job key makes a second delivery a no-op anyway. The
stale-timestamp half of the defence is Bolt's signature check. One process remembers what it
saw; behind several web processes, the job key is what keeps a replayed event harmless.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW_SECONDS = 5 * 60  # Slack's: an older timestamp fails verification anyway
MAX_REMEMBERED = 100_000  # a flood of distinct signatures costs at most ~10 MB


class ReplayGuard:
    def __init__(
        self,
        window: float = WINDOW_SECONDS,
        max_remembered: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window, self.max_remembered, self.clock = window, max_remembered, clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> when, oldest first

    def is_replay(self, signature: str) -> bool:
        """True if `signature` was seen within the window; remembers it otherwise."""
        now = self.clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self.window and len(self._seen) < self.max_remembered:
                break
            del self._seen[oldest]
        if signature in self._seen:
            return True
        self._seen[signature] = now
        return False
