"""quotes: the source kind and the organization the speaker speaks for (the sources ledger)

Rows written before this have neither: the ledger counts them as "other" (or "unnamed" when
no speaker was named) until the article is read again.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quotes") as batch:
        batch.add_column(sa.Column("source_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("source_org", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes") as batch:
        batch.drop_column("source_org")
        batch.drop_column("source_kind")
