"""`DigestPoster`: claim a digest slot, build the period's digest, post it to the channel.

Separate from the scheduler so `/newsbot digest now` on a web process (scheduler off) posts
without building or starting an APScheduler: the claim in `digest_runs` is what keeps every
post at most once, whoever posts it. Each post uses its workspace's client; a workspace that
removed the app is paused (nothing claimed, nothing posted) until it installs the app again.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.schedule import digest as digest_mod
from bot.schedule.slots import Clock, utc_now
from bot.slack.faults import fault_of
from bot.slack.pacing import Pacer
from bot.slack.permalinks import permalink
from bot.slack.workspaces import NotInstalled
from bot.store import claims
from bot.store.codec import analysis_from_json
from bot.store.digests import EMPTY, FAILED, POSTED

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.config import Settings
    from bot.slack.workspaces import Workspaces
    from bot.store import Store

log = logging.getLogger(__name__)

FIRST_PERIOD = timedelta(hours=24)  # a channel's first digest covers the last day
NETWORK_ERROR = "NetworkError"  # not a Slack error word: fault_of() counts it as transient


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one digest attempt did: posted | empty | taken (already claimed) | paused (the
    workspace removed the app) | failed."""

    status: str
    local_date: str
    slot: str
    article_count: int = 0
    message_ts: str | None = None
    error: str | None = None

    @property
    def retryable(self) -> bool:
        """A failure another attempt may fix (outage, rate limit), not one it can't (no access)."""
        return self.status == "failed" and fault_of(self.error or "") == "transient"


class DigestPoster:
    """Claims and posts digests; a running scheduler's poster also serves `digest now` (one pacer)."""

    def __init__(
        self,
        store: Store,
        slack: Workspaces,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        pacer: Pacer | None = None,
        lease: timedelta = claims.LEASE,
    ) -> None:
        self.store, self.slack, self.settings, self.clock = store, slack, settings, clock
        self.pacer = pacer or Pacer()
        self.token = claims.new_token()  # this process's claims on digest runs
        self.lease = lease

    async def post(self, team: str, channel: str, day: str, slot_key: str, *, reclaim_failed: bool = False) -> Outcome:
        """Claim (team, channel, day, slot), build the period's digest, post it to the channel.

        `reclaim_failed`: a run left FAILED by an earlier attempt, or left running by a process
        whose lease ran out (it died mid-post), may be taken back (the scheduler's retries and
        start-up catch-up, within the grace); otherwise any existing run means "taken". While the
        post is in progress a heartbeat renews the claim; only its owner records the outcome."""
        now = self.clock()
        try:
            client = await self.slack.client(team)
        except NotInstalled:
            log.info("digest %s/%s %s %s: paused, the workspace removed the app", team, channel, day, slot_key)
            return Outcome("paused", day, slot_key)
        owner, lease = self.token, self.lease
        run_id = await self.store.claim_digest_run(team, channel, day, slot_key, now, owner=owner, lease=lease)
        if run_id is None and reclaim_failed:
            run_id = await self.store.reclaim_digest_run(team, channel, day, slot_key, now, owner=owner, lease=lease)
            if run_id is not None:
                log.info("digest %s/%s %s %s: re-claimed the run to try again", team, channel, day, slot_key)
        if run_id is None:
            log.info("digest %s/%s %s %s already claimed; not posting again", team, channel, day, slot_key)
            return Outcome("taken", day, slot_key)
        renew = functools.partial(self.store.renew_digest_run, run_id, owner, lease=lease)
        async with claims.heartbeat(renew, every=lease.total_seconds() / 3, name=f"digest-run-{run_id}-lease"):
            return await self._post_claimed(client, run_id, team, channel, day, slot_key, now)

    async def _post_claimed(
        self, client: AsyncWebClient, run_id: int, team: str, channel: str, day: str, slot_key: str, now: datetime
    ) -> Outcome:
        try:
            since = await self.store.previous_digest_at(team, channel, now) or now - FIRST_PERIOD
            period = await self.store.digest_period_articles(team, channel, since, now)
            items = [
                digest_mod.DigestItem(
                    article=p.article,
                    analysis=analysis_from_json(p.analysis_json) if p.analysis_json else None,
                    share_count=p.share_count,
                    first_shared_at=p.first_shared_at.timestamp(),
                )
                for p in period
            ]
            # a headline links to the bot's thread for the share (its parent message)
            threads = {p.article.url: p.thread_ts or p.message_ts for p in period}
            title = f"News digest · {_human_date(day)}"
            built = self._build(items, title)
            if built is None:
                await self._finish(run_id, EMPTY)
                log.info("digest %s/%s %s %s: nothing shared, nothing posted", team, channel, day, slot_key)
                return Outcome("empty", day, slot_key)
            if built.shown:  # link headlines to their threads: only the shown ones need a lookup
                # None where Slack won't say: the headline then links to the article, not a guessed URL
                urls = {i.article.url: await permalink(client, channel, threads[i.article.url]) for i in built.shown}
                items = [replace(i, thread_url=urls.get(i.article.url)) for i in items]
                built = self._build(items, title)
                assert built is not None
            await self.pacer.wait(channel)
            resp = await client.chat_postMessage(
                channel=channel, text=built.text, blocks=built.blocks, unfurl_links=False, unfurl_media=False
            )
            ts = resp.get("ts")
            count = len(items)
            status = POSTED if items else EMPTY  # EMPTY + a message: the quiet-day note
            await self._finish(run_id, status, message_ts=ts, article_count=count)
            log.info("digest %s/%s %s %s posted: %d article(s)", team, channel, day, slot_key, count)
            return Outcome(status, day, slot_key, count, ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "slack_error"))
            await self._finish(run_id, FAILED)
            log.error("digest %s/%s %s %s failed: %s", team, channel, day, slot_key, error)
            return Outcome("failed", day, slot_key, error=error)
        except (aiohttp.ClientError, TimeoutError) as exc:  # Slack unreachable after the client's retries
            await self._finish(run_id, FAILED)
            log.error("digest %s/%s %s %s failed: %r", team, channel, day, slot_key, exc)
            return Outcome("failed", day, slot_key, error=NETWORK_ERROR)
        except BaseException:
            await self._finish(run_id, FAILED)
            raise

    async def _finish(self, run_id: int, status: str, *, message_ts: str | None = None, article_count: int = 0) -> None:
        recorded = await self.store.finish_digest_run(
            run_id, status, self.clock(), owner=self.token, message_ts=message_ts, article_count=article_count
        )
        if not recorded:
            log.warning("digest run %s: another process took it over (our lease ran out); its outcome stands", run_id)

    def _build(self, items: list[digest_mod.DigestItem], title: str) -> digest_mod.Digest | None:
        return digest_mod.build(
            items,
            title=title,
            max_articles=self.settings.digest_max_articles,
            quiet_note=self.settings.digest_quiet_note,
            slash_command=self.settings.slash_command,
        )


def _human_date(day: str) -> str:
    d = datetime.fromisoformat(day)
    return f"{d:%A}, {d:%B} {d.day}"
