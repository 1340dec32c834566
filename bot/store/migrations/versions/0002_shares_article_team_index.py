"""shares: index (article_id, team) for the "shared in this team" filter

Search, quotes and organization lookups scoped to a team test, per candidate article, whether
it was shared there. With only (article_id) and the unique (team, channel, message_ts,
article_id) to choose from, SQLite's planner took the unique index on its `team` prefix and
scanned every share of the team per candidate: 0.1 s to 1 s for common words at 10,000
articles. (article_id, team) answers the test in one index probe, and replaces (article_id).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index("ix_shares_article_id_team", ["article_id", "team"], unique=False)
        batch_op.drop_index("ix_shares_article_id")


def downgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index("ix_shares_article_id", ["article_id"], unique=False)
        batch_op.drop_index("ix_shares_article_id_team")
