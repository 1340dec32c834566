"""`/newsbot` end to end: signed, form-encoded slash commands and button clicks through the
real /slack/events endpoint (real aiohttp app, SQLite file or PostgreSQL, local fake Slack),
answers read from what the app posted to the fake response_url."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.config import load_settings
from bot.models import Analysis, Article, Quote, Share
from bot.server import STATE, create_app
from bot.store import Store
from tests.fakes.article_server import ArticleServer
from tests.fakes.local_http import listen
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.store_fixtures import SEED_GOLD, analyzed_articles, database_url, postgres_server, postgres_url, sqlite_url

__all__ = ["analyzed_articles", "database_url", "postgres_server", "postgres_url", "sqlite_url"]

SECRET = "commands-signing-secret"
_ids = itertools.count(1)


class App:
    def __init__(self, base: str, http: aiohttp.ClientSession, slack: FakeSlack, store: Store) -> None:
        self.base, self.http, self.slack, self.store = base, http, slack, store

    async def _post(self, body: bytes) -> str:
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as r:
            assert r.status == 200
            return await r.text()

    async def _responses(self, key: str, want: int = 1, within: float = 30) -> list[dict[str, Any]]:
        for _ in range(int(within / 0.05)):
            if len(self.slack.responses.get(key, [])) >= want:
                break
            await asyncio.sleep(0.05)
        return self.slack.responses.get(key, [])

    async def command(self, text: str, channel: str = "C1") -> tuple[dict[str, Any], str]:
        """(the answer: ack body or response_url post, the response_url key)."""
        key = f"r{next(_ids)}"
        body = urlencode({
            "token": "legacy", "team_id": TEAM_ID, "team_domain": "newsroom", "channel_id": channel,
            "channel_name": "news", "user_id": "U0EDITOR", "user_name": "editor", "command": "/newsbot",
            "text": text, "api_app_id": "A0TEST", "response_url": self.slack.response_url(key),
            "trigger_id": f"1.{next(_ids)}",
        }).encode()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        raw = await self._post(body)
        assert loop.time() - t0 < 3.0  # Slack's ack deadline
        if raw.strip().startswith("{"):
            return json.loads(raw), key
        [answer, *_] = await self._responses(key)
        return answer, key

    async def click(self, action_id: str, value: str, channel: str = "C1") -> str:
        key = f"r{next(_ids)}"
        payload = {
            "type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": "U0EDITOR"},
            "channel": {"id": channel}, "api_app_id": "A0TEST", "token": "legacy",
            "trigger_id": f"1.{next(_ids)}", "response_url": self.slack.response_url(key),
            "container": {"type": "message", "is_ephemeral": True},
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                         "action_ts": "1.0"}],
        }
        await self._post(urlencode({"payload": json.dumps(payload)}).encode())
        return key


def _blocks_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("blocks", []), ensure_ascii=False)


def _button(answer: dict[str, Any], action_id: str) -> str | None:
    for b in answer.get("blocks", []):
        for e in b.get("elements", []) if b.get("type") == "actions" else []:
            if e.get("action_id") == action_id:
                return str(e["value"])
    return None


@contextlib.asynccontextmanager
async def running(database_url: str, **overrides: Any) -> AsyncIterator[tuple[App, web.AppRunner, web.Application]]:
    """The real app on a free port, talking to a fresh fake Slack; cleaned up on exit."""
    async with FakeSlack() as slack:
        settings = load_settings(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=None,
            slack_api_url=slack.api_url, database_url=database_url, workers=1, scheduler=False,
            allow_private_urls=True,  # the article server is on 127.0.0.1
            **overrides,
        )
        web_app = create_app(settings)
        runner, port = await listen(web_app)
        store = web_app[STATE].deps.store
        try:
            async with aiohttp.ClientSession() as http:
                yield App(f"http://127.0.0.1:{port}", http, slack, store), runner, web_app
        finally:
            await runner.cleanup()


@pytest.fixture
async def app(database_url: str, analyzed_articles: list[Any]) -> AsyncIterator[App]:
    async with running(database_url) as (the_app, _, _):
        for n, (url, article, analysis) in enumerate(analyzed_articles):
            aid = await the_app.store.save_article(url, article, analysis)
            await the_app.store.record_share(aid, Share(TEAM_ID, "C1", f"17660000{n:02d}.000100", "U1"))
        yield the_app


@pytest.mark.slow
async def test_help_unknown_and_empty_answer_at_once(app: App) -> None:
    for text, says in (("help", "search"), ("", "Tell me what to look up"), ("frobnicate x", "I don't know"),
                       ("search", "needs &lt;words&gt;"), ("recent lots", "takes a number")):
        answer, _ = await app.command(text)
        # the fallback is Slack mrkdwn too: a raw <person> would be read as a link
        assert says in answer["text"] and "/newsbot quotes &lt;person&gt;" in answer["text"], text
        assert "<person>" not in answer["text"]
        assert answer.get("response_type", "ephemeral") == "ephemeral"


@pytest.mark.slow
async def test_search_quotes_org_from_the_real_archive(app: App) -> None:
    gold = json.loads(SEED_GOLD.read_text())
    answer, _ = await app.command("search pharmaceutical manufacturing")
    blocks = _blocks_text(answer)
    assert gold["title"] in blocks and gold["url"] in blocks
    # where it was shared: Slack's permalink (chat.getPermalink), the channel mention outside
    # the link because Slack does not parse <#C…> nested in <url|label>
    assert "shared in <#C1> · <https://newsroom.slack.com/archives/C1/p1766000000000100|thread>" in blocks
    assert {c.args["message_ts"] for c in app.slack.calls_to("chat.getPermalink")} >= {"1766000000.000100"}
    assert answer.get("response_type") == "ephemeral"

    app.slack.fail_next(1, method="chat.getPermalink", error="message_not_found")
    answer, _ = await app.command("quotes Doty")
    blocks = _blocks_text(answer)  # Slack wouldn't say: the archive form of the same message
    assert "Brian Doty" in blocks
    found = set(re.findall(r"<#C1> · <https://[^|>]+/archives/C1/p\d+\|thread>", blocks))
    assert found == {"<#C1> · <https://slack.com/archives/C1/p1766000000000100|thread>"}  # every quote: one article
    answer, _ = await app.command("org AAM")
    blocks = _blocks_text(answer)
    assert "Association for Accessible Medicines" in blocks and "John Murphy" in blocks

    for text in ("search zzyzx qwerty", "quotes Nobody Atall", "org Imaginary Org Inc", "theme zzyzx"):
        answer, _ = await app.command(text)
        assert answer["text"].startswith("No "), text

    # restart-proof: the store is a file / server, the next process sees the same archive
    answer, _ = await app.command("recent 3")
    assert len([b for b in answer["blocks"] if b["type"] == "section"]) == 1 + 3
    answer, _ = await app.command("recent 3", channel="C9")  # recent is about this channel only
    assert answer["text"] == "No articles have been shared here yet."


@pytest.mark.slow
async def test_paging_with_more_and_escaping(app: App) -> None:
    for n in range(7):
        art = Article(url=f"https://ex.test/{n}", canonical_url=f"https://ex.test/{n}",
                      title=f"Zebra crossing <!channel> & friends {n}", published=f"2025-01-0{n + 1}",
                      paragraphs=("Zebra crossings are busy.",))
        an = Analysis(quotes=(Quote("Zebra <@U123> alert", "Ann Lee"),))
        aid = await app.store.save_article(art.url, art, an)
        await app.store.record_share(aid, Share(TEAM_ID, "C1", f"17000000{n:02d}.000100", "U1"))
    answer, _ = await app.command("search zebra")
    blocks = _blocks_text(answer)
    assert "<!channel>" not in blocks and "&lt;!channel&gt; &amp; friends" in blocks
    assert "<@U123>" not in blocks
    text = answer["text"]  # the notification / screen-reader fallback goes out as mrkdwn too
    assert "<!channel>" not in text and "Zebra crossing &lt;!channel&gt; &amp; friends" in text
    quotes, _ = await app.command("quotes Ann Lee")
    assert "<@U123>" not in quotes["text"] and "Zebra &lt;@U123&gt; alert" in quotes["text"]
    # the user's own argument, as Slack sends typed <, > and & (entities), echoed back escaped
    nothing, _ = await app.command("search zzyzx &lt;!channel&gt; &amp; &lt;@U1&gt;")
    assert nothing["text"] == "No articles shared here mention “zzyzx &lt;!channel&gt; &amp; &lt;@U1&gt;”."
    first = [b for b in answer["blocks"] if b["type"] == "section"][1:]
    more = _button(answer, "newsbot_more")
    assert len(first) == 5 and more is not None
    key = await app.click("newsbot_more", more)
    [page2] = await app._responses(key)
    rest = [b for b in page2["blocks"] if b["type"] == "section"][1:]
    assert len(rest) == 2 and page2.get("replace_original") is True and _button(page2, "newsbot_more") is None
    assert json.dumps(rest[0]) not in json.dumps(first)  # page 2 is new articles

    # quotes page by key (newest story first): page 2 continues after page 1's last quote
    more = _button(quotes, "newsbot_more")
    assert more is not None and json.loads(more)["k"]
    key = await app.click("newsbot_more", more)
    [quotes2] = await app._responses(key)
    dates = [re.findall(r"Jan (\d), 2025", json.dumps(b)) for b in quotes["blocks"] + quotes2["blocks"]]
    assert [int(d[0]) for d in dates if d] == [7, 6, 5, 4, 3, 2, 1]  # all seven stories once, newest first


@pytest.mark.slow
async def test_who_gives_a_person_page_or_the_candidates(app: App) -> None:
    gold = json.loads(SEED_GOLD.read_text())
    answer, _ = await app.command("who Brian Doty")
    blocks = _blocks_text(answer)
    assert "*Brian Doty*" in blocks and gold["title"] in blocks
    assert "<#C1> · <https://newsroom.slack.com/archives/C1/p1766000000000100|thread>" in blocks  # our thread
    doty = [q["text"] for q in gold["quotes"] if q["speaker"] == "Brian Doty"]
    assert f"{len(doty)} quotes in 1 story" in blocks  # the gold set's count for him
    assert "API Innovation Center" in blocks  # his title as the story gives it
    answer, _ = await app.command("who Doty")  # a surname one person here has: the page
    assert "*Brian Doty*" in _blocks_text(answer)

    for n, who in enumerate(("Ann Lee", "Bo Lee", "Ann Lee")):
        art = Article(url=f"https://ex.test/lee{n}", canonical_url=f"https://ex.test/lee{n}",
                      title=f"Harbour story {n}", published=f"2025-02-0{n + 1}", paragraphs=("Harbour.",))
        an = Analysis(quotes=(Quote(f"Harbour words {n}", who, f"mayor of Town {n}"),))
        aid = await app.store.save_article(art.url, art, an)
        await app.store.record_share(aid, Share(TEAM_ID, "C1", f"17100000{n:02d}.000100", "U1"))
    answer, _ = await app.command("who Lee")
    text = answer["text"]
    assert "could be 2 people" in text and "Ann Lee, mayor of Town 2 (2 quotes)" in text
    assert "Bo Lee, mayor of Town 1 (1 quote)" in text
    answer, _ = await app.command("who Nobody Atall")
    assert answer["text"] == "Nobody called “Nobody Atall” is quoted in articles shared here."


@pytest.mark.slow
async def test_analyze_on_demand_then_share_to_channel(app: App) -> None:
    async with ArticleServer(root=SEED_GOLD.parent) as articles:
        url = articles.url("/files/pharma-manufacturing.html")
        answer, _ = await app.command(f"analyze <{url}>", channel="C2")
        assert answer.get("response_type") == "ephemeral"
        share = _button(answer, "newsbot_share")
        assert share is not None and "Doty" in _blocks_text(answer)
        assert app.slack.calls_to("chat.postMessage") == []  # nothing public yet
        key = await app.click("newsbot_share", share, channel="C2")
        [posted] = await app.slack.wait_for("chat.postMessage", 1, 30)
        assert posted.args["channel"] == "C2"
        [done] = await app._responses(key)
        assert "Shared to" in done["text"]
        page = await app.store.recent(team=TEAM_ID)
        assert page.items[0].share is not None and page.items[0].share.channel in ("C1", "C2")

        answer, _ = await app.command("analyze not-a-url")
        assert "needs a web address" in answer["text"]


class SlowSite:
    """A local web server whose pages answer after `delay` s, counting requests in flight."""

    def __init__(self, delay: float) -> None:
        self.delay, self.in_flight, self.max_in_flight, self.started = delay, 0, 0, 0
        self.base = ""
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    async def _page(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.started += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            with contextlib.suppress(TimeoutError):  # answer early when the test is done
                await asyncio.wait_for(self._closing.wait(), self.delay)
        finally:
            self.in_flight -= 1
        body = "<html><head><title>Slow news</title></head><body><article><h1>Slow news</h1>"
        body += "<p>The council said on Monday that the bridge would reopen next week.</p>" * 5
        return web.Response(text=body + "</article></body></html>", content_type="text/html")

    async def __aenter__(self) -> SlowSite:
        app = web.Application()
        app.router.add_get("/story/{n}", self._page)
        self._runner, port = await listen(app)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        self._closing.set()
        await self._runner.cleanup()


@pytest.mark.slow
async def test_on_demand_analyses_are_bounded(sqlite_url: str) -> None:
    # max_concurrent_jobs=1 caps on-demand analyses at 1: three at once are read one after another
    async with SlowSite(delay=0.5) as site, running(sqlite_url, max_concurrent_jobs=1) as (app, _, _):
        answers = await asyncio.gather(*(app.command(f"analyze {site.base}/story/{n}") for n in range(3)))
        assert site.started == 3 and site.max_in_flight == 1
        assert all(a.get("response_type") == "ephemeral" for a, _ in answers)


@pytest.mark.slow
async def test_shutdown_cancels_answers_still_running(sqlite_url: str) -> None:
    async with SlowSite(delay=60) as site, running(sqlite_url) as (app, runner, web_app):
        key = f"r{next(_ids)}"
        body = urlencode({
            "team_id": TEAM_ID, "channel_id": "C1", "user_id": "U0EDITOR", "command": "/newsbot",
            "text": f"analyze {site.base}/story/1", "response_url": app.slack.response_url(key),
            "trigger_id": "1.1", "api_app_id": "A0TEST", "token": "legacy",
        }).encode()
        await app._post(body)  # acked at once; the answer task is now fetching the slow page
        for _ in range(100):
            if site.in_flight:
                break
            await asyncio.sleep(0.05)
        assert site.in_flight == 1
        commands = web_app[STATE].deps.commands
        assert len(commands.tasks) == 1
        [task] = commands.tasks
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await runner.cleanup()  # what SIGTERM does: the answer must not outlive the store
        assert loop.time() - t0 < 10 and task.cancelled() and not commands.tasks
        assert app.slack.responses.get(key) is None  # cancelled, not answered from a closed store


@pytest.mark.slow
async def test_sources_ledger_for_this_or_another_channel(app: App) -> None:
    import time

    now = time.time()
    stories = [  # (channel, quotes as (speaker, title, kind, organization))
        ("C7", [("Ann Lee", "CEO of Acme Corp", "company", "Acme Corp"),
                ("Ann Lee", "CEO of Acme Corp", "company", "Acme Corp")]),
        ("C7", [("Ann Lee", "CEO of Acme Corp", "company", "Acme Corp"),
                ("Save Rivers", None, "advocacy", "Save Rivers"), (None, None, "unnamed", None)]),
        ("C8", [("Bo Park", "Senator", "government", None)]),
    ]
    for n, (channel, quotes) in enumerate(stories):
        art = Article(url=f"https://ex.test/src{n}", canonical_url=f"https://ex.test/src{n}",
                      title=f"Rivers story {n}", published="2026-11-30", paragraphs=("Rivers.",))
        an = Analysis(quotes=tuple(Quote(f"Words {n}.{i}", s, t, source_kind=k, source_org=o)
                                   for i, (s, t, k, o) in enumerate(quotes)))
        aid = await app.store.save_article(art.url, art, an)
        ts = now - 3600 * (n + 1)
        await app.store.record_share(aid, Share(TEAM_ID, channel, f"{ts:.6f}", "U1", shared_at=ts))

    answer, _ = await app.command("sources", channel="C7")
    text, blocks = answer["text"], _blocks_text(answer)
    assert text.startswith("Who <#C7> quoted in the last 7 days: 5 quotes")
    assert "company 60 % · advocacy/NGO 20 % · unnamed 20 %" in blocks
    assert "Ann Lee, CEO of Acme Corp (3 quotes, 2 stories)" in blocks
    assert "Save Rivers: advocacy/NGO, 1 quote" in blocks and "Repeat voices: Ann Lee (2)" in blocks
    assert "Bo Park" not in blocks  # another channel's story

    answer, _ = await app.command("sources 30 <#C8|politics>", channel="C7")
    assert "government/official 100 %" in _blocks_text(answer) and "Bo Park, Senator" in _blocks_text(answer)
    answer, _ = await app.command("sources", channel="C9")
    assert answer["text"] == "No quotes in stories shared in this channel in the last 7 days."
    answer, _ = await app.command("sources lots")
    assert "`sources` takes a number of days and a channel" in answer["text"]


@pytest.mark.slow
async def test_home_tab_shows_stories_voices_digests_and_opens_pages(app: App) -> None:
    import time

    from tests.fakes.slack_events import event_body

    gold = json.loads(SEED_GOLD.read_text())
    now = time.time()  # this week's shares: the seed story again, in C7
    aid = (await app.store.search("pharmaceutical manufacturing", team=TEAM_ID)).items[0].article_id
    await app.store.record_share(aid, Share(TEAM_ID, "C7", f"{now:.6f}", "U1", shared_at=now))
    from datetime import UTC, datetime

    await app.store.digest_subscribe(TEAM_ID, "C7", "07:30", "Europe/Paris", "weekdays", "U1", datetime.now(UTC))

    body = event_body({"type": "app_home_opened", "user": "U0EDITOR", "channel": "D0HOME", "tab": "home",
                       "event_ts": f"{now:.6f}"})
    async with app.http.post(app.base + "/slack/events", data=body,
                             headers=signed_headers(SECRET, body)) as r:
        assert r.status == 200
    for _ in range(200):
        if app.slack.calls_to("views.publish", ok_only=True):
            break
        await asyncio.sleep(0.05)
    [call] = app.slack.calls_to("views.publish", ok_only=True)
    view = call.args["view"] if isinstance(call.args["view"], dict) else json.loads(call.args["view"])
    text = json.dumps(view, ensure_ascii=False)
    assert call.args["user_id"] == "U0EDITOR" and view["type"] == "home"
    assert gold["title"] in text  # recently shared
    assert "Brian Doty" in text and "newsbot_home_who" in text  # a voice of the week, with a button
    assert "<#C7>: 07:30 Europe/Paris (weekdays)" in text and "newsbot_home_sources" in text

    await app.click("newsbot_home_who", "Brian Doty")
    await app.click("newsbot_home_sources", "C7")
    for _ in range(200):
        if len(app.slack.calls_to("views.open", ok_only=True)) == 2:
            break
        await asyncio.sleep(0.05)
    opened = [c.args["view"] if isinstance(c.args["view"], dict) else json.loads(c.args["view"])
              for c in app.slack.calls_to("views.open", ok_only=True)]
    texts = sorted(json.dumps(v, ensure_ascii=False) for v in opened)
    assert any("*Brian Doty*" in t and "API Innovation Center" in t for t in texts)
    assert any("Who <#C7> quoted" in t for t in texts)
    assert all(v["type"] == "modal" for v in opened)
