"""Stories of the Slack app, end to end: the real aiohttp app (or a `newsbot serve` process),
a local fake of Slack's Web API, the local article server, a real SQLite file, and signed
Events API requests. Expected names come from the human gold file, never from our output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.config import load_settings
from bot.server import create_app
from tests.conftest import REPO_ROOT, SHARED_ARTICLES, secrets_in
from tests.fakes.article_server import ArticleServer
from tests.fakes.local_http import listen
from tests.fakes.serve import children, free_port, kill, serve_env, start_newsbot, stop
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import BOT_ID, BOT_TOKEN, BOT_USER_ID, Call, FakeSlack
from tests.fakes.slack_events import event_body, message, new_channel, new_ts, replies_in, wait_reply

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET = "test-signing-secret"
SEED = "pharma-manufacturing.html"
# Slack gives up on an ack after 3 s. Typical ack latency is measured in bench/ (on a quiet
# machine); here only a bound a loaded CI runner still meets.
ACK_LIMIT_SECONDS = 2.5
GOLD = json.loads((SHARED_ARTICLES / "pharma-manufacturing.gold.json").read_text())
GOLD_SPEAKERS = set(GOLD["speaker_titles"])
GOLD_ORG_NAMES = [[o["name"], *o["aliases"]] for o in GOLD["organizations"]]


class Bot:
    """The running app as Slack sees it: a URL to post events to."""

    def __init__(self, base: str, http: aiohttp.ClientSession, db: Path) -> None:
        self.base, self.http, self.db = base, http, db

    def jobs_in(self, channel: str) -> list[str]:
        """Statuses of the job rows recorded for a channel (read from the app's SQLite file)."""
        with contextlib.closing(sqlite3.connect(self.db)) as conn:
            rows = conn.execute("SELECT status FROM jobs WHERE channel = ? ORDER BY id", (channel,)).fetchall()
        return [r[0] for r in rows]

    async def send(self, body: bytes, *, secret: str = SECRET, timestamp: int | None = None,
                   retry: int | None = None) -> tuple[int, float, str]:
        headers = signed_headers(secret, body, timestamp=timestamp)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        t0 = time.perf_counter()
        async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as r:
            return r.status, time.perf_counter() - t0, await r.text()

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.base + "/healthz") as r:
            return r.status, await r.json()

    async def wait_ready(self, within: float = 120) -> list[int]:
        """Poll /healthz until 200; returns the statuses seen (connection refused = 0)."""
        seen: list[int] = []
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                status, _ = await self.health()
            except aiohttp.ClientConnectionError:
                status = 0
            seen.append(status)
            if status == 200:
                return seen
            await asyncio.sleep(0.1)
        raise TimeoutError(f"not ready after {within}s: {seen[-5:]}")

    async def idle(self, within: float = 60) -> None:
        """Wait until no job is running (jobs are recorded before the 200, so none can appear later)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            _, body = await self.health()
            if body.get("active_jobs") == 0:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("jobs still running")


def reply_text(call: Call) -> str:
    """Everything a reader sees: the blocks' texts and the fallback."""
    return call.args.get("text", "") + "\n" + json.dumps(call.args.get("blocks", []), ensure_ascii=False)


# --- fixtures (one app for the module: the spaCy processes take seconds to start) ------------
# `slack` and `web_server` come from tests/scenario/conftest.py.
@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bot]:
    db = tmp_path_factory.mktemp("db") / "newsbot.db"
    settings = load_settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=None,
        slack_api_url=slack.api_url, database_url=f"sqlite+aiosqlite:///{db}",
        allow_private_urls=True, workers=1, max_concurrent_jobs=4,
    )
    runner, port = await listen(create_app(settings))
    async with aiohttp.ClientSession() as http:
        app = Bot(f"http://127.0.0.1:{port}", http, db)
        await app.wait_ready()
        yield app
    await runner.cleanup()


# --- stories ------------------------------------------------------------------------------
async def test_shared_link_gets_one_threaded_reply_naming_speakers_and_orgs(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, url = new_channel(), web_server.url(f"/files/{SEED}")
    event = message(channel, f"Worth a read <{url}|pharma story> &amp; more")
    status, ack, _ = await bot.send(event_body(event))
    assert status == 200
    assert ack < ACK_LIMIT_SECONDS, f"ack took {ack:.3f}s"
    print(f"ack latency {ack * 1000:.1f} ms")
    t0 = time.perf_counter()
    [reply] = await wait_reply(slack, channel)
    print(f"event -> reply {time.perf_counter() - t0:.2f}s")
    await bot.idle()
    assert len(replies_in(slack, channel)) == 1
    assert reply.args["thread_ts"] == event["ts"]
    assert reply.args["unfurl_links"] in (False, "0", "false") and reply.args["unfurl_media"] in (False, "0", "false")
    assert reply.args["text"].strip()  # a plain fallback is always sent
    seen = reply_text(reply)
    assert GOLD["title"] in seen

    # speakers: each quote line ends "— Speaker[, title]"; every named speaker must be a real one
    blocks_text = "\n".join(b.get("text", {}).get("text", "") for b in reply.args["blocks"])
    speakers = {m.group(1).strip() for m in re.finditer(r"^> — ([^,\n]+)", blocks_text, re.M)}
    assert speakers, "no quotes with speakers in the reply"
    assert speakers <= GOLD_SPEAKERS, f"speakers not in the gold file: {speakers - GOLD_SPEAKERS}"
    assert len(speakers) >= 3, f"only {speakers}"

    [orgs_line] = [line for line in blocks_text.splitlines() if line.startswith("*Organizations:*")]
    found = [names[0] for names in GOLD_ORG_NAMES if any(n in orgs_line for n in names)]
    assert len(found) >= 4, f"gold organizations in the reply: {found}; line: {orgs_line}"

    # progress: eyes while working, then removed and replaced by a check mark
    reactions = [(c.method, c.args["name"]) for c in slack.calls
                 if c.method.startswith("reactions.") and c.args.get("channel") == channel]
    assert reactions == [("reactions.add", "eyes"), ("reactions.remove", "eyes"),
                         ("reactions.add", "white_check_mark")]


async def test_retries_duplicates_and_unfurl_edits_reply_once(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, url = new_channel(), web_server.url(f"/files/{SEED}?copy=retry")
    event = message(channel, f"<{url}>")
    body = event_body(event)
    statuses = [(await bot.send(body))[0]]
    statuses.append((await bot.send(body, retry=1))[0])  # Slack's retry of the same delivery
    statuses.append((await bot.send(event_body(event)))[0])  # a duplicate with a new event_id
    unfurled = {**event, "attachments": [{"from_url": url, "title": "Pharma"}]}
    changed = {"type": "message", "subtype": "message_changed", "channel": channel, "hidden": True,
               "message": unfurled, "previous_message": event, "ts": new_ts(), "event_ts": new_ts()}
    statuses.append((await bot.send(event_body(changed)))[0])
    assert statuses == [200, 200, 200, 200]
    await wait_reply(slack, channel)
    await bot.idle()
    assert bot.jobs_in(channel) == ["done"]  # one row: every duplicate hit the key before its 200
    assert len(replies_in(slack, channel)) == 1


async def test_own_and_other_bots_messages_get_no_reply(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, url = new_channel(), web_server.url(f"/files/{SEED}?copy=bots")
    own = message(channel, f"<{url}>", user=BOT_USER_ID, bot_id=BOT_ID)
    own_edited = {"type": "message", "subtype": "message_changed", "channel": channel, "ts": new_ts(),
                  "message": message(channel, f"<{url}>", bot_id=BOT_ID, user=BOT_USER_ID)}
    other_bot = message(channel, f"<{url}>", subtype="bot_message", bot_id="B0OTHER", user=None)
    for ev in (own, own_edited, other_bot):
        assert (await bot.send(event_body(ev)))[0] == 200
    # Jobs are recorded before the 200, so no row now means no reply ever.
    assert bot.jobs_in(channel) == []
    await bot.idle()
    assert replies_in(slack, channel) == []
    assert [c for c in slack.calls if c.args.get("channel") == channel] == []


async def test_forged_and_stale_signatures_are_refused(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, url = new_channel(), web_server.url(f"/files/{SEED}?copy=forged")
    body = event_body(message(channel, f"<{url}>"))
    assert (await bot.send(body, secret="not-the-secret"))[0] == 401
    six_minutes_ago = int(time.time()) - 360
    assert (await bot.send(body, timestamp=six_minutes_ago))[0] == 401
    assert bot.jobs_in(channel) == []  # refused before the listener: nothing recorded, nothing to reply
    await bot.idle()
    assert replies_in(slack, channel) == []


async def test_a_replayed_request_is_refused_and_answered_once(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, url = new_channel(), web_server.url(f"/files/{SEED}?copy=replay")
    body, now = event_body(message(channel, f"<{url}>")), int(time.time())
    assert (await bot.send(body, timestamp=now))[0] == 200
    assert (await bot.send(body, timestamp=now))[0] == 401  # byte for byte the same signed request
    await wait_reply(slack, channel)
    await bot.idle()
    assert len(bot.jobs_in(channel)) == 1 and len(replies_in(slack, channel)) == 1


async def test_an_oversized_body_is_refused_before_parsing(bot: Bot) -> None:
    channel = new_channel()
    huge = event_body(message(channel, "x" * 2_000_000))
    status, _, _ = await bot.send(huge)
    assert status == 413
    assert bot.jobs_in(channel) == []
    assert (await bot.send(event_body(message(channel, "still listening"))))[0] == 200


async def test_every_subscribed_event_and_subtype_gets_200(bot: Bot) -> None:
    manifest = (REPO_ROOT / "config" / "manifest.yml").read_text()
    section = manifest.split("bot_events:", 1)[1]
    subscribed = re.findall(r"^\s+- ([a-z_.]+)\s*$", section.split("interactivity:", 1)[0], re.M)
    assert "message.channels" in subscribed
    channel = new_channel()
    events = [{"type": name.split(".")[0], "channel": channel, "user": "U1", "ts": new_ts(), "text": "hi"}
              for name in subscribed]
    events += [message(channel, "joined", subtype=s) for s in ("channel_join", "message_deleted", "channel_topic")]
    events += [{"type": "reaction_added", "user": "U1", "reaction": "eyes",
                "item": {"type": "message", "channel": channel, "ts": new_ts()}}]
    for ev in events:
        status, _, text = await bot.send(event_body(ev))
        assert status == 200, (ev["type"], ev.get("subtype"), text)
    challenge = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}).encode()
    status, _, text = await bot.send(challenge)
    assert status == 200 and "c-123" in text


async def test_link_inside_a_thread_is_answered_in_that_thread(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel, parent = new_channel(), new_ts()
    url = web_server.url(f"/files/{SEED}?copy=thread")
    event = message(channel, "", thread_ts=parent, blocks=[{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "link", "url": url}]}]}])
    assert (await bot.send(event_body(event)))[0] == 200
    [reply] = await wait_reply(slack, channel)
    assert reply.args["thread_ts"] == parent


async def test_same_article_again_reuses_the_analysis_and_links_the_first_thread(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    # the seed under another canonical URL, so no earlier test has shared "this" article
    html = (SHARED_ARTICLES / SEED).read_text().replace(
        GOLD["url"], "https://patientdaily.example/stories/reused")
    url = web_server.add("reused.html", html)
    first, second = new_channel(), new_channel()
    first_event = message(first, f"<{url}>")
    assert (await bot.send(event_body(first_event)))[0] == 200
    await wait_reply(slack, first)
    await bot.idle()
    assert web_server.hits["/pages/reused.html"] == 1
    assert "First shared" not in reply_text(replies_in(slack, first)[0])
    assert (await bot.send(event_body(message(second, f"<{url}>"))))[0] == 200
    [reply] = await wait_reply(slack, second)
    # asked again (no validators to send: a plain GET), the same text: the stored analysis answers
    assert web_server.hits["/pages/reused.html"] == 2
    seen = reply_text(reply)
    assert f"<#{first}>" in seen and "Updated since" not in seen
    assert f"/archives/{first}/p{first_event['ts'].replace('.', '')}" in seen


async def test_a_story_that_changed_since_it_was_shared_says_what_changed(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    html = (SHARED_ARTICLES / SEED).read_text().replace(GOLD["url"], "https://patientdaily.example/stories/updated")
    url = web_server.add("updated.html", html, headers={"ETag": '"v1"'})
    first, second, third = new_channel(), new_channel(), new_channel()
    first_event = message(first, f"<{url}>")
    assert (await bot.send(event_body(first_event)))[0] == 200
    await wait_reply(slack, first)
    await bot.idle()

    # unchanged: the conditional request gets 304, the stored analysis answers
    assert (await bot.send(event_body(message(second, f"<{url}>"))))[0] == 200
    [same] = await wait_reply(slack, second)
    assert web_server.not_modified["/pages/updated.html"] == 1 and "Updated since" not in reply_text(same)

    # the same story under a new ETag: read again (200), found unchanged, the new ETag kept, so the
    # next re-share is a 304 again rather than another read and analysis
    web_server.add("updated.html", html, headers={"ETag": '"v1-reissued"'})
    for _ in range(2):
        assert (await bot.send(event_body(message(new_channel(), f"<{url}>"))))[0] == 200
        await bot.idle()
    assert web_server.not_modified["/pages/updated.html"] == 2

    # the publisher edits the story: a new headline, one quote replaced by another
    old_quote = GOLD["quotes"][0]["text"].replace("'", "’")  # as the page writes it
    new_quote = "We are opening three more plants before the end of the year, and hiring for all of them."
    edited = html.replace(GOLD["title"], "US drug makers race to build plants at home").replace(old_quote, new_quote)
    web_server.add("updated.html", edited, headers={"ETag": '"v2"'})
    assert (await bot.send(event_body(message(third, f"<{url}>"))))[0] == 200
    [changed] = await wait_reply(slack, third)
    seen = reply_text(changed)
    assert "Updated since it was first shared" in seen
    assert f"Headline was “{GOLD['title']}”, now “US drug makers race to build plants at home”." in seen
    assert "1 quote added: “We are opening three more plants" in seen
    assert "1 quote removed: “a growing recognition" in seen
    assert f"<#{first}>" in seen  # and where it was first shared
    def notes() -> list[Call]:
        return [c for c in replies_in(slack, first) if "This story has changed" in c.args.get("text", "")]

    await bot.idle()  # the note follows the reply
    note = notes()
    assert len(note) == 1 and note[0].args["thread_ts"] == first_event["ts"]
    assert f"/archives/{third}/p" in note[0].args["text"]  # linking the new analysis

    # shared once more: the new version is what is stored now (304 to "v2", no second note)
    assert (await bot.send(event_body(message(new_channel(), f"<{url}>"))))[0] == 200
    await bot.idle()
    assert len(notes()) == 1 and web_server.not_modified["/pages/updated.html"] == 3


async def test_unreadable_page_gets_a_clear_failure_reply(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel = new_channel()
    assert (await bot.send(event_body(message(channel, f"<{web_server.url('/status/404')}>"))))[0] == 200
    [reply] = await wait_reply(slack, channel)
    assert "wasn't found" in reply.args["text"] and "Traceback" not in reply_text(reply)
    await bot.idle()
    names = [c.args["name"] for c in slack.calls
             if c.method == "reactions.add" and c.args.get("channel") == channel]
    assert names == ["eyes", "warning"]


async def test_rate_limit_is_waited_out_and_the_reply_lands(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel = new_channel()
    slack.fail_next(1, method="chat.postMessage", status=429, retry_after=1)
    assert (await bot.send(event_body(message(channel, f"<{web_server.url(f'/files/{SEED}?copy=429')}>"))))[0] == 200
    [reply] = await wait_reply(slack, channel)
    posts = [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]
    assert [c.answered for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0  # Retry-After honoured
    assert reply is posts[1]


async def test_not_in_channel_is_logged_and_the_job_fails_without_crashing(
    bot: Bot, slack: FakeSlack, web_server: ArticleServer
) -> None:
    channel = new_channel()
    slack.fail_next(1, method="chat.postMessage", error="not_in_channel")
    url = web_server.url(f"/files/{SEED}?copy=nic")
    assert (await bot.send(event_body(message(channel, f"<{url}>"))))[0] == 200
    await slack.wait_for("chat.postMessage")
    await bot.idle()
    posts = [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]
    assert len(posts) == 1 and posts[0].args.get("error") == "not_in_channel"  # not retried
    assert (await bot.health())[0] == 200
    # and the app keeps working
    other = new_channel()
    assert (await bot.send(event_body(message(other, f"<{url}>"))))[0] == 200
    await wait_reply(slack, other)


# --- the real process: start-up, missing settings, kill -9 after the ack -------------------------
async def _start_serve(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await start_newsbot("serve", env, cwd, "serve.log")


async def test_a_second_process_on_one_sqlite_file_is_refused_with_a_clear_message(
    slack: FakeSlack, tmp_path: Path
) -> None:
    db = tmp_path / "newsbot.db"
    first_port = free_port()
    first = await _start_serve(serve_env(slack, db, first_port, SECRET, NEWSBOT_WORKERS="1"), tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await Bot(f"http://127.0.0.1:{first_port}", http, db).wait_ready(within=60)
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", env=serve_env(slack, db, free_port(), SECRET), cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(second.communicate(), 60)
        text = err.decode()
        assert second.returncode not in (0, None)
        assert f"pid {first.pid}" in text and "one such process per file" in text and "PostgreSQL" in text
        assert "Traceback" not in text
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), 30)


async def test_missing_settings_explain_what_to_set_and_exit_nonzero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode not in (0, None)
    assert "SLACK_BOT_TOKEN" in text and "SLACK_SIGNING_SECRET" in text
    assert "api.slack.com/apps" in text and "Signing Secret" in text
    assert "Traceback" not in text and len(text.splitlines()) <= 25


@pytest.mark.parametrize("new_port", [False, True], ids=["same-port", "new-port"])
async def test_killed_after_the_ack_and_restarted_replies_exactly_once(
    slack: FakeSlack, web_server: ArticleServer, tmp_path: Path, new_port: bool
) -> None:
    """Restarted on another port (a platform moving the process), the job is taken over at once:
    the SQLite lock proves the old process is gone, so no lease has to run out."""
    port, db = free_port(), tmp_path / "newsbot.db"
    env = serve_env(slack, db, port, SECRET, NEWSBOT_WORKERS="1", NEWSBOT_SCHEDULER="0")
    # a slow site: the job is claimed and fetching (`running`) when the process dies
    channel, url = new_channel(), web_server.url(f"/slow-headers?delay=3&copy=kill-{new_port}")
    proc = await _start_serve(env, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            app = Bot(f"http://127.0.0.1:{port}", http, db)
            seen = await app.wait_ready(within=60)
            assert 503 in seen, f"healthz never said 503 while loading: {seen[:10]}"
            status, _, _ = await app.send(event_body(message(channel, f"<{url}>")))
            for _ in range(250):  # up to 5 s: the worker claims it within milliseconds
                if app.jobs_in(channel) == ["running"]:
                    break
                await asyncio.sleep(0.02)
            orphans = children(proc.pid)
            proc.send_signal(signal.SIGKILL)
            assert status == 200
            await proc.wait()
            kill(orphans)  # the dead server's analysis processes (and resource tracker)
            assert replies_in(slack, channel) == []  # killed long before the reply
            assert app.jobs_in(channel) == ["running"]  # claimed by the dead process: a takeover is needed

            if new_port:
                port = free_port()
                env, app = env | {"PORT": str(port)}, Bot(f"http://127.0.0.1:{port}", http, db)
            proc = await _start_serve(env, tmp_path)
            await app.wait_ready(within=60)
            restarted = time.monotonic()
            await wait_reply(slack, channel, within=30)  # the bound: within 30 s of the start
            print(f"replied {time.monotonic() - restarted:.1f} s after the restarted process was ready")
            await app.idle()
            assert app.jobs_in(channel) == ["done"]  # finished, so nothing will reply again
            assert len(replies_in(slack, channel)) == 1
            assert secrets_in((tmp_path / "serve.log").read_text()) == []  # two runs' logs: no token, no secret
    except BaseException:
        print((tmp_path / "serve.log").read_text()[-3000:])
        raise
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()


async def test_a_burst_survives_two_kills_each_restarted_on_a_new_port(
    slack: FakeSlack, web_server: ArticleServer, tmp_path: Path
) -> None:
    """30 links to a slow site; the process is SIGKILLed mid-burst twice, each time restarted on
    another port: every link is answered exactly once, within 60 s of the last start."""
    db = tmp_path / "newsbot.db"
    channels = [new_channel() for _ in range(30)]
    bodies = [event_body(message(c, f"<{web_server.url(f'/slow-headers?delay=3&copy=burst-{c}')}>")) for c in channels]

    def answered() -> list[int]:
        return [len(replies_in(slack, c)) for c in channels]

    proc: asyncio.subprocess.Process | None = None
    try:
        async with aiohttp.ClientSession() as http:
            for round_ in range(3):
                port = free_port()
                env = serve_env(slack, db, port, SECRET, NEWSBOT_WORKERS="1", NEWSBOT_SCHEDULER="0")
                proc = await _start_serve(env, tmp_path)
                app = Bot(f"http://127.0.0.1:{port}", http, db)
                await app.wait_ready(within=60)
                started = time.monotonic()
                if round_ == 0:
                    statuses = await asyncio.gather(*(app.send(b) for b in bodies))
                    assert {s for s, _, _ in statuses} == {200}
                if round_ == 2:
                    break
                await asyncio.sleep(1.5)  # jobs claimed and fetching: killed mid-run
                orphans = children(proc.pid)
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
                kill(orphans)
            while min(answered()) < 1:
                assert time.monotonic() - started < 60, f"unanswered 60 s after the last start: {answered()}"
                await asyncio.sleep(0.1)
            print(f"\nall 30 answered {time.monotonic() - started:.1f} s after the last start")
            await app.idle()
            assert answered() == [1] * 30
            with contextlib.closing(sqlite3.connect(db)) as conn:
                statuses = conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
            assert statuses == [("done", 30)]
    except BaseException:
        print((tmp_path / "serve.log").read_text()[-3000:])
        raise
    finally:
        if proc is not None:
            await stop(proc)
