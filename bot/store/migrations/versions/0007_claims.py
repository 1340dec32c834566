"""jobs and digest_runs: one claim primitive (owner token, lease on the database clock, attempts)

Jobs and digest runs had two lease systems (10 and 5 minutes, on each process's clock, a job's
owner recognised by host:port). Both now carry the claim token of the process holding them and a
lease it renews with a heartbeat, compared with the database's clock (bot/store/claims.py).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_expires", sa.Float(), nullable=True))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_expires", sa.Float(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("lease_expires")
        batch.drop_column("owner")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("lease_expires")
        batch.drop_column("owner")
