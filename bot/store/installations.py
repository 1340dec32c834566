"""Slack installations (OAuth mode): slack_sdk's SQLAlchemy installation and OAuth state stores
on Newsbot's own engine (their tables come from migration 0009), plus the two questions workers
ask that slack_sdk's stores cannot answer in one step: a workspace's bot token by team id alone
(jobs record the team, not the Enterprise Grid org), and forgetting a workspace together with its
unfinished work."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, desc, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import write_tx
from bot.store.jobs import UNFINISHED
from bot.store.tables import jobs, utcnow

# The two tables slack_sdk's store writes (migration 0009 creates them), for the queries below.
_META = MetaData()
BOTS = AsyncSQLAlchemyInstallationStore.build_bots_table(
    _META, AsyncSQLAlchemyInstallationStore.default_bots_table_name
)
INSTALLATIONS = AsyncSQLAlchemyInstallationStore.build_installations_table(
    _META, AsyncSQLAlchemyInstallationStore.default_installations_table_name
)
UNINSTALLED = "uninstalled"  # the error code of a job dropped because its workspace removed the app
# An install started (state issued) must come back from Slack within this long.
OAUTH_STATE_SECONDS = 600


class InstallationsMixin:
    _engine: AsyncEngine

    def installation_store(self, client_id: str) -> AsyncSQLAlchemyInstallationStore:
        return AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=self._engine)

    def oauth_state_store(self) -> AsyncSQLAlchemyOAuthStateStore:
        return AsyncSQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=self._engine)

    async def bot_token(self, client_id: str, team: str) -> str | None:
        """The latest bot token installed for `team`, whatever org it belongs to; None if none."""
        c = BOTS.c
        stmt = (
            select(c.bot_token)
            .where(c.client_id == client_id, c.team_id == team, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def forget_workspace(self, client_id: str | None, team: str) -> int:
        """The app left `team` (uninstalled, or its bot token revoked): delete its installation
        (OAuth mode) and fail its queued and running jobs as `uninstalled`, in one transaction.
        Returns the number of jobs dropped. Its shares, archive and digest subscriptions stay: a
        reinstall picks the digests up again."""
        async with write_tx(self._engine) as conn:
            if client_id is not None:
                for table in (BOTS, INSTALLATIONS):
                    await conn.execute(table.delete().where(table.c.client_id == client_id, table.c.team_id == team))
            dropped = await conn.execute(
                update(jobs)
                .where(jobs.c.team == team, jobs.c.status.in_(UNFINISHED))
                .values(status="failed", error_code=UNINSTALLED, owner=None, lease_expires=None,
                        finished_at=utcnow())
            )
        return int(dropped.rowcount or 0)
