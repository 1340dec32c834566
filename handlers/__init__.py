"""Slack listeners. `register(app, deps)` wires every handler module onto one Bolt `AsyncApp`.

Order matters: Bolt runs the first listener that matches, so the catch-all no-op listeners of
`handlers.events` (every event gets HTTP 200) are registered last.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from handlers import actions, commands, events, home, installs, messages


def register(app: AsyncApp, deps: Deps) -> None:
    messages.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    installs.register(app, deps)
    events.register(app, deps)
