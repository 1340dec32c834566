"""The sources ledger's query: the quotes of the stories shared in a channel over some days.

Bounded by the channel's shares in the period (a walk of ix_shares_channel_recent), not by the
archive; `ledger.MAX_DAYS` caps the period.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import ledger
from bot.store.search import quote_from_row
from bot.store.tables import quotes, shares, utcnow


class SourcesMixin:
    _engine: AsyncEngine

    async def sources(
        self, team: str, channel: str | None, days: int, *, now: datetime | None = None
    ) -> ledger.Ledger:
        """The ledger of one channel, or of the whole workspace (channel None: the Home tab)."""
        since = (now or utcnow()) - timedelta(days=max(1, min(days, ledger.MAX_DAYS)))
        s = shares.c
        scope = [s.team == team, s.shared_at > since] + ([s.channel == channel] if channel else [])
        shared = select(s.article_id, s.shared_at).where(*scope).order_by(s.shared_at.desc())
        async with self._engine.connect() as conn:
            order = list(dict.fromkeys(r.article_id for r in (await conn.execute(shared)).all()))
            rows: list[Any] = []
            for start in range(0, len(order), 500):  # bounded IN lists
                chunk = order[start : start + 500]
                q = select(quotes).where(quotes.c.article_id.in_(chunk)).order_by(quotes.c.position)
                rows += (await conn.execute(q)).all()
        rank = {aid: i for i, aid in enumerate(order)}
        rows.sort(key=lambda r: (rank[r.article_id], r.position))
        return ledger.build(((r.article_id, quote_from_row(r)) for r in rows), stories=len(order))
