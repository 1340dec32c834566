"""`newsbot playground` end to end: the real CLI as a subprocess with no Slack settings at all, the
seed story served by the local article server, the page read over HTTP and in headless Chromium
(Debian's `chromium`; `.ci/run` installs it), which renders it and takes a screenshot."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest

from tests.conftest import REPO_ROOT, SHARED_ARTICLES
from tests.fakes.article_server import ArticleServer
from tests.fakes.serve import free_port

GOLD = json.loads((SHARED_ARTICLES / "pharma-manufacturing.gold.json").read_text())
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def playground() -> AsyncIterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_", "DATABASE_URL"))}
    env |= {"PORT": str(port), "NEWSBOT_ALLOW_PRIVATE_URLS": "1", "NEWSBOT_WORKERS": "1"}
    newsbot = Path(sys.executable).with_name("newsbot")
    proc = await asyncio.create_subprocess_exec(str(newsbot), "playground", env=env, cwd=REPO_ROOT,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                assert proc.returncode is None, "newsbot playground exited"
                try:
                    async with http.get(base) as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=30)


async def _get(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url, timeout=aiohttp.ClientTimeout(total=120)) as r:
        assert r.status == 200 and r.content_type == "text/html"
        return await r.text()


@pytest.mark.slow
async def test_the_playground_shows_the_reply_without_slack(playground: str, article_server: ArticleServer) -> None:
    form = await _get(playground)
    assert "<form" in form and 'name=url' in form and "Newsbot playground" in form

    seed = article_server.url("/files/pharma-manufacturing.html")
    page = await _get(f"{playground}?url={quote(seed, safe='')}")
    assert GOLD["title"] in page and "Key quotes" in page
    assert "<blockquote>" in page and "Brian Doty" in page  # a quote with its speaker
    assert "Association for Accessible Medicines" in page and "Organizations:" in page
    assert f'href="{seed}"' in page  # the headline links to the story

    hostile = article_server.add("hostile.html", "<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt; "
                                 "&lt;!channel&gt;</title></head><body><article><p>" + "Word. " * 200
                                 + "</p></article></body></html>")
    page = await _get(f"{playground}?url={quote(hostile, safe='')}")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page

    bad = await _get(f"{playground}?url={quote('not a link', safe='')}")  # the bot's own failure reply
    assert "⚠️ That doesn't look like a web link I can open." in bad.split('id="reply"')[1]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
async def test_headless_chromium_renders_the_reply_and_a_screenshot(
    playground: str, article_server: ArticleServer, tmp_path: Path
) -> None:
    url = f"{playground}?url={quote(article_server.url('/files/pharma-manufacturing.html'), safe='')}"
    shot = tmp_path / "reply.png"
    common = [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--window-size=900,1400", f"--user-data-dir={tmp_path / 'profile'}"]

    def run(*args: str) -> str:
        done = subprocess.run([*common, *args], capture_output=True, text=True, timeout=180, check=True)
        return done.stdout

    dom = await asyncio.to_thread(run, "--dump-dom", url)
    assert GOLD["title"] in dom and "Brian Doty" in dom and 'class="thread"' in dom
    await asyncio.to_thread(run, f"--screenshot={shot}", url)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (900, 1400) and len(data) > 20_000  # a real render, not a blank page
