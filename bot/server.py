"""Composition root of `newsbot serve`: builds every long-lived object from Settings and wires
the aiohttp app (`POST /slack/events`, `GET /healthz`) or Socket Mode around one Bolt `AsyncApp`.

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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.analysis.model_check import check_model
from bot.config import Settings
from bot.deps import Deps
from bot.errors import ConfigError
from bot.fetch import Fetcher, FetchLimits
from bot.models import Job
from bot.pipeline import Analyzer
from bot.runner import Runner
from bot.slack.client import make_client
from bot.slack.faults import SLACK_ERRORS, error_word
from bot.slack.identity import BotIdentity
from bot.slack.replay import ReplayGuard
from bot.store import Store
from bot.store.lock import job_lock
from bot.worker import Worker, instance_name

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


# --- settings check ---------------------------------------------------------------------
def check_settings(settings: Settings) -> None:
    """Fail fast with one screen that says what to set and where to get it."""
    missing = ["SLACK_BOT_TOKEN"] if not settings.slack_bot_token else []
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
def build_bolt(settings: Settings, deps: Deps, identity: BotIdentity) -> AsyncApp:
    """The Bolt app. `process_before_response=True`: listeners (which only record jobs) finish
    before the 200 goes out, so an acked event is always durable; Bolt's fire-and-forget path
    is never used for real work. `identity` answers Bolt's "who am I" without calling Slack."""
    import handlers

    bolt = AsyncApp(
        client=make_client(settings, tokenless=True),  # its base URL and retries, for every request
        authorize=identity.authorize_function(),
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
    settings = app[SETTINGS]
    async with contextlib.AsyncExitStack() as stack:  # teardown in reverse, even if start-up fails
        lock = job_lock(settings.database_url)
        if lock is not None:  # SQLite: this process alone runs jobs on the file
            lock.acquire()
            stack.callback(lock.release)
        store = await Store.open(settings.database_url)
        stack.push_async_callback(store.close)
        if lock is not None and (taken := await store.requeue_running()):
            log.info("took over %d job(s) a previous process left running", taken)
        fetcher = Fetcher(FetchLimits.from_settings(settings))
        await fetcher.start()
        stack.push_async_callback(fetcher.close)
        analyzer = Analyzer(settings.spacy_model, workers=settings.workers)
        stack.push_async_callback(analyzer.aclose)
        client = make_client(settings)
        worker = Worker(
            store=store,
            fetcher=fetcher,
            analyzer=analyzer,
            client=client,
            max_concurrent=settings.max_concurrent_jobs,
            instance=instance_name(settings.port),
        )
        stack.push_async_callback(worker.close)
        commands = Runner.from_settings(settings)  # /newsbot answers: cancelled before the store closes
        stack.push_async_callback(commands.close)
        scheduler = None
        if settings.scheduler:  # NEWSBOT_SCHEDULER=off on web processes when `newsbot clock` runs
            from bot.schedule.scheduler import DigestScheduler

            scheduler = DigestScheduler(store, client, settings)
            await scheduler.start()
            stack.push_async_callback(scheduler.stop)
        deps = Deps(settings=settings, store=store, fetcher=fetcher, analyzer=analyzer, commands=commands,
                    worker=worker, scheduler=scheduler)
        state = app[STATE]
        identity = BotIdentity(client)
        state.deps, state.bolt = deps, build_bolt(settings, deps, identity)
        # Before we accept events: what our previous process (same host:port) left unfinished, and
        # jobs whose claim outlived the lease, are ours to take over; a sweep then runs every minute.
        leftover = await worker.pending_at_startup()
        warm_up = asyncio.create_task(_warm_up(state, deps, leftover, identity), name="warm-up")
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


async def _warm_up(state: State, deps: Deps, leftover: list[Job], identity: BotIdentity) -> None:
    try:
        await identity.load()
    except SLACK_ERRORS as exc:  # Slack is away: the first event asks again (and is acked regardless)
        log.warning("could not ask Slack who the bot is (%s); will ask again", error_word(exc))
    try:
        await deps.analyzer.start()
    except Exception:
        log.critical("could not start the analysis processes; shutting down", exc_info=True)
        os.kill(os.getpid(), signal.SIGTERM)  # run_app's handler turns this into a clean exit
        return
    assert deps.worker is not None  # `serve` runs its own worker
    deps.worker.mark_ready()
    deps.worker.resume(leftover)
    state.ready = True
    log.info("ready in %.1fs (%d analysis process(es))", time.monotonic() - state.started, deps.analyzer.workers)


def create_app(settings: Settings) -> web.Application:
    """The aiohttp application (routes + lifecycle); tests run it with an AppRunner."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS] = settings
    app[STATE] = State()
    app.cleanup_ctx.append(_lifecycle)
    if not settings.slack_app_token:
        app.router.add_post(EVENTS_PATH, _slack_events)
    app.router.add_get(HEALTH_PATH, _healthz)
    return app


def serve(settings: Settings) -> int:
    """`newsbot serve`: run until SIGINT/SIGTERM; exit status for the shell."""
    check_settings(settings)
    mode = "Socket Mode" if settings.slack_app_token else f"HTTP mode, Slack requests at {EVENTS_PATH}"
    log.info("newsbot serve on %s:%d (%s)", settings.host, settings.port, mode)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
    )
    return 0
