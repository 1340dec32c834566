"""`/newsbot`: the router and every subcommand, in help order (the archive's, then digest)."""

from __future__ import annotations

from handlers.commands import digest, lookups  # noqa: F401  (their `add` calls fill the table, in this order)
from handlers.commands.router import SUBCOMMANDS, Ctx, add, answer, register

__all__ = ["SUBCOMMANDS", "Ctx", "add", "answer", "register"]
