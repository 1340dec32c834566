"""articles: the page's HTTP validators (ETag, Last-Modified) from its latest read

A link shared again is re-read with a conditional request: an unchanged page answers 304 and the
stored analysis is reused; a changed one is analysed again and the reply says what changed.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("etag", sa.String(512), nullable=True))
        batch.add_column(sa.Column("last_modified", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("last_modified")
        batch.drop_column("etag")
