"""`newsbot analyze --json` end to end: the real console script in a subprocess, talking real
HTTP to the local article server. One JSON object per target, in order; a bad target never
stops the others; the exit status says whether any failed.

Each run loads spaCy in a process pool (seconds), so targets are batched into three runs.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.fakes.article_server import ArticleServer

NEWSBOT = REPO_ROOT / ".venv" / "bin" / "newsbot"
GOOD_FILE = "tests/data/articles/pharma-manufacturing.html"  # relative to the repo, as a user types it

pytestmark = pytest.mark.skipif(not NEWSBOT.exists(), reason="console script not installed")


async def run_cli(*targets: str, allow_private: bool) -> tuple[int, list[dict[str, Any]], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_WORKERS"] = "1"  # one spaCy worker is plenty for a handful of targets
    if allow_private:
        env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "1"
    proc = await asyncio.create_subprocess_exec(
        str(NEWSBOT), "analyze", "--json", *targets,
        cwd=REPO_ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    lines = out.decode().splitlines()
    assert len(lines) == len(targets), f"expected one JSON line per target:\n{out.decode()}\n{err.decode()}"
    objs = [json.loads(line) for line in lines]
    assert [o["url"] for o in objs] == list(targets)  # in the order given
    assert proc.returncode is not None
    return proc.returncode, objs, err.decode()


def error_code(obj: dict[str, Any]) -> str | None:
    return obj["error"]["code"] if obj["error"] else None


async def test_mixed_targets_each_get_their_own_result(article_server: ArticleServer) -> None:
    missing = "tests/data/articles/no-such-article.html"
    targets = [
        article_server.url("/status/404"),
        GOOD_FILE,
        article_server.url("/pdf"),
        "ftp://example.com/story.html",
        missing,
        article_server.url("/files/pharma-manufacturing.html"),
    ]
    rc, objs, err = await run_cli(*targets, allow_private=True)
    assert rc != 0, err
    assert [error_code(o) for o in objs] == [
        "http_404", None, "not_html", "invalid_url", "file_error", None,
    ], err
    assert "PDF" in objs[2]["error"]["message"]
    assert "no such file" in objs[4]["error"]["message"]
    for ok in (objs[1], objs[5]):  # the good ones ran fully despite their neighbours
        assert ok["word_count"] > 0 and ok["title"]
    for bad in (objs[0], objs[2], objs[3], objs[4]):
        assert bad["title"] is None and bad["word_count"] == 0 and bad["error"]["message"]
    assert article_server.hits["/files/pharma-manufacturing.html"] == 1


async def test_private_address_blocked_by_default(article_server: ArticleServer) -> None:
    targets = [article_server.url("/files/pharma-manufacturing.html"), GOOD_FILE]
    rc, objs, err = await run_cli(*targets, allow_private=False)
    assert rc != 0, err
    assert [error_code(o) for o in objs] == ["blocked_address", None], err
    assert sum(article_server.hits.values()) == 0  # refused before connecting


async def test_exit_zero_when_all_ok(article_server: ArticleServer) -> None:
    # The same real article once from disk and once over HTTP, gzip-compressed on the wire.
    html = (REPO_ROOT / GOOD_FILE).read_bytes()
    url = article_server.add(
        "pharma-gz.html", gzip.compress(html), headers={"Content-Encoding": "gzip"}
    )
    rc, objs, err = await run_cli(GOOD_FILE, url, allow_private=True)
    assert [error_code(o) for o in objs] == [None, None], err
    assert objs[0]["title"] == objs[1]["title"]
    assert rc == 0, err
