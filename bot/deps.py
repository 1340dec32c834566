"""The long-lived objects the composition root (`bot/server.py`) builds once and hands to handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.fetch import Fetcher
    from bot.pipeline import Analyzer
    from bot.runner import Runner
    from bot.schedule.scheduler import DigestScheduler
    from bot.store import Store
    from bot.worker import Worker


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    store: Store
    fetcher: Fetcher | None  # None on `newsbot web`: it reads no pages (workers do)
    analyzer: Analyzer | None  # None on `newsbot web`: no analysis processes
    commands: Runner  # answers after the ack (/newsbot, buttons, Home tab), closed before the store
    worker: Worker | None = None  # jobs are handed to it directly (SQLite); None where the job engine delivers them
    scheduler: DigestScheduler | None = None  # None where `newsbot clock` or a worker runs the digests
