"""The replay guard: a signature is refused the second time within the window, and forgotten after."""

from __future__ import annotations

from bot.slack.replay import ReplayGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_same_signature_twice_is_a_replay_until_the_window_ends() -> None:
    clock = Clock()
    guard = ReplayGuard(window=300, clock=clock)
    assert guard.is_replay("v0=aaa") is False
    assert guard.is_replay("v0=bbb") is False
    clock.now += 299
    assert guard.is_replay("v0=aaa") is True
    clock.now += 2  # 301 s after the first sighting: Bolt's timestamp check refuses it by now
    assert guard.is_replay("v0=aaa") is False


def test_memory_is_bounded_by_forgetting_the_oldest() -> None:
    guard = ReplayGuard(window=300, max_remembered=3, clock=Clock())
    for sig in ("a", "b", "c", "d"):
        assert guard.is_replay(sig) is False
    assert guard.is_replay("d") is True
    assert guard.is_replay("a") is False  # forgotten to make room
