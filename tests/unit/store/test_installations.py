"""Installations (many workspaces) on SQLite and PostgreSQL: slack_sdk's store on the tables of
migration 0009, a workspace's token by team id, and forgetting a workspace with its work."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import load_settings
from bot.logs import MASK, Redact
from bot.models import Job, Share
from bot.schedule.poster import DigestPoster
from bot.slack.workspaces import InstalledWorkspaces, NotInstalled
from bot.store import Store
from bot.store.installations import UNINSTALLED

CLIENT_ID = "111.222"


def installation(team: str, token: str, installed_at: datetime) -> Installation:
    return Installation(app_id="A1", enterprise_id=None, team_id=team, team_name=team.title(), user_id="U0ADMIN",
                        bot_token=token, bot_id=f"B{team}", bot_user_id=f"U{team}", bot_scopes="chat:write",
                        installed_at=installed_at.timestamp())


async def test_each_workspace_has_its_latest_token_until_it_is_forgotten(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        installs = store.installation_store(CLIENT_ID)
        now = datetime.now(UTC)
        await installs.async_save(installation("T1", "xoxb-one-old", now - timedelta(days=2)))
        await installs.async_save(installation("T1", "xoxb-one-new", now))  # reinstalled: a new token
        await installs.async_save(installation("T2", "xoxb-two", now))
        assert await store.bot_token(CLIENT_ID, "T1") == "xoxb-one-new"
        assert await store.bot_token(CLIENT_ID, "T2") == "xoxb-two"
        assert await store.bot_token("another-app", "T1") is None  # installs belong to one app
        bot = await installs.async_find_bot(enterprise_id=None, team_id="T2")  # what Bolt's authorize reads
        assert bot is not None and bot.bot_user_id == "UT2"

        for team, channel in (("T1", "C1"), ("T1", "C2"), ("T2", "C3")):
            job = await store.enqueue_job(Share(team, channel, "1.000001", user="U1"), "https://a.example/")
            assert job is not None
        assert await store.forget_workspace(CLIENT_ID, "T1") == 2
        assert await store.bot_token(CLIENT_ID, "T1") is None
        assert await installs.async_find_installation(enterprise_id=None, team_id="T1") is None
        assert await store.bot_token(CLIENT_ID, "T2") == "xoxb-two"  # the other workspace is untouched
        statuses = sorted((j.share.team, j.status, j.error_code) for j in await _all_jobs(store))
        assert statuses == [("T1", "failed", UNINSTALLED), ("T1", "failed", UNINSTALLED), ("T2", "queued", None)]
        assert [j.share.team for j in await store.claimable_jobs()] == ["T2"]
    finally:
        await store.close()


async def _all_jobs(store: Store) -> list[Job]:
    return [j for i in (1, 2, 3) if (j := await store.get_job(i)) is not None]


async def test_workspaces_resolve_installed_tokens_and_pause_digests_of_removed_ones(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url)
    try:
        settings = load_settings(slack_client_id=CLIENT_ID, slack_client_secret="x" * 16, slack_bot_token=None)
        assert settings.many_workspaces
        await store.installation_store(CLIENT_ID).async_save(installation("T1", "xoxb-one", datetime.now(UTC)))
        slack = InstalledWorkspaces(settings, store, CLIENT_ID)
        client = await slack.client("T1")
        assert isinstance(client, AsyncWebClient) and client.token == "xoxb-one"
        assert await slack.client("T1") is client  # one client per token
        try:
            await slack.client("T9")
            raise AssertionError("a workspace without an installation has no client")
        except NotInstalled as exc:
            assert exc.team == "T9"
        # a removed workspace's digest is paused: nothing claimed (so nothing posted)
        outcome = await DigestPoster(store, slack, settings).post("T9", "C1", "2026-12-01", "07:30")
        assert outcome.status == "paused"
        assert await store.digest_run("T9", "C1", "2026-12-01", "07:30") is None
    finally:
        await store.close()


def test_log_lines_never_carry_tokens_or_configured_secrets() -> None:
    redact = Redact(["client-secret-value-123", "short"])
    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1,
                               "Received: %s (secret %s, %s)", ({"access_token": "xoxb-9-abc-DEF"},
                                                                 "client-secret-value-123", "short"), None)
    assert redact.filter(record)
    text = record.getMessage()
    assert "xoxb-9-abc-DEF" not in text and "client-secret-value-123" not in text
    assert text.count(MASK) == 2 and text.endswith(", short)")  # too short to be a secret: left alone
    try:
        raise RuntimeError("refused xapp-1-A0-secret")
    except RuntimeError:
        failure = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    redact.filter(failure)
    assert failure.exc_text is not None and "xapp-1-A0-secret" not in failure.exc_text and MASK in failure.exc_text
