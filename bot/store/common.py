"""Small helpers shared by the store's modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Share


def insert_ignore(conn: AsyncConnection | Connection, table: Table, conflict_cols: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=conflict_cols)


def ts_to_datetime(ts: float | str | None) -> datetime:
    """Slack ts ("1712345678.000100") or unix time -> aware UTC datetime (now if unknown)."""
    try:
        value = float(ts) if ts is not None else 0.0
    except ValueError:
        value = 0.0
    return datetime.fromtimestamp(value, UTC) if value > 0 else datetime.now(UTC)


def share_time(share: Share) -> datetime:
    return ts_to_datetime(share.shared_at or share.message_ts)


def share_from_row(row: Any) -> Share:
    return Share(
        team=row.team,
        channel=row.channel,
        message_ts=row.message_ts,
        user=row.user,
        thread_ts=row.thread_ts,
        shared_at=row.shared_at.timestamp(),
    )
