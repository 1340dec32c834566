"""PostgreSQL: procrastinate's schema (the job engine of PostgreSQL mode, bot/queue.py)

Applies the schema of the pinned procrastinate release (3.10.0, `procrastinate/sql/schema.sql`)
in this transaction, and queues a procrastinate job for every unfinished `jobs` row, so links
recorded before the upgrade are answered after it. Upgrading procrastinate later means a new
migration applying its own migration files between the two releases. SQLite has no engine: the
one `newsbot serve` process runs its jobs itself.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from importlib import resources

from alembic import op
from sqlalchemy.util import await_only

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA_VERSION = "3.10.0"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = resources.files("procrastinate").joinpath("sql/schema.sql").read_text(encoding="utf-8")
    raw = bind.connection.driver_connection  # asyncpg: one simple-protocol call runs the whole script
    assert raw is not None
    await_only(raw.execute(schema))
    op.execute(
        "SELECT procrastinate_defer_jobs_v1(ARRAY(SELECT ROW('replies', 'newsbot.reply', 0, NULL, NULL, "
        "jsonb_build_object('job_id', id), NULL)::procrastinate_job_to_defer_v1 FROM jobs "
        "WHERE status IN ('queued', 'running') ORDER BY id))"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
                     AND tablename LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.f);
            END LOOP;
            FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                     WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c')
                     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid AND c.relkind <> 'c') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
            END LOOP;
        END $$;
        """
    )
