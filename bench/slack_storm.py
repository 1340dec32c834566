"""A Slack storm: for a while, Slack answers most Web API calls with 429 (Retry-After), 503,
500, a `ratelimited` error or a reset connection, while links are shared. Every link must be
answered exactly once. The real app (aiohttp + Bolt + worker + analysis process) runs against the
local fake Slack and article server; signed events go to its real `/slack/events`.

Run: `.venv/bin/python -m bench.slack_storm [--links 30] [--storm 60] [--share 0.7]`.
`tests/scenario/test_slack_storm.py` runs a short one in `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import write_results
from bot.config import load_settings
from bot.paths import REPO_ROOT
from bot.server import EVENTS_PATH, HEALTH_PATH, create_app
from tests.fakes.article_server import ArticleServer
from tests.fakes.local_http import listen
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import event_body, message

SECRET = "storm-signing-secret"
ARTICLES = REPO_ROOT / "tests" / "data" / "articles"
SEED = "pharma-manufacturing.html"


async def _ready(http: aiohttp.ClientSession, base: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with http.get(base + HEALTH_PATH) as r:
                if r.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("the app never became ready")


async def run_storm(
    *, links: int, storm_seconds: float, share: float = 0.7, seed: int = 0, within: float = 300,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Share `links` links (one per channel, spread over the first half of the storm) and
    count each channel's replies once the bot is idle again."""
    with tempfile.TemporaryDirectory() as tmp:
        db = (workdir or Path(tmp)) / "storm.db"
        async with FakeSlack() as slack, ArticleServer(root=ARTICLES) as web_server:
            settings = load_settings(
                slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=None,
                slack_api_url=slack.api_url, database_url=f"sqlite+aiosqlite:///{db}",
                allow_private_urls=True, workers=1, scheduler=False,
            )
            runner, port = await listen(create_app(settings))
            base = f"http://127.0.0.1:{port}"
            try:
                async with aiohttp.ClientSession() as http:
                    await _ready(http, base)
                    slack.storm(storm_seconds, share, seed)
                    storm_started = time.monotonic()
                    channels = [f"CSTORM{n:05d}" for n in range(links)]
                    acks: Counter[int] = Counter()
                    for n, channel in enumerate(channels):
                        url = web_server.url(f"/files/{SEED}?copy=storm-{seed}-{n}")
                        body = event_body(message(channel, f"<{url}>", ts=f"{int(time.time())}.{n:06d}"))
                        async with http.post(base + EVENTS_PATH, data=body, headers=signed_headers(SECRET, body)) as r:
                            acks[r.status] += 1
                        await asyncio.sleep(storm_seconds / 2 / max(links, 1))
                    deadline = time.monotonic() + within
                    while time.monotonic() < deadline:
                        answered = {c.args.get("channel") for c in slack.replies()}
                        async with http.get(base + HEALTH_PATH) as r:
                            active = (await r.json()).get("active_jobs", 0)
                        if answered >= set(channels) and active == 0:
                            break
                        await asyncio.sleep(0.2)
                    done_after = time.monotonic() - storm_started
                    await asyncio.sleep(2)  # a late duplicate would show up here
            finally:
                await runner.cleanup()
            per_channel = Counter(c.args.get("channel") for c in slack.replies())
            refused = sum(1 for c in slack.calls if c.answered != 200 or "error" in c.args)
            return {
                "links": links, "storm_seconds": storm_seconds, "fault_share": share, "seed": seed,
                "acks": dict(acks), "answered_once": sum(per_channel[c] == 1 for c in channels),
                "missing": sum(per_channel[c] == 0 for c in channels),
                "doubled": sum(per_channel[c] > 1 for c in channels),
                "web_api_calls": len(slack.calls), "refused_calls": refused,
                "all_answered_after_seconds": round(done_after, 1),
            }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=int, default=30)
    ap.add_argument("--storm", type=float, default=60.0, help="seconds of faults")
    ap.add_argument("--share", type=float, default=0.7, help="share of Web API calls refused during the storm")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    r = asyncio.run(run_storm(links=args.links, storm_seconds=args.storm, share=args.share, seed=args.seed))
    print(f"slack storm: {r['links']} links, {r['storm_seconds']:.0f} s of faults on {r['fault_share']:.0%} of calls")
    print(f"  acks {r['acks']}; Web API calls {r['web_api_calls']}, refused {r['refused_calls']}")
    print(f"  answered once {r['answered_once']}, missing {r['missing']}, doubled {r['doubled']}; "
          f"all answered {r['all_answered_after_seconds']} s after the storm began")
    print(f"wrote {write_results('slack_storm', r)}")


if __name__ == "__main__":
    main()
