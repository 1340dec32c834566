"""Many workspaces: the real `newsbot serve` (a subprocess, SQLite) with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET and no bot token, against the local fake Slack playing both workspaces.

Two workspaces install the app through `/slack/install` and `/slack/oauth_redirect` (the code
exchange goes to the fake's `oauth.v2.access` through SLACK_API_URL); each one's links are
answered with its own token; the installations outlive a restart; a workspace that uninstalls
gets nothing more (a link it shared just before is dropped unanswered) while the other carries
on; and at DEBUG level (slack_sdk logs whole OAuth answers there) no token or secret is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from tests.conftest import secrets_in
from tests.fakes.article_server import ArticleServer
from tests.fakes.serve import free_port, serve_env, start_newsbot, stop
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import CLIENT_ID, CLIENT_SECRET, FakeSlack, Workspace
from tests.fakes.slack_events import event_body, message, new_channel, replies_in, wait_reply

SECRET = "oauth-signing-secret"
PAGE = "/files/pharma-manufacturing.html"
pytestmark = pytest.mark.asyncio(loop_scope="module")


class Newsbot:
    """The running app as Slack and an admin's browser see it."""

    def __init__(self, port: int, http: aiohttp.ClientSession) -> None:
        self.base, self.http = f"http://127.0.0.1:{port}", http

    async def wait_ready(self, within: float = 90) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with self.http.get(self.base + "/healthz") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise TimeoutError("not ready")

    async def send(self, body: bytes) -> int:
        async with self.http.post(self.base + "/slack/events", data=body, headers=signed_headers(SECRET, body)) as r:
            return r.status

    async def install(self, ws: Workspace, *, state: str | None = None) -> tuple[int, str]:
        """An admin clicks "Add to Slack", approves, and Slack redirects back with the code."""
        async with self.http.get(self.base + "/slack/install") as r:
            assert r.status == 200, await r.text()
            page = await r.text()
            cookie = r.headers["Set-Cookie"]  # Secure: a browser sends it back over the HTTPS the app sits behind
        assert "Secure" in cookie and "HttpOnly" in cookie
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
        assert link is not None, page[:500]
        query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
        assert query["client_id"] == [CLIENT_ID] and "chat:write" in query["scope"][0].split(",")
        params = {"code": ws.code, "state": state or query["state"][0]}
        headers = {"Cookie": cookie.split(";")[0]}
        async with self.http.get(self.base + "/slack/oauth_redirect", params=params, headers=headers) as r:
            return r.status, await r.text()

    async def share(self, ws: Workspace, channel: str, url: str) -> int:
        return await self.send(event_body(message(channel, f"<{url}>"), team=ws.team_id))


def jobs(db: Path) -> list[tuple[str, str, str | None]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT team, status, error_code FROM jobs ORDER BY id").fetchall()


def tokens_of(slack: FakeSlack, channel: str) -> set[str | None]:
    return {c.token for c in replies_in(slack, channel)}


async def each_answered_with_its_own_token(slack: FakeSlack, bot: Newsbot, url: str, *workspaces: Workspace) -> None:
    """Each workspace shares `url` in a new channel; each reply is posted with that workspace's token."""
    channels = [new_channel() for _ in workspaces]
    for ws, channel in zip(workspaces, channels, strict=True):
        assert await bot.share(ws, channel, url) == 200
    for ws, channel in zip(workspaces, channels, strict=True):
        await wait_reply(slack, channel)
        assert tokens_of(slack, channel) == {ws.token}


async def test_two_workspaces_installed_through_oauth(
    slack: FakeSlack, web_server: ArticleServer, tmp_path: Path
) -> None:
    alpha, beta = slack.add_workspace("T0ALPHA", "Alpha"), slack.add_workspace("T0BETA", "Beta")
    db = tmp_path / "newsbot.db"
    env: dict[str, Any] = serve_env(slack, db, free_port(), SECRET, NEWSBOT_WORKERS="1", NEWSBOT_SCHEDULER="0",
                                    SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
                                    NEWSBOT_LOG_LEVEL="DEBUG")
    del env["SLACK_BOT_TOKEN"]
    article = web_server.url(PAGE)
    proc = await start_newsbot("serve", env, tmp_path, "serve.log")
    try:
        async with aiohttp.ClientSession() as http:
            bot = Newsbot(int(env["PORT"]), http)
            await bot.wait_ready()

            # not installed yet: the link is acknowledged, nothing is recorded or answered
            early = new_channel()
            assert await bot.share(alpha, early, article) == 200
            # a forged or replayed state installs nothing
            status, _ = await bot.install(alpha, state="forged-state")
            assert status in (400, 401) and not alpha.installed

            for ws in (alpha, beta):
                status, page = await bot.install(ws)
                assert status == 200, page[:500]
                assert ws.installed  # the fake exchanged the code (oauth.v2.access via SLACK_API_URL)

            await each_answered_with_its_own_token(slack, bot, article, alpha, beta)
            assert replies_in(slack, early) == [] and [team for team, *_ in jobs(db)] == ["T0ALPHA", "T0BETA"]

            # a restart on another port: the installations are in the database
            await stop(proc)
            env["PORT"] = str(free_port())
            proc = await start_newsbot("serve", env, tmp_path, "serve.log")
            bot = Newsbot(int(env["PORT"]), http)
            await bot.wait_ready()
            await each_answered_with_its_own_token(slack, bot, article, alpha, beta)

            # Beta shares a slow link, then removes the app while it is being read
            b3 = new_channel()
            assert await bot.share(beta, b3, web_server.url("/slow-headers?delay=3&copy=oauth-b3")) == 200
            await asyncio.sleep(0.5)
            slack.uninstall(beta.team_id)
            uninstalled = event_body({"type": "app_uninstalled", "event_ts": "1.0"}, team=beta.team_id)
            assert await bot.send(uninstalled) == 200
            b4, a3 = new_channel(), new_channel()
            assert await bot.share(beta, b4, article) == 200  # Bolt finds no installation: nothing recorded
            assert await bot.share(alpha, a3, article) == 200
            await wait_reply(slack, a3)
            assert tokens_of(slack, a3) == {alpha.token}
            await asyncio.sleep(4)  # past the slow page: its reply would have gone out by now
            assert replies_in(slack, b3) == [] and replies_in(slack, b4) == []
            assert jobs(db)[-2:] == [("T0BETA", "failed", "uninstalled"), ("T0ALPHA", "done", None)]
            assert [c for c in slack.calls if c.token == beta.token and c.args.get("error") == "token_revoked"] == []

        log = (tmp_path / "serve.log").read_text()
        assert "oauth.v2.access" in log  # DEBUG really was on: slack_sdk logged the code exchange
        assert secrets_in(log) == [] and CLIENT_SECRET not in log and beta.token not in log
    except BaseException:
        print((tmp_path / "serve.log").read_text()[-4000:])
        raise
    finally:
        await stop(proc)
