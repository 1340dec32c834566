"""Through a Slack storm (most Web API calls answered 429, 5xx, `ratelimited` or a reset), every
shared link is answered exactly once. A short storm here; `bench/slack_storm.py` runs the 60 s one."""

from __future__ import annotations

from bench.slack_storm import run_storm


async def test_every_link_is_answered_exactly_once_through_a_storm() -> None:
    result = await run_storm(links=6, storm_seconds=8, share=0.7, seed=7, within=240)
    assert result["acks"] == {200: 6}
    assert result["refused_calls"] > 10  # the storm really refused calls
    assert (result["answered_once"], result["missing"], result["doubled"]) == (6, 0, 0), result
