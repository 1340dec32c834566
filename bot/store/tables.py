"""The schema, as SQLAlchemy Core tables: one place to read what Newsbot keeps.

Privacy: from Slack we keep only who shared which link, where and when (`shares`, `jobs`);
never other message text. Full-text search structures are dialect-specific and created by the
migration (SQLite FTS5 virtual table / PostgreSQL tsvector + GIN), not declared here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both dialects (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canonical_url", String(2048), nullable=False, unique=True),
    Column("title", Text),
    Column("site_name", String(300)),
    Column("authors", JSON, nullable=False, default=list),
    Column("published", String(40)),  # as the page states it (ISO 8601)
    Column("language", String(16)),
    Column("description", Text),
    Column("paragraphs", JSON, nullable=False, default=list),
    Column("word_count", Integer, nullable=False, default=0),
    # published date when known, else first seen: what recency ranking and digests sort by
    Column("sort_at", UTCDateTime, nullable=False, index=True),
    Column("first_seen_at", UTCDateTime, nullable=False, default=utcnow),
    # the newest analysis; quotes and mentions are kept for it only (older ones live on as JSON)
    Column("latest_analysis_id", Integer, index=True),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    # the page's validators at its latest read: a re-share asks "changed since?" (story changes)
    Column("etag", String(512)),
    Column("last_modified", String(64)),
)

# Every URL an article was reached by (as shared, normalized, canonical): fresh-cache lookups.
article_urls = Table(
    "article_urls",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
)

analyses = Table(
    "analyses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("analyzer_version", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("data", JSON, nullable=False),  # the whole `Analysis`, to rebuild it exactly
    Index("ix_analyses_article_created", "article_id", "created_at"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="SET NULL")),
    Column("position", Integer, nullable=False),  # order within the article
    Column("text", Text, nullable=False),
    Column("speaker", String(300)),
    Column("speaker_title", String(300)),
    Column("key", Boolean, nullable=False, default=False),
    Column("score", Float, nullable=False, default=0.0),
    Column("sort_at", UTCDateTime, nullable=False),  # the article's: newest first per person, one index
    Column("source_kind", String(16)),  # the sources ledger's category (bot.analysis.source_kinds)
    Column("source_org", String(300)),  # the organization the speaker speaks for, if named
    # "what has X said", newest first: walk this index backwards, stop at a page
    Index("ix_quotes_person_sort", "person_id", "sort_at", "id"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_key", String(300), nullable=False, unique=True),  # casefolded canonical name
)

org_aliases = Table(
    "org_aliases",
    metadata,
    Column("alias_key", String(300), primary_key=True),  # casefolded; the name itself included
    Column("alias", String(300), nullable=False),
    Column("org_id", Integer, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
)

org_mentions = Table(
    "org_mentions",
    metadata,
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("mentions", Integer, nullable=False, default=1),
    Column("sort_at", UTCDateTime, nullable=False),  # the article's: newest first per org, one index
    Column("month", String(7), nullable=False),  # 'YYYY-MM' of sort_at (UTC): the org_months key
    Index("ix_org_mentions_org_sort", "org_id", "sort_at", "article_id"),
)

# Articles per (team, organization, month): what an organization report counts, kept current by
# saves, shares and retention (an org in tens of thousands of stories is never scanned to count).
org_months = Table(
    "org_months",
    metadata,
    Column("team", String(32), primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("articles", Integer, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_key", String(300), nullable=False, unique=True),
)

person_aliases = Table(
    "person_aliases",
    metadata,
    Column("alias_key", String(300), nullable=False),  # full name and surname, casefolded
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("alias_key", "person_id"),
    Index("ix_person_aliases_person", "person_id"),
)

person_mentions = Table(
    "person_mentions",
    metadata,
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(300)),
    Column("mentions", Integer, nullable=False, default=1),
    Column("quoted", Boolean, nullable=False, default=False),
    Index("ix_person_mentions_person", "person_id"),
)

shares = Table(
    "shares",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("team", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("message_ts", String(32), nullable=False),
    Column("thread_ts", String(32)),
    Column("user", String(32)),
    Column("shared_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("team", "channel", "message_ts", "article_id"),
    # "was it shared in this team": one probe per candidate article (search, quotes, orgs)
    Index("ix_shares_article_id_team", "article_id", "team"),
    # "recently shared" (in a channel, in a team): walk the newest shares, stop at a page
    Index("ix_shares_channel_recent", "team", "channel", "shared_at", "id"),
    Index("ix_shares_team_recent", "team", "shared_at", "id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("message_ts", String(32), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("thread_ts", String(32)),
    Column("user", String(32)),
    Column("shared_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, default="queued", index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error_code", String(64)),
    Column("reply_ts", String(32)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("claimed_at", UTCDateTime),
    Column("claimed_by", String(128)),  # the worker instance (host, pid) that last claimed it: for people
    Column("owner", String(32)),  # claim token of the process holding it (bot/store/claims.py)
    Column("lease_expires", Float),  # database-clock seconds; renewed by the owner's heartbeat
    Column("finished_at", UTCDateTime),
    UniqueConstraint("team", "channel", "message_ts", "url"),
)

digest_subscriptions = Table(
    "digest_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("time", String(5), nullable=False),  # local 'HH:MM'
    Column("timezone", String(64), nullable=False),
    Column("days", String(16), nullable=False, default="weekdays"),  # 'weekdays' | 'daily'
    Column("created_by", String(32)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    UniqueConstraint("team", "channel", "time"),
)

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("local_date", String(10), nullable=False),  # 'YYYY-MM-DD' in the subscription's zone
    Column("slot", String(5), nullable=False),  # the subscription's 'HH:MM'
    Column("status", String(16), nullable=False, default="running"),
    Column("message_ts", String(32)),
    Column("article_count", Integer),
    Column("started_at", UTCDateTime, nullable=False, default=utcnow),
    Column("finished_at", UTCDateTime),
    Column("owner", String(32)),  # claim token (bot/store/claims.py), as on jobs
    Column("lease_expires", Float),
    Column("attempts", Integer, nullable=False, default=1, server_default="1"),
    UniqueConstraint("team", "channel", "local_date", "slot"),
)
