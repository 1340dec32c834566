"""A local fake of Slack's Web API (the only part of the world our tests fake).

A real aiohttp server on 127.0.0.1 (port 0) that records every call and answers the methods
Newsbot uses; it can be told to answer the next N calls with HTTP 429 (+ Retry-After), a 5xx,
or a Slack error such as `not_in_channel`. It also captures posts to `response_url`s, and plays
Slack's side of an OAuth install (`oauth.v2.access`: a one-time code for a workspace's own bot
token, which `auth.test` and every other method then accept until that workspace is uninstalled).

    async with FakeSlack() as slack:
        settings = load_settings(slack_api_url=slack.api_url, ...)
        ...
        [call] = await slack.wait_for("chat.postMessage")
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.slack.manifest import manifest_scopes
from tests.fakes.local_http import listen

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
# The app's credentials for OAuth installs (what Basic Information → App Credentials shows).
CLIENT_ID = "1234567890.9876543210"
CLIENT_SECRET = "fake-client-secret-5f0c1e2d"
APP_ID = "A0NEWSBOT"


@dataclass
class Workspace:
    """A workspace that can install the app: its one-time OAuth code and the bot token it yields."""

    team_id: str
    name: str
    code: str
    token: str
    bot_user_id: str
    bot_id: str
    installed: bool = False  # the code was exchanged and the app not removed since


@dataclass
class Call:
    """One Web API call as the fake received it (query, form and JSON bodies merged)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    answered: int = 200  # the HTTP status the fake answered with


@dataclass
class _Fault:
    method: str | None  # None: any method
    remaining: int
    status: int = 200  # RESET: drop the connection without an answer
    retry_after: int | None = None
    error: str | None = None


RESET = 0
ACCEPTED_RESET = 1  # the call takes effect, then the connection drops before the answer
STORM_FAULTS = (
    _Fault(None, 1, 429, retry_after=1), _Fault(None, 1, 503), _Fault(None, 1, 500),
    _Fault(None, 1, error="ratelimited"), _Fault(None, 1, RESET), _Fault(None, 1, ACCEPTED_RESET),
)


@dataclass
class FakeSlack:
    token: str = BOT_TOKEN
    app_token: str = APP_TOKEN  # apps.connections.open (Socket Mode)
    # sent as x-oauth-scopes, as Slack does; by default what installing from config/manifest.yml grants
    scopes: list[str] = field(default_factory=lambda: sorted(manifest_scopes()))
    channels: dict[str, str] = field(default_factory=lambda: {"C0NEWS": "newsroom"})  # the bot is a member
    socket_url: str = "ws://127.0.0.1:9/socket"  # what apps.connections.open hands out
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posted messages
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # response_url posts
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)  # team id -> workspace (OAuth)
    _faults: list[_Fault] = field(default_factory=list)
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    port: int = 0
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _storm_until: float = 0.0
    _storm_share: float = 0.0
    _storm_rng: random.Random = field(default_factory=random.Random)

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        self._runner, self.port = await listen(app)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # --- scripting ------------------------------------------------------------------------
    def storm(self, seconds: float, share: float = 0.7, seed: int = 0) -> None:
        """For `seconds` from now, answer a `share` of all calls (chosen at random, seeded) with
        one of: 429 + Retry-After 1, 503, 500, a Slack `ratelimited` error, a reset connection, or
        a reset after the call took effect (the client never hears that it did)."""
        self._storm_until = time.monotonic() + seconds
        self._storm_share = share
        self._storm_rng = random.Random(seed)

    def fail_next(
        self,
        n: int = 1,
        *,
        method: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """Answer the next `n` calls (of `method`, or any) with an HTTP status and/or a Slack error.

        `status=429, retry_after=1`: rate limited; `status=503`: server error;
        `error="not_in_channel"`: HTTP 200 with `{"ok": false, "error": ...}`;
        `status=RESET`: the connection is dropped without an answer.
        """
        self._faults.append(_Fault(method, n, status, retry_after, error))

    def add_workspace(self, team_id: str, name: str) -> Workspace:
        """A workspace whose admin can install the app: `code` is what Slack would put in the redirect."""
        n = len(self.workspaces) + 1
        ws = Workspace(team_id, name, code=f"code-{team_id}-{n}", token=f"xoxb-{team_id.lower()}-{n:04d}-secret",
                       bot_user_id=f"U0BOT{n}", bot_id=f"B0BOT{n}")
        self.workspaces[team_id] = ws
        return ws

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: its bot token stops working (`token_revoked`)."""
        self.workspaces[team_id].installed = False

    # --- inspection -----------------------------------------------------------------------
    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.method == method and (not ok_only or c.answered == 200)]

    def replies(self) -> list[Call]:
        """chat.postMessage calls that the fake accepted (the replies users would see)."""
        return [c for c in self.calls_to("chat.postMessage") if c.answered == 200 and "error" not in c.args]

    async def wait_for(self, method: str, count: int = 1, within: float = 30.0) -> list[Call]:
        """Wait until `count` successful calls of `method` arrived; return them."""
        assert self._changed is not None

        def ready() -> bool:
            return len(self.calls_to(method, ok_only=True)) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), within)
        return self.calls_to(method, ok_only=True)

    # --- handlers -------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode()))
        for key in ("blocks", "attachments"):  # form posts carry these as JSON strings
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _fault_for(self, method: str) -> _Fault | None:
        if time.monotonic() < self._storm_until and self._storm_rng.random() < self._storm_share:
            return self._storm_rng.choice(STORM_FAULTS)
        for f in self._faults:
            if f.remaining > 0 and f.method in (None, method):
                f.remaining -= 1
                return f
        return None

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        call = Call(method, args, token, time.time())
        fault = self._fault_for(method)
        if fault is not None and fault.status == ACCEPTED_RESET and token == self.token:
            self._answer(method, args, token)  # it happened ...
            await self._record(call)  # ... and counts as accepted (answered stays 200)
            assert request.transport is not None
            request.transport.abort()  # ... but the client never hears of it
            return web.Response(status=204)
        if fault is not None and fault.status == RESET:
            call.answered = RESET
            await self._record(call)
            assert request.transport is not None
            request.transport.abort()  # the client sees its connection reset, no answer
            return web.Response(status=204)  # never sent: the connection is gone
        if fault is not None and fault.status != 200:
            call.answered = fault.status
            await self._record(call)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if fault.status == 429 else "internal_error"}
            return web.json_response(body, status=fault.status, headers=headers)
        if method == "oauth.v2.access":
            answer = self._oauth_access(request, args)
            call.args["error"] = answer.get("error")
            await self._record(call)
            return web.json_response(answer)
        refused = self._refused(method, token)
        if refused is not None:
            call.answered = 200
            call.args["error"] = refused
            await self._record(call)
            return web.json_response({"ok": False, "error": refused})
        if fault is not None and fault.error:
            call.args["error"] = fault.error
            await self._record(call)
            return web.json_response({"ok": False, "error": fault.error})
        answer = self._answer(method, args, token)
        if not answer.get("ok"):
            call.args["error"] = answer.get("error")
        await self._record(call)
        return web.json_response(answer, headers={"x-oauth-scopes": ",".join(self.scopes)})

    def _installed(self, token: str | None) -> Workspace | None:
        return next((w for w in self.workspaces.values() if w.installed and w.token == token), None)

    def _refused(self, method: str, token: str | None) -> str | None:
        """Slack's error for a call made with `token`, or None if the token may make it."""
        if method == "apps.connections.open":
            return None if token == self.app_token else "invalid_auth"
        if token == self.token or self._installed(token) is not None:
            return None
        if any(w.token == token for w in self.workspaces.values()):
            return "token_revoked"
        return "invalid_auth"

    def _oauth_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: the app authenticates with HTTP Basic (client id:secret), as slack_sdk sends it."""
        basic = request.headers.get("Authorization", "").removeprefix("Basic ")
        if base64.b64decode(basic or b"").decode() != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return {"ok": False, "error": "invalid_client_id"}
        ws = next((w for w in self.workspaces.values() if w.code == args.get("code")), None)
        if ws is None or ws.installed:  # a code works once
            return {"ok": False, "error": "invalid_code"}
        ws.installed = True
        return {"ok": True, "app_id": APP_ID, "authed_user": {"id": "U0ADMIN"}, "scope": ",".join(self.scopes),
                "token_type": "bot", "access_token": ws.token, "bot_user_id": ws.bot_user_id,
                "team": {"id": ws.team_id, "name": ws.name}, "enterprise": None, "is_enterprise_install": False}

    def _answer(self, method: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        channel = args.get("channel")
        if method == "auth.test":
            ws = self._installed(token)
            if ws is not None:
                return {"ok": True, "url": f"https://{ws.name.lower()}.slack.com/", "team": ws.name,
                        "user": "newsbot", "team_id": ws.team_id, "user_id": ws.bot_user_id, "bot_id": ws.bot_id}
            return {"ok": True, "url": "https://newsroom.slack.com/", "team": "Newsroom", "user": "newsbot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            ts = args.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": args.get("text"),
                       "ts": ts, "thread_ts": args.get("thread_ts")}
            key = "message_ts" if method == "chat.postEphemeral" else "ts"
            if method == "chat.postMessage":
                metadata = args.get("metadata")
                message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
                self.messages.setdefault(str(channel), []).append(message)
            return {"ok": True, "channel": channel, key: ts, "message": message}
        if method == "conversations.replies":
            thread = [m for m in self.messages.get(str(channel), []) if args.get("ts") in (m["ts"], m["thread_ts"])]
            keep_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
            return {"ok": True, "has_more": False,
                    "messages": [m if keep_metadata else {k: v for k, v in m.items() if k != "metadata"}
                                 for m in thread]}
        if method in ("reactions.add", "reactions.remove"):
            if not (channel and args.get("timestamp") and args.get("name")):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts", ""))
            return {"ok": True, "channel": channel,
                    "permalink": f"https://newsroom.slack.com/archives/{channel}/p{ts.replace('.', '')}"}
        if method == "users.info":
            uid = str(args.get("user"))
            user = self.users.get(uid) or {"id": uid, "name": uid.lower(), "real_name": f"User {uid}",
                                           "tz": "America/New_York", "tz_offset": -18000,
                                           "profile": {"real_name": f"User {uid}", "display_name": uid.lower()}}
            return {"ok": True, "user": user}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": channel, "name": f"chan-{str(channel).lower()}",
                                            "is_member": True}}
        if method == "users.conversations":
            channels = [{"id": cid, "name": name, "is_member": True} for cid, name in self.channels.items()]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method in ("views.publish", "views.open"):
            who = "user_id" if method == "views.publish" else "trigger_id"
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            if not args.get(who) or not isinstance(view, dict) or len(view.get("blocks", [])) > 100:
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {**view, "id": f"V{next(self._ts):08d}"}}
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        self.responses.setdefault(key, []).append(await request.json())
        await self._record(Call("response_url", {"key": key}, None, time.time()))
        return web.Response(text="ok")
