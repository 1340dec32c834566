"""Serve an aiohttp app on a free loopback port: the fakes, the tests' in-process bot and the
benches all start their servers this one way."""

from __future__ import annotations

from aiohttp import web


async def listen(app: web.Application, host: str = "127.0.0.1") -> tuple[web.AppRunner, int]:
    """Start `app` on port 0 of `host`; (its runner, to clean up; the port it got)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    return runner, runner.addresses[0][1]
