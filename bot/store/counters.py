"""`org_months`: articles per (team, organization, month), kept current where the archive changes.

Three writes move the counts, each in the same transaction as the change: an article's first
share in a team (+1 for each organization it mentions), a new analysis of an article (-1 for
the old mentions, +1 for the new, in every team holding it), and retention removing a team's
last share of an article (-1). `rebuild_org_months` recomputes them from scratch: after a bulk
load, and in tests as the reference the incremental counts must equal.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.store.tables import org_mentions, org_months, shares


def _upsert(conn: Connection, rows: object) -> None:
    """INSERT ... SELECT that adds to existing counters (ON CONFLICT DO UPDATE)."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(org_months).from_select(["team", "org_id", "month", "articles"], rows)  # type: ignore[arg-type]
    stmt = stmt.on_conflict_do_update(
        index_elements=["team", "org_id", "month"],
        set_={"articles": org_months.c.articles + stmt.excluded.articles},
    )
    conn.execute(stmt)


def teams_holding(conn: Connection, article_id: int) -> list[str]:
    q = select(shares.c.team).where(shares.c.article_id == article_id).distinct()
    return sorted(r[0] for r in conn.execute(q).all())


def bump(conn: Connection, article_id: int, teams: Iterable[str], sign: int) -> None:
    """Add `sign` to the counters of every organization the article mentions, in each team.

    Rows go in key order, so concurrent PostgreSQL saves lock shared counters in the same order."""
    for team in sorted(set(teams)):
        rows = (
            select(literal(team), org_mentions.c.org_id, org_mentions.c.month, literal(sign))
            .where(org_mentions.c.article_id == article_id)
            .order_by(org_mentions.c.org_id, org_mentions.c.month)
        )
        _upsert(conn, rows)


def rebuild_org_months(conn: Connection) -> None:
    """Recompute every counter from the mentions and shares (bulk loads; the tests' reference)."""
    conn.execute(delete(org_months))
    held = select(shares.c.team, shares.c.article_id).distinct().subquery()
    rows = (
        select(held.c.team, org_mentions.c.org_id, org_mentions.c.month, func.count())
        .join(held, held.c.article_id == org_mentions.c.article_id)
        .group_by(held.c.team, org_mentions.c.org_id, org_mentions.c.month)
    )
    conn.execute(org_months.insert().from_select(["team", "org_id", "month", "articles"], rows))
