"""The long-lived objects the composition root (`bot/server.py`) builds once and hands to handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.fetch import Fetcher
    from bot.pipeline import Analyzer
    from bot.store import Store


@dataclass
class Deps:
    settings: Settings
    store: Store
    fetcher: Fetcher
    analyzer: Analyzer
    worker: Any = None  # bot.worker.Worker
    scheduler: Any = None  # bot.schedule.scheduler.DigestScheduler
    commands: Any = None  # handlers.commands.Runner: /newsbot answer tasks, closed by bot.server
