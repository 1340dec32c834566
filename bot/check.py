"""`newsbot check`: is this setup ready to go live? Each check reports what it found, and on a
problem, the fix; the exit status is non-zero on any problem.

Checks run in the order a Slack admin sets things up (credentials, token, scopes, channels,
Socket Mode, database, pipeline, outbound access); a check that needs an earlier one's result
(the scopes need a working token) says it was skipped and why, rather than repeating its error.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import DatabaseUnavailable, ModelError, NewsbotError
from bot.slack.client import make_client
from bot.slack.faults import SLACK_ERRORS, error_word
from bot.slack.manifest import manifest_scopes

APPS = "https://api.slack.com/apps → your app"
DEFAULT_FETCH_URL = "https://example.com/"
MAX_CHANNELS_LISTED = 10
DATABASE_TIMEOUT_SECONDS = 15

# What a Slack error means for the person setting Newsbot up, and what to do about it.
TOKEN_FIXES = {
    "invalid_auth": f"SLACK_BOT_TOKEN is not a valid token: copy the Bot User OAuth Token again ({APPS} → "
    "OAuth & Permissions)",
    "not_authed": "SLACK_BOT_TOKEN is empty: set it to the Bot User OAuth Token (xoxb-...)",
    "token_revoked": f"the token was revoked (the app was uninstalled?): reinstall the app ({APPS} → OAuth & "
    "Permissions → Install to Workspace) and set the new token",
    "account_inactive": "the token's app or workspace is deactivated: reinstall the app and set the new token",
    "token_expired": "the token expired (token rotation is on): turn rotation off in the app settings, or use "
    "a fresh token",
}
APP_TOKEN_FIXES = {
    "invalid_auth": f"SLACK_APP_TOKEN is not a valid app-level token: create one with connections:write "
    f"({APPS} → Basic Information → App-Level Tokens)",
    "not_allowed_token_type": "SLACK_APP_TOKEN must be an app-level token (xapp-...), not a bot or user token",
    "missing_scope": "the app-level token lacks connections:write: create a new one with that scope",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome; `fix` says what to do about a problem."""

    check: str
    status: Literal["ok", "problem", "skipped"]
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class _Context:
    """What later checks learn from earlier ones."""

    settings: Settings
    fetch_url: str
    team: str | None = None
    granted: frozenset[str] | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, check: str, ok: bool, detail: str, fix: str = "") -> None:
        self.findings.append(Finding(check, "ok" if ok else "problem", detail, fix))

    def skip(self, check: str, because: str) -> None:
        self.findings.append(Finding(check, "skipped", because))


def _slack_error(exc: Exception) -> str:
    """Slack's error word; for a network failure, what went wrong (the admin needs the detail)."""
    return error_word(exc) if isinstance(exc, SlackApiError) else f"{type(exc).__name__}: {exc}"


async def _credentials(ctx: _Context) -> None:
    s = ctx.settings
    problems: list[tuple[str, str]] = []
    if s.many_workspaces:
        pass  # OAuth: each workspace's token comes from its installation (/slack/install)
    elif not s.slack_bot_token:
        problems.append(
            (
                "SLACK_BOT_TOKEN is not set",
                f"set it to the Bot User OAuth Token ({APPS} → OAuth & Permissions; install the app first)",
            )
        )
    elif not s.slack_bot_token.startswith("xoxb-"):
        problems.append(
            (
                "SLACK_BOT_TOKEN is not a bot token (xoxb-...)",
                "use the Bot User OAuth Token, not a user (xoxp-) or app (xapp-) token",
            )
        )
    if s.slack_app_token:
        mode = "Socket Mode (SLACK_APP_TOKEN is set)"
        if not s.slack_app_token.startswith("xapp-"):
            problems.append(("SLACK_APP_TOKEN is not an app-level token (xapp-...)", APP_TOKEN_FIXES["invalid_auth"]))
    else:
        mode = "HTTP mode (Slack posts to /slack/events)"
        if s.many_workspaces:
            mode = "HTTP mode, many workspaces (installs at /slack/install)"
        if not s.slack_signing_secret:
            problems.append(
                (
                    "SLACK_SIGNING_SECRET is not set (HTTP mode needs it to verify requests)",
                    f"copy it from {APPS} → Basic Information → Signing Secret, or use Socket Mode (SLACK_APP_TOKEN)",
                )
            )
    if not problems:
        ctx.add("credentials", True, mode)
    for what, fix in problems:
        ctx.add("credentials", False, f"{mode}: {what}", fix)


async def _token(ctx: _Context, client: AsyncWebClient) -> None:
    if ctx.settings.many_workspaces:
        ctx.skip("Slack token", "many workspaces (SLACK_CLIENT_ID): each workspace's token comes from its install")
        return
    if not ctx.settings.slack_bot_token:
        ctx.skip("Slack token", "no SLACK_BOT_TOKEN")
        return
    try:
        resp = await client.auth_test()
    except SlackApiError as exc:
        error = _slack_error(exc)
        ctx.add(
            "Slack token",
            False,
            f"auth.test answered {error}",
            TOKEN_FIXES.get(error, "see Slack's auth.test documentation for this error"),
        )
        return
    except SLACK_ERRORS as exc:
        ctx.add(
            "Slack token",
            False,
            f"cannot reach Slack at {ctx.settings.slack_api_url}: {_slack_error(exc)}",
            "check the network, a proxy, or SLACK_API_URL",
        )
        return
    ctx.team = f"{resp.get('team')} ({resp.get('team_id')})"
    ctx.add("Slack token", True, f"workspace {ctx.team}, bot user @{resp.get('user')} ({resp.get('user_id')})")
    header = resp.headers.get("x-oauth-scopes") if resp.headers else None
    if header is not None:
        ctx.granted = frozenset(s.strip() for s in header.split(",") if s.strip())


async def _scopes(ctx: _Context) -> None:
    wanted = manifest_scopes()
    if ctx.team is None:
        ctx.skip("scopes", "needs a working token")
        return
    if ctx.granted is None:
        ctx.add(
            "scopes",
            False,
            "Slack did not say which scopes the token has (no x-oauth-scopes header)",
            "is SLACK_API_URL pointing at Slack's Web API?",
        )
        return
    missing = sorted(wanted - ctx.granted)
    if missing:
        ctx.add(
            "scopes",
            False,
            f"the token lacks {', '.join(missing)} (config/manifest.yml asks for them)",
            f"add them ({APPS} → OAuth & Permissions → Scopes, or paste config/manifest.yml again), "
            "reinstall the app, and set the new token",
        )
    else:
        ctx.add("scopes", True, f"all {len(wanted)} the manifest asks for: {', '.join(sorted(wanted))}")


async def _channels(ctx: _Context, client: AsyncWebClient) -> None:
    if ctx.team is None or ctx.granted is None or not {"channels:read", "groups:read"} & ctx.granted:
        ctx.skip("channels", "needs a working token with channels:read")
        return
    types = ",".join(
        t
        for scope, t in (("channels:read", "public_channel"), ("groups:read", "private_channel"))
        if scope in ctx.granted
    )
    names: list[str] = []
    try:
        async for page in await client.users_conversations(types=types, exclude_archived=True, limit=200):
            names += [f"#{c.get('name') or c.get('id')}" for c in page.get("channels", [])]
    except SLACK_ERRORS as exc:
        ctx.add("channels", False, f"users.conversations answered {_slack_error(exc)}")
        return
    if not names:
        ctx.add(
            "channels",
            False,
            "the bot is in no channel, so it reads no links",
            "invite it where links are shared: /invite @newsbot in each channel",
        )
        return
    shown = ", ".join(names[:MAX_CHANNELS_LISTED]) + (
        f" and {len(names) - MAX_CHANNELS_LISTED} more" if len(names) > MAX_CHANNELS_LISTED else ""
    )
    ctx.add("channels", True, f"in {len(names)}: {shown}")


async def _socket_mode(ctx: _Context) -> None:
    token = ctx.settings.slack_app_token
    if not token:
        return  # HTTP mode: nothing to check here
    client = make_client(ctx.settings, token=token, retries=False)
    try:
        await client.apps_connections_open(app_token=token)
    except SLACK_ERRORS as exc:
        error = _slack_error(exc)
        ctx.add(
            "Socket Mode",
            False,
            f"apps.connections.open answered {error}",
            APP_TOKEN_FIXES.get(error, f"enable Socket Mode ({APPS} → Socket Mode)"),
        )
        return
    ctx.add("Socket Mode", True, "the app-level token opens a connection")


async def _database(ctx: _Context) -> None:
    from bot.store.engine import create_engine, dispose, migration_state, reaching

    try:
        engine = create_engine(ctx.settings.database_url)
    except Exception as exc:  # a malformed URL, an unknown scheme, a driver that is not installed
        ctx.add(
            "database",
            False,
            f"DATABASE_URL is not usable: {exc}",
            "use sqlite+aiosqlite:///path/newsbot.db or postgresql://user@host/db",
        )
        return
    shown = engine.url.render_as_string(hide_password=True)
    try:
        async with reaching(engine):
            current, head = await asyncio.wait_for(migration_state(engine), timeout=DATABASE_TIMEOUT_SECONDS)
    except DatabaseUnavailable as exc:
        ctx.add("database", False, exc.message, "check DATABASE_URL, and that the server runs and accepts this user")
        return
    finally:
        await dispose(engine)
    if current == head:
        ctx.add("database", True, f"{shown}, schema at {head} (latest)")
    elif current is None:
        ctx.add(
            "database",
            False,
            f"{shown} is reachable but empty (never migrated)",
            "run `newsbot migrate` (`newsbot serve` also migrates when it starts)",
        )
    else:
        ctx.add(
            "database",
            False,
            f"{shown} is at schema {current}; this Newsbot expects {head}",
            "run `newsbot migrate` (or, if the database is newer, run the newer Newsbot)",
        )


async def _pipeline(ctx: _Context) -> None:
    from bot.pipeline import Analyzer

    model = ctx.settings.spacy_model
    analyzer = Analyzer(model, workers=1)
    started = time.monotonic()
    try:
        await analyzer.start()
    except ModelError as exc:
        ctx.add("spaCy pipeline", False, exc.message, "see README, 'Choosing the spaCy pipeline'")
        return
    finally:
        await analyzer.aclose()
    ctx.add("spaCy pipeline", True, f"{model} loads in an analysis process ({time.monotonic() - started:.1f} s)")


async def _outbound(ctx: _Context) -> None:
    from bot.fetch import Fetcher, FetchLimits
    from bot.links import normalize_url

    started = time.monotonic()
    try:
        async with Fetcher(FetchLimits.from_settings(ctx.settings)) as fetcher:
            page = await fetcher.fetch(normalize_url(ctx.fetch_url))
    except NewsbotError as exc:
        ctx.add(
            "outbound fetch",
            False,
            f"{ctx.fetch_url}: {exc.code}: {exc.message}",
            "Newsbot must reach news sites over HTTP(S): check the firewall or egress rules "
            "(`--fetch-url` picks another page to try)",
        )
        return
    ctx.add("outbound fetch", True, f"{ctx.fetch_url}: {len(page.body):,} bytes in {time.monotonic() - started:.1f} s")


async def run_checks(settings: Settings, *, fetch_url: str = DEFAULT_FETCH_URL) -> list[Finding]:
    ctx = _Context(settings, fetch_url)
    client = make_client(settings, retries=False)
    await _credentials(ctx)  # in the order an admin sets things up; later checks read earlier results
    await _token(ctx, client)
    await _scopes(ctx)
    await _channels(ctx, client)
    await _socket_mode(ctx)
    await _database(ctx)
    await _pipeline(ctx)
    await _outbound(ctx)
    return ctx.findings


def render(findings: list[Finding]) -> str:
    mark = {"ok": "ok  ", "problem": "FAIL", "skipped": "skip"}
    lines = []
    for f in findings:
        lines.append(f"{mark[f.status]} {f.check}: {f.detail}")
        if f.fix:
            lines.append(f"     fix: {f.fix}")
    problems = sum(f.status == "problem" for f in findings)
    lines.append(
        "ready to go live"
        if problems == 0 and all(f.ok for f in findings)
        else f"{problems} problem(s): fix them and run `newsbot check` again"
    )
    return "\n".join(lines)
