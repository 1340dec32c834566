"""jobs: `claimed_by`, the worker instance holding a running job

A restarted `newsbot serve` takes over at once the jobs its own previous process (same
instance name) left running; jobs of other live instances are left alone until their claim
is older than the lease.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("claimed_by", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
