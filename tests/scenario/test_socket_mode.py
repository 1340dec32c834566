"""Socket Mode, end to end: the real app with an app-level token connects through
`apps.connections.open` to a local fake Socket Mode endpoint, acknowledges each envelope within
Slack's 3 s, answers a shared link in its thread, and reconnects when the endpoint asks it to
(`disconnect`) or the connection dies without a word."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.config import load_settings
from bot.server import create_app
from tests.conftest import SHARED_ARTICLES
from tests.fakes.article_server import ArticleServer
from tests.fakes.local_http import listen
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import event_body, message, new_channel, replies_in, wait_reply
from tests.fakes.socket_mode import FakeSocketMode

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = "pharma-manufacturing.html"
GOLD_TITLE = json.loads((SHARED_ARTICLES / "pharma-manufacturing.gold.json").read_text())["title"]
RECONNECT_WITHIN_SECONDS = 30  # a silent drop is noticed at the next ping (5 s), then reconnected


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def socket() -> AsyncIterator[FakeSocketMode]:
    async with FakeSocketMode() as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def slack(socket: FakeSocketMode) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(socket_url=socket.url) as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site() -> AsyncIterator[ArticleServer]:
    async with ArticleServer(root=SHARED_ARTICLES) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(slack: FakeSlack, socket: FakeSocketMode, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The app in Socket Mode (no signing secret, no /slack/events); yields its base URL."""
    db = tmp_path_factory.mktemp("db") / "newsbot.db"
    settings = load_settings(
        slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_signing_secret=None,
        slack_api_url=slack.api_url, database_url=f"sqlite+aiosqlite:///{db}",
        allow_private_urls=True, workers=1, max_concurrent_jobs=4, scheduler=False,
    )
    runner, port = await listen(create_app(settings))
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _share_and_get_reply(socket: FakeSocketMode, slack: FakeSlack, site: ArticleServer, copy: str) -> Any:
    channel = new_channel()
    event = message(channel, f"<{site.url(f'/files/{SEED}?copy={copy}')}>")
    envelope = await socket.send_event(json.loads(event_body(event)))
    ack = await socket.wait_ack(envelope)  # within Slack's 3 s
    assert ack["envelope_id"] == envelope
    [reply] = await wait_reply(slack, channel, within=90)
    assert reply.args["thread_ts"] == event["ts"]
    assert GOLD_TITLE in reply.args["text"] + json.dumps(reply.args.get("blocks", []), ensure_ascii=False)
    return reply


async def test_connects_with_the_app_token_and_answers_in_the_thread(
    bot: str, socket: FakeSocketMode, slack: FakeSlack, site: ArticleServer
) -> None:
    await socket.wait_connections(1)
    opened = slack.calls_to("apps.connections.open", ok_only=True)
    assert opened and all(c.token == APP_TOKEN for c in opened)
    async with aiohttp.ClientSession() as http, http.post(f"{bot}/slack/events", data=b"{}") as r:
        assert r.status == 404  # Socket Mode: no public HTTP endpoint for events
    reply = await _share_and_get_reply(socket, slack, site, "first")
    assert reply.token == BOT_TOKEN  # replies use the bot token, not the app-level one


async def test_reconnects_when_slack_asks_and_keeps_answering(
    bot: str, socket: FakeSocketMode, slack: FakeSlack, site: ArticleServer
) -> None:
    await socket.wait_connections(1)
    before, opens = socket.connections, len(slack.calls_to("apps.connections.open", ok_only=True))
    await socket.ask_to_reconnect()
    await socket.wait_connections(before + 1, within=RECONNECT_WITHIN_SECONDS)
    assert len(slack.calls_to("apps.connections.open", ok_only=True)) > opens  # a fresh URL each time
    await _share_and_get_reply(socket, slack, site, "after-disconnect")


async def test_reconnects_after_the_connection_dies(
    bot: str, socket: FakeSocketMode, slack: FakeSlack, site: ArticleServer
) -> None:
    await socket.wait_connections(1)
    before = socket.connections
    await socket.drop()
    await socket.wait_connections(before + 1, within=RECONNECT_WITHIN_SECONDS)
    await _share_and_get_reply(socket, slack, site, "after-drop")
    channels_answered = {c.args["channel"] for c in slack.replies()}
    assert all(len(replies_in(slack, ch)) == 1 for ch in channels_answered)  # nothing answered twice
