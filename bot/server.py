"""Composition root of `newsbot serve`: builds every long-lived object from Settings and wires
the aiohttp app (`POST /slack/events`, `GET /healthz`, and with many workspaces `GET /slack/install`
and `GET /slack/oauth_redirect`) or Socket Mode around one Bolt `AsyncApp`.

Start-up order: open the store, snapshot unfinished jobs, start listening (healthz says 503),
load the analysis processes in the background, then resume jobs and say 200. Teardown runs in
reverse through `cleanup_ctx`, so nothing outlives the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow

from bot.analysis.model_check import check_model
from bot.compose import build_worker, engine_worker, is_postgres, open_store, workspaces
from bot.config import Settings
from bot.deps import Deps
from bot.errors import ConfigError
from bot.fetch import Fetcher, FetchLimits
from bot.models import Job
from bot.pipeline import Analyzer
from bot.runner import Runner
from bot.schedule.scheduler import DigestScheduler
from bot.slack.client import make_client
from bot.slack.faults import SLACK_ERRORS, error_word
from bot.slack.identity import BotIdentity
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH, InstalledBots, oauth_flow
from bot.slack.replay import ReplayGuard
from bot.store.lock import job_lock
from bot.worker import Worker

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's event and command payloads are a few KB (a message with rich blocks, tens of KB);
# a larger body is refused (413) while it is read, before anything parses it.
MAX_REQUEST_BYTES = 1024 * 1024
HEALTH_PATH = "/healthz"
SHUTDOWN_GRACE_SECONDS = 5
# Socket Mode: ping Slack this often; a connection that died without a word is replaced within
# about this long (slack_sdk's own default; Bolt's adapter would wait 10 s).
SOCKET_PING_SECONDS = 5

APPS_URL = "https://api.slack.com/apps"
NEEDED = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-...)",
        f"{APPS_URL} → your app → OAuth & Permissions → Bot User OAuth Token (install the app first)",
    ),
    "SLACK_SIGNING_SECRET": (
        "proves requests come from Slack (HTTP mode)",
        f"{APPS_URL} → your app → Basic Information → App Credentials → Signing Secret",
    ),
    "SLACK_CLIENT_SECRET": (
        "with SLACK_CLIENT_ID, installs the app into many workspaces (OAuth)",
        f"{APPS_URL} → your app → Basic Information → App Credentials → Client Secret",
    ),
    "SLACK_CLIENT_ID": (
        "with SLACK_CLIENT_SECRET, installs the app into many workspaces (OAuth)",
        f"{APPS_URL} → your app → Basic Information → App Credentials → Client ID",
    ),
}
APP_TOKEN_HELP = (
    f"SLACK_APP_TOKEN (xapp-..., Socket Mode): {APPS_URL} → your app → Basic Information → "
    "App-Level Tokens, with the connections:write scope"
)


@dataclass
class State:
    """What the routes need at run time: created with the app, filled in by `_lifecycle`."""

    deps: Deps | None = None
    bolt: AsyncApp | None = None
    started: float = field(default_factory=time.monotonic)
    ready: bool = False
    replays: ReplayGuard = field(default_factory=ReplayGuard)


STATE = web.AppKey("state", State)
SETTINGS = web.AppKey("settings", Settings)
ROLE = web.AppKey("role", str)
ROLES = ("serve", "web")


# --- settings check ---------------------------------------------------------------------
def check_settings(settings: Settings) -> None:
    """Fail fast with one screen that says what to set and where to get it."""
    oauth = [name for name, value in (("SLACK_CLIENT_ID", settings.slack_client_id),
                                      ("SLACK_CLIENT_SECRET", settings.slack_client_secret)) if value]
    if settings.slack_bot_token and oauth:
        raise ConfigError(
            f"SLACK_BOT_TOKEN and {' and '.join(oauth)} are both set: set SLACK_BOT_TOKEN for one workspace, or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (and no bot token) to install into many workspaces."
        )
    if settings.many_workspaces and settings.slack_app_token:
        raise ConfigError(
            "Many workspaces (SLACK_CLIENT_ID) run in HTTP mode only: the install flow is served at "
            f"{INSTALL_PATH} and {REDIRECT_PATH} on the public URL Slack also posts events to. Unset SLACK_APP_TOKEN."
        )
    if len(oauth) == 1:
        missing = ["SLACK_CLIENT_SECRET" if oauth[0] == "SLACK_CLIENT_ID" else "SLACK_CLIENT_ID"]
    else:
        missing = ["SLACK_BOT_TOKEN"] if not settings.slack_bot_token and not settings.many_workspaces else []
    if not settings.slack_app_token and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        lines = ["`newsbot serve` needs Slack credentials that are not set:", ""]
        for name in missing:
            what, where = NEEDED[name]
            lines += [f"  {name}: {what}", f"      get it at {where}"]
        lines += [
            "",
            "Set them in the environment or in a .env file in the working directory.",
            f"No Slack app yet? {APPS_URL} → Create New App → From a manifest → paste config/manifest.yml.",
            f"Socket Mode instead of a public URL: set {APP_TOKEN_HELP}.",
            "Details: README.md, 'Running it in your workspace'.",
        ]
        raise ConfigError("\n".join(lines))
    check_model(settings.spacy_model)  # before listening: a bad pipeline is a start-up error


# --- building ---------------------------------------------------------------------------
def build_bolt(settings: Settings, deps: Deps, identity: BotIdentity | None) -> AsyncApp:
    """The Bolt app. `process_before_response=True`: listeners (which only record jobs) finish
    before the 200 goes out, so an acked event is always durable; Bolt's fire-and-forget path
    is never used for real work. Who the bot is comes without calling Slack: `identity` (one
    workspace, asked once at start-up) or the stored installation (many workspaces)."""
    import handlers

    client = make_client(settings, tokenless=True)  # its base URL and retries, for every request
    authorize: Callable[..., Awaitable[AuthorizeResult]]
    if identity is not None:
        authorize, flow = identity.authorize_function(), None
    else:
        assert settings.slack_client_id is not None
        # Bolt takes an AsyncAuthorize here too (its annotation names only plain functions)
        authorize = cast(Callable[..., Awaitable[AuthorizeResult]],
                         InstalledBots(deps.store.installation_store(settings.slack_client_id)))
        flow = oauth_flow(settings, deps.store, client)
    bolt = AsyncApp(
        client=client,
        authorize=authorize,
        oauth_flow=flow,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    handlers.register(bolt, deps)
    return bolt


async def _slack_events(request: web.Request) -> web.Response:
    state = request.app[STATE]
    bolt = state.bolt
    if bolt is None:
        raise web.HTTPServiceUnavailable()
    signature = request.headers.get("X-Slack-Signature")
    # Slack may resend an undelivered event as it was (marked X-Slack-Retry-Num): that passes, and
    # the job's unique key makes it a no-op. Commands and button clicks are never resent by Slack.
    retry = "X-Slack-Retry-Num" in request.headers
    if signature and not retry and state.replays.is_replay(signature):
        log.warning("refused a replayed Slack request (a signature seen in the last 5 minutes)")
        raise web.HTTPUnauthorized(text="replayed request")
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))


async def _install(request: web.Request) -> web.Response:
    """The "Add to Slack" page: a fresh OAuth state (kept in the database and a cookie)."""
    flow = _oauth_flow(request)
    return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))


async def _oauth_redirect(request: web.Request) -> web.Response:
    """Slack sends the browser back here: check the state, exchange the code, store the install."""
    flow = _oauth_flow(request)
    return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))


def _oauth_flow(request: web.Request) -> AsyncOAuthFlow:
    bolt = request.app[STATE].bolt
    if bolt is None or bolt.oauth_flow is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return bolt.oauth_flow


async def _healthz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if not state.ready or state.deps is None:
        return web.json_response({"ok": False, "status": "starting"}, status=503)
    worker = state.deps.worker
    active = worker.active if worker is not None else 0
    return web.json_response({"ok": True, "status": "ready", "active_jobs": active, **_vitals(state.deps)})


def _vitals(deps: Deps) -> dict[str, int]:
    """Counts a soak run watches for leaks (bench/soak.py): nothing here names or reveals data."""
    fds = Path("/proc/self/fd")
    return {
        "asyncio_tasks": len(asyncio.all_tasks()),
        "open_files": len(os.listdir(fds)) if fds.is_dir() else -1,
        "db_connections": deps.store.connections(),
    }


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, role = app[SETTINGS], app[ROLE]
    engine = is_postgres(settings.database_url)  # PostgreSQL mode: jobs and digests on the job engine
    async with contextlib.AsyncExitStack() as stack:  # teardown in reverse, even if start-up fails
        lock = None if engine else job_lock(settings.database_url)
        if lock is not None:  # SQLite: this process alone runs jobs on the file
            lock.acquire()
            stack.callback(lock.release)
        store = await open_store(settings)
        stack.push_async_callback(store.close)
        if lock is not None and (taken := await store.requeue_running()):
            log.info("took over %d job(s) a previous process left running", taken)
        slack = workspaces(settings, store)
        fetcher = analyzer = worker = None
        if role == "serve":  # `newsbot web` records and enqueues; it loads no analysis processes
            fetcher = Fetcher(FetchLimits.from_settings(settings))
            await fetcher.start()
            stack.push_async_callback(fetcher.close)
            analyzer = Analyzer(settings.spacy_model, workers=settings.workers)
            stack.push_async_callback(analyzer.aclose)
            worker = build_worker(settings, store, fetcher, analyzer, slack)
            stack.push_async_callback(worker.close)
        commands = Runner.from_settings(settings)  # /newsbot answers: cancelled before the store closes
        stack.push_async_callback(commands.close)
        scheduler = None
        if settings.scheduler and role == "serve":  # NEWSBOT_SCHEDULER=off where `newsbot clock` runs
            scheduler = DigestScheduler(store, slack, settings)
            if not engine:  # on PostgreSQL the engine's periodic task is the clock
                await scheduler.start()
                stack.push_async_callback(scheduler.stop)
        deps = Deps(settings=settings, store=store, fetcher=fetcher, analyzer=analyzer, commands=commands,
                    worker=None if engine else worker, scheduler=scheduler)
        state = app[STATE]
        identity = None if settings.many_workspaces else BotIdentity(make_client(settings))
        state.deps, state.bolt = deps, build_bolt(settings, deps, identity)
        # Before we accept events (SQLite): queued jobs and running ones whose lease ran out (all of
        # them: the lock says their process is gone) are ours to take over; a sweep follows.
        leftover = await worker.pending_at_startup() if worker is not None and not engine else []
        start_engine = None
        if engine and worker is not None:  # PostgreSQL `serve`: the engine's worker runs here, once warm
            from bot.queue import CLOCK, REPLIES, Runtime

            runtime = Runtime(worker, scheduler)

            async def start_engine() -> None:
                await stack.enter_async_context(engine_worker(settings, runtime, queues=[REPLIES, CLOCK]))

        warm_up = asyncio.create_task(_warm_up(state, identity, worker, leftover, start_engine), name="warm-up")
        stack.push_async_callback(_cancel, warm_up)
        if settings.slack_app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket = AsyncSocketModeHandler(state.bolt, settings.slack_app_token, ping_interval=SOCKET_PING_SECONDS)
            await socket.connect_async()
            stack.push_async_callback(socket.close_async)
            log.info("connected to Slack in Socket Mode")
        yield


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _warm_up(
    state: State,
    identity: BotIdentity | None,
    worker: Worker | None,
    leftover: list[Job],
    start_engine: Callable[[], Awaitable[None]] | None,
) -> None:
    try:
        if identity is not None:  # many workspaces: each installation says who the bot is there
            await identity.load()
    except SLACK_ERRORS as exc:  # Slack is away: the first event asks again (and is acked regardless)
        log.warning("could not ask Slack who the bot is (%s); will ask again", error_word(exc))
    assert state.deps is not None
    analyzer = state.deps.analyzer
    if analyzer is not None:
        try:
            await analyzer.start()
        except Exception:
            log.critical("could not start the analysis processes; shutting down", exc_info=True)
            os.kill(os.getpid(), signal.SIGTERM)  # run_app's handler turns this into a clean exit
            return
    if worker is not None:
        worker.mark_ready()
    if start_engine is not None:
        await start_engine()
    elif worker is not None:
        worker.resume(leftover)
    state.ready = True
    workers = analyzer.workers if analyzer is not None else 0
    log.info("ready in %.1fs (%d analysis process(es))", time.monotonic() - state.started, workers)


def create_app(settings: Settings, role: str = "serve") -> web.Application:
    """The aiohttp application (routes + lifecycle); tests run it with an AppRunner. `role`:
    `serve` (all in one) or `web` (verify, record, enqueue: PostgreSQL only)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role == "web" and not is_postgres(settings.database_url):
        raise ConfigError(
            "`newsbot web` needs PostgreSQL (DATABASE_URL=postgresql://…): it only records links, and on "
            "SQLite the one `newsbot serve` process both records and answers them. Run `newsbot serve` instead."
        )
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS] = settings
    app[ROLE] = role
    app[STATE] = State()
    app.cleanup_ctx.append(_lifecycle)
    if not settings.slack_app_token:
        app.router.add_post(EVENTS_PATH, _slack_events)
    if settings.many_workspaces:
        app.router.add_get(INSTALL_PATH, _install)
        app.router.add_get(REDIRECT_PATH, _oauth_redirect)
    app.router.add_get(HEALTH_PATH, _healthz)
    return app


def serve(settings: Settings, role: str = "serve") -> int:
    """`newsbot serve` / `newsbot web`: run until SIGINT/SIGTERM; exit status for the shell."""
    check_settings(settings)
    app = create_app(settings, role)
    mode = "Socket Mode" if settings.slack_app_token else f"HTTP mode, Slack requests at {EVENTS_PATH}"
    if settings.many_workspaces:
        mode += f", many workspaces (install at {INSTALL_PATH})"
    jobs = "job engine on PostgreSQL" if is_postgres(settings.database_url) else "jobs in this process (SQLite)"
    log.info("newsbot %s on %s:%d (%s; %s)", role, settings.host, settings.port, mode, jobs)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
    )
    return 0
