"""Slack listeners. `register(app, deps)` wires every handler module onto one Bolt `AsyncApp`.

Order matters: Bolt runs the first listener that matches, so the catch-all no-op listeners of
`handlers.events` (every event gets HTTP 200) are registered last.
"""

from __future__ import annotations

import importlib
import logging

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from handlers import events, messages

log = logging.getLogger(__name__)

# Written by other modules' owners; registered when present so the app runs without them.
OPTIONAL_MODULES = ("handlers.commands", "handlers.actions")


def register(app: AsyncApp, deps: Deps) -> None:
    messages.register(app, deps)
    for name in OPTIONAL_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # a real import error inside the module must not be hidden
            log.debug("%s not present; skipped", name)
            continue
        module.register(app, deps)
    events.register(app, deps)
