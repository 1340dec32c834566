"""A local fake of Slack's Socket Mode endpoint: the WebSocket URL `apps.connections.open` hands
out (FakeSlack.socket_url). It greets each connection with `hello`, sends envelopes, records the
acknowledgements, and on demand asks the client to reconnect (`disconnect`) or drops the
connection without a word (what a network failure looks like).

    async with FakeSocketMode() as socket:
        slack.socket_url = socket.url
        envelope = await socket.send_event(body)
        await socket.wait_ack(envelope)
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.local_http import listen


@dataclass
class FakeSocketMode:
    connections: int = 0  # connections accepted so far (a reconnect adds one)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # envelope id -> the client's ack
    _current: web.WebSocketResponse | None = None
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    port: int = 0

    async def __aenter__(self) -> FakeSocketMode:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/socket", self._socket)
        self._runner, self.port = await listen(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket"

    # --- waiting --------------------------------------------------------------------------
    async def _wait(self, ready: Any, within: float) -> None:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), within)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_connections(self, count: int, within: float = 30) -> None:
        """Until `count` connections were accepted in all and one is open now."""
        await self._wait(lambda: self.connections >= count and self._current is not None, within)

    async def wait_ack(self, envelope_id: str, within: float = 3) -> dict[str, Any]:
        """Slack retries an envelope nobody acknowledges within 3 s: the default bound."""
        await self._wait(lambda: envelope_id in self.acks, within)
        return self.acks[envelope_id]

    # --- what Slack does ------------------------------------------------------------------
    async def send_event(self, body: dict[str, Any]) -> str:
        """Send an Events API body in an envelope on the open connection; its envelope id."""
        await self.wait_connections(1)
        assert self._current is not None
        envelope_id = f"env-{next(self._ids)}"
        await self._current.send_json({
            "envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
            "retry_attempt": 0, "retry_reason": "", "payload": body,
        })
        return envelope_id

    async def ask_to_reconnect(self) -> None:
        """Slack's `disconnect` message (sent before it refreshes a connection)."""
        assert self._current is not None
        await self._current.send_json({"type": "disconnect", "reason": "refresh_requested",
                                       "debug_info": {"host": "fake-socket-mode"}})

    async def drop(self) -> None:
        """Cut the TCP connection: no close frame, as when a network path dies."""
        ws, self._current = self._current, None
        assert ws is not None
        transport = ws._req.transport if ws._req is not None else None
        assert transport is not None
        transport.abort()

    # --- the endpoint ---------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings, as Slack does
        await ws.prepare(request)
        self.connections += 1
        self._current = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST"},
                            "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 3600}})
        await self._notify()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data
                    await self._notify()
        if self._current is ws:
            self._current = None
        await self._notify()
        return ws
