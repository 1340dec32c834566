"""Slack installations and OAuth state (many workspaces: SLACK_CLIENT_ID / SLACK_CLIENT_SECRET)

The tables slack_sdk's `AsyncSQLAlchemyInstallationStore` and `AsyncSQLAlchemyOAuthStateStore`
read and write (`slack_installations`, `slack_bots`, `slack_oauth_states`), built by slack_sdk's
own table builders so the columns are exactly what the pinned slack_sdk (3.40.x) expects. A later
slack_sdk that adds columns needs a migration of its own. Created in every mode: single-workspace
installs simply leave them empty.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _tables() -> sa.MetaData:
    meta = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(meta, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(meta, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(meta, "slack_oauth_states")
    return meta


def upgrade() -> None:
    _tables().create_all(op.get_bind())


def downgrade() -> None:
    _tables().drop_all(op.get_bind())
