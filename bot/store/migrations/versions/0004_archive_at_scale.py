"""The archive at scale: lookups bounded by indexes, not by archive size

- Mentions (quotes, org_mentions, person_mentions) are kept for an article's latest analysis
  only (older analyses keep their full JSON in `analyses.data`), so lookups need no
  "is this the latest analysis" join and their indexes hold no dead versions.
- quotes and org_mentions carry the article's `sort_at`: "newest first" for a person or an
  organization walks one index, (person_id | org_id, sort_at, id), and stops at a page.
- org_months: articles per (team, organization, month), kept up to date by every save, share
  and retention sweep: an organization report counts from it instead of scanning every
  mention (tens of thousands for a major one in a million stories).
- shares (team, channel, shared_at, id) and (team, shared_at, id): "recently shared" walks the
  newest shares and stops at a page, instead of grouping every share of the workspace.
- PostgreSQL search_docs.title: title-only tsvector with its own GIN index, so title matches
  are found over the whole archive while body matches are ranked among the newest stories.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for table in ("quotes", "org_mentions", "person_mentions"):
        op.execute(
            f"DELETE FROM {table} WHERE analysis_id NOT IN "
            "(SELECT latest_analysis_id FROM articles WHERE latest_analysis_id IS NOT NULL)"
        )
    with op.batch_alter_table("quotes") as batch:
        batch.add_column(sa.Column("sort_at", _UTC, nullable=True))
        batch.drop_index("ix_quotes_person_id")
        batch.create_index("ix_quotes_person_sort", ["person_id", "sort_at", "id"])
    with op.batch_alter_table("org_mentions") as batch:
        batch.add_column(sa.Column("sort_at", _UTC, nullable=True))
        batch.add_column(sa.Column("month", sa.String(7), nullable=True))
        batch.drop_index("ix_org_mentions_org")
        batch.create_index("ix_org_mentions_org_sort", ["org_id", "sort_at", "article_id"])
    for table in ("quotes", "org_mentions"):
        op.execute(f"UPDATE {table} SET sort_at = (SELECT sort_at FROM articles a WHERE a.id = {table}.article_id)")
    month = "substr(sort_at, 1, 7)" if sqlite else "to_char(sort_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    op.execute(f"UPDATE org_mentions SET month = {month}")
    with op.batch_alter_table("quotes") as batch:
        batch.alter_column("sort_at", existing_type=_UTC, nullable=False)
    with op.batch_alter_table("org_mentions") as batch:
        batch.alter_column("sort_at", existing_type=_UTC, nullable=False)
        batch.alter_column("month", existing_type=sa.String(7), nullable=False)

    op.create_table(
        "org_months",
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team", "org_id", "month", name="pk_org_months"),
    )
    op.execute(
        "INSERT INTO org_months (team, org_id, month, articles) "
        "SELECT t.team, m.org_id, m.month, count(*) FROM org_mentions m "
        "JOIN (SELECT DISTINCT team, article_id FROM shares) t ON t.article_id = m.article_id "
        "GROUP BY t.team, m.org_id, m.month"
    )
    with op.batch_alter_table("shares") as batch:
        batch.create_index("ix_shares_channel_recent", ["team", "channel", "shared_at", "id"])
        batch.create_index("ix_shares_team_recent", ["team", "shared_at", "id"])
    if not sqlite:
        op.add_column("search_docs", sa.Column("title", postgresql.TSVECTOR(), nullable=True))
        op.execute(
            "UPDATE search_docs d SET title = to_tsvector('english', coalesce(a.title, '')) "
            "FROM articles a WHERE a.id = d.article_id"
        )
        op.alter_column("search_docs", "title", nullable=False)
        op.create_index("ix_search_docs_title", "search_docs", ["title"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_search_docs_title", table_name="search_docs")
        op.drop_column("search_docs", "title")
    with op.batch_alter_table("shares") as batch:
        batch.drop_index("ix_shares_team_recent")
        batch.drop_index("ix_shares_channel_recent")
    op.drop_table("org_months")
    with op.batch_alter_table("org_mentions") as batch:
        batch.drop_index("ix_org_mentions_org_sort")
        batch.create_index("ix_org_mentions_org", ["org_id"])
        batch.drop_column("month")
        batch.drop_column("sort_at")
    with op.batch_alter_table("quotes") as batch:
        batch.drop_index("ix_quotes_person_sort")
        batch.create_index("ix_quotes_person_id", ["person_id"])
        batch.drop_column("sort_at")
