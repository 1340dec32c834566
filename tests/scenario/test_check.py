"""`newsbot check` as a Slack admin runs it before going live: the real CLI in a subprocess
against the local fake Slack, the local article server and a real database. A correct setup is
reported ready (exit 0); each broken one names its problem and its fix (exit 1)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import secrets_in
from tests.fakes.article_server import ArticleServer
from tests.fakes.serve import free_port, serve_env
from tests.fakes.slack_api import TEAM_ID, FakeSlack

NEWSBOT = [sys.executable, "-m", "bot.cli"]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def _newsbot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *NEWSBOT, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert secrets_in(out.decode()) == []  # a check names problems, never the token or secret itself
    return proc.returncode or 0, out.decode()


def _line(output: str, status: str, check: str) -> str:
    """The report line of one check, with its fix line if any; fails if it is not there."""
    m = re.search(rf"^{status}\s+{re.escape(check)}: .*(\n     fix: .*)?", output, re.M)
    assert m, f"no '{status} {check}' line in:\n{output}"
    return m.group(0)


@pytest.fixture
async def env(slack: FakeSlack, article_server: ArticleServer, tmp_path: Path) -> dict[str, str]:
    """A correct setup on a migrated SQLite file; tests break one thing each."""
    values = serve_env(slack, tmp_path / "newsbot.db", free_port(), "check-signing-secret", NEWSBOT_WORKERS="1")
    code, out = await _newsbot("migrate", env=values, cwd=tmp_path)
    assert code == 0, out
    return values


async def _check(env: dict[str, str], server: ArticleServer, cwd: Path) -> tuple[int, str]:
    return await _newsbot("check", "--fetch-url", server.url("/files/pharma-manufacturing.html"), env=env, cwd=cwd)


async def test_a_correct_setup_is_ready(env: dict[str, str], article_server: ArticleServer, tmp_path: Path) -> None:
    code, out = await _check(env, article_server, tmp_path)
    assert code == 0, out
    assert out.rstrip().endswith("ready to go live")
    assert TEAM_ID in _line(out, "ok", "Slack token")
    assert "#newsroom" in _line(out, "ok", "channels")
    assert "(latest)" in _line(out, "ok", "database")
    assert "bytes" in _line(out, "ok", "outbound fetch")
    assert "FAIL" not in out and "skip" not in out


async def test_missing_scopes_are_named_with_the_fix(
    env: dict[str, str], slack: FakeSlack, article_server: ArticleServer, tmp_path: Path
) -> None:
    slack.scopes = [s for s in slack.scopes if s not in ("chat:write", "reactions:write")]
    code, out = await _check(env, article_server, tmp_path)
    assert code == 1
    line = _line(out, "FAIL", "scopes")
    assert "chat:write" in line and "reactions:write" in line and "reinstall" in line
    assert "channels:history" not in line.split("fix:")[0]  # only what is missing is listed


async def test_a_revoked_token_says_reinstall(
    env: dict[str, str], slack: FakeSlack, article_server: ArticleServer, tmp_path: Path
) -> None:
    slack.fail_next(5, method="auth.test", error="token_revoked")
    code, out = await _check(env, article_server, tmp_path)
    assert code == 1
    line = _line(out, "FAIL", "Slack token")
    assert "token_revoked" in line and "reinstall" in line.lower()
    _line(out, "skip", "scopes")  # not a second, confusing error
    _line(out, "ok", "database")  # the rest is still checked


async def test_an_unreachable_database_is_a_problem(
    env: dict[str, str], article_server: ArticleServer, tmp_path: Path
) -> None:
    dead = free_port()  # nothing listens there
    code, out = await _check(env | {"DATABASE_URL": f"postgres://newsbot:s3cret@127.0.0.1:{dead}/newsbot"},
                             article_server, tmp_path)
    assert code == 1
    line = _line(out, "FAIL", "database")
    assert "cannot reach" in line and "DATABASE_URL" in line
    assert "s3cret" not in out  # the password is never printed
    _line(out, "ok", "Slack token")


async def test_an_unmigrated_database_says_migrate(
    env: dict[str, str], article_server: ArticleServer, tmp_path: Path
) -> None:
    code, out = await _check(env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, article_server, tmp_path)
    assert code == 1
    assert "newsbot migrate" in _line(out, "FAIL", "database")


async def test_no_channel_and_missing_signing_secret(
    env: dict[str, str], slack: FakeSlack, article_server: ArticleServer, tmp_path: Path
) -> None:
    slack.channels = {}
    code, out = await _check(env | {"SLACK_SIGNING_SECRET": ""}, article_server, tmp_path)
    assert code == 1
    assert "/invite" in _line(out, "FAIL", "channels")
    assert "Signing Secret" in _line(out, "FAIL", "credentials")


async def test_socket_mode_checks_the_app_token(
    env: dict[str, str], slack: FakeSlack, article_server: ArticleServer, tmp_path: Path
) -> None:
    code, out = await _check(env | {"SLACK_APP_TOKEN": slack.app_token}, article_server, tmp_path)
    assert code == 0, out
    _line(out, "ok", "Socket Mode")
    code, out = await _check(env | {"SLACK_APP_TOKEN": "xapp-wrong"}, article_server, tmp_path)
    assert code == 1
    assert "App-Level Tokens" in _line(out, "FAIL", "Socket Mode")


async def test_unreachable_site_fails_the_outbound_check(
    env: dict[str, str], article_server: ArticleServer, tmp_path: Path
) -> None:
    code, out = await _newsbot("check", "--fetch-url", f"http://127.0.0.1:{free_port()}/", env=env, cwd=tmp_path)
    assert code == 1
    assert "firewall" in _line(out, "FAIL", "outbound fetch")
