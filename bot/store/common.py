"""Small helpers shared by the store's modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Share


def insert_ignore(conn: AsyncConnection | Connection, table: Table, conflict_cols: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=conflict_cols)


def unindexed(conn: AsyncConnection | Connection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as a term SQLite's planner may not use to pick an index (`+column`, its documented
    way: sqlite.org/optoverview.html, "Disqualifying WHERE clause terms using unary-+"). SQLite
    plans without statistics (Newsbot never runs ANALYZE), and a range on a column it could walk
    can win over an exact (article_id, team) probe; PostgreSQL plans from statistics: unchanged."""
    if conn.dialect.name != "sqlite":
        return column
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


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
