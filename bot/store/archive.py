"""Articles, their versioned analyses, entities and shares; the fresh-analysis cache; retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, exists, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import Analysis, Article, Share
from bot.store import codec
from bot.store.common import insert_ignore, share_from_row, share_time
from bot.store.engine import write_tx
from bot.store.tables import (
    analyses,
    article_urls,
    articles,
    jobs,
    org_aliases,
    org_mentions,
    organizations,
    people,
    person_aliases,
    person_mentions,
    quotes,
    shares,
    utcnow,
)

# Bump when the analyzer improves enough that stored analyses should be redone: fresh_article
# only returns analyses made by this version, and each save stores a new analyses row.
ANALYZER_VERSION = "1"
MAX_SEARCH_BODY_CHARS = 200_000  # PostgreSQL tsvectors are capped at 1 MB


@dataclass(frozen=True, slots=True)
class StoredArticle:
    article_id: int
    article: Article
    analysis: Analysis
    analyzed_at: datetime
    first_share: Share | None = None


def parse_published(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        value = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def article_from_row(row: Any, url: str | None = None) -> Article:
    return Article(
        url=url or row.canonical_url,
        canonical_url=row.canonical_url,
        title=row.title,
        authors=tuple(row.authors or ()),
        published=row.published,
        site_name=row.site_name,
        language=row.language,
        description=row.description,
        paragraphs=tuple(row.paragraphs or ()),
    )


async def _article_id_for(conn: AsyncConnection, urls: list[str]) -> int | None:
    row = (await conn.execute(select(articles.c.id).where(articles.c.canonical_url.in_(urls)))).first()
    if row is None:
        row = (await conn.execute(select(article_urls.c.article_id).where(article_urls.c.url.in_(urls)))).first()
    return row[0] if row is not None else None


async def _write_search(conn: AsyncConnection, article_id: int, article: Article, analysis: Analysis) -> None:
    title = article.title or ""
    body = "\n\n".join(filter(None, [article.site_name, article.description, article.text]))
    themes = " ; ".join([t.label for t in analysis.themes] + [t.label for t in analysis.topics])
    params = {"id": article_id, "title": title, "body": body[:MAX_SEARCH_BODY_CHARS], "themes": themes}
    if conn.dialect.name == "sqlite":
        await conn.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": article_id})
        await conn.execute(
            text("INSERT INTO search_fts (rowid, title, body, themes) VALUES (:id, :title, :body, :themes)"),
            params,
        )
        return
    await conn.execute(
        text(
            "INSERT INTO search_docs (article_id, doc, themes) VALUES (:id, "
            "setweight(to_tsvector('english', :title), 'A') || setweight(to_tsvector('english', :body), 'D'), "
            "to_tsvector('english', :themes)) "
            "ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc, themes = excluded.themes"
        ),
        params,
    )


async def _insert_or_get(conn: AsyncConnection, table: Table, name: str, key: str) -> int:
    """Insert an entity unless a concurrent save just did; either way return its id."""
    stmt = insert_ignore(conn, table, ["name_key"]).values(name=name, name_key=key).returning(table.c.id)
    new = (await conn.execute(stmt)).scalar_one_or_none()
    if new is not None:
        return int(new)
    return int((await conn.execute(select(table.c.id).where(table.c.name_key == key))).scalar_one())


async def _org_id(conn: AsyncConnection, name: str, aliases: tuple[str, ...]) -> int:
    keys = {codec.org_key(a): a for a in (*aliases, name) if a.strip()}
    own = codec.org_key(name)
    rows = (await conn.execute(select(org_aliases).where(org_aliases.c.alias_key.in_(list(keys))))).all()
    by_key = {r.alias_key: r.org_id for r in rows}
    org_id = by_key.get(own) or next(iter(by_key.values()), None)
    if org_id is None:
        if name[:4].lower() == "the ":
            name = name[4:]
        org_id = await _insert_or_get(conn, organizations, name, own)
    missing = [{"alias_key": k, "alias": a, "org_id": org_id} for k, a in keys.items() if k not in by_key]
    if missing:
        await conn.execute(insert_ignore(conn, org_aliases, ["alias_key"]), missing)
    return int(org_id)


async def _person_id(conn: AsyncConnection, name: str) -> int:
    key = codec.name_key(name)
    row = (await conn.execute(select(people.c.id).where(people.c.name_key == key))).first()
    if row is not None:
        return int(row[0])
    person_id = await _insert_or_get(conn, people, name, key)
    await conn.execute(
        insert_ignore(conn, person_aliases, ["alias_key", "person_id"]),
        [{"alias_key": k, "person_id": person_id} for k in codec.person_keys(name)],
    )
    return int(person_id)


async def _save_entities(conn: AsyncConnection, article_id: int, analysis_id: int, analysis: Analysis) -> None:
    org_counts: dict[int, int] = {}
    for org in sorted(analysis.organizations, key=lambda o: codec.org_key(o.name)):
        oid = await _org_id(conn, org.name, org.aliases)
        org_counts[oid] = org_counts.get(oid, 0) + org.mentions
    if org_counts:
        await conn.execute(
            insert(org_mentions),
            [
                {"analysis_id": analysis_id, "org_id": o, "article_id": article_id, "mentions": n}
                for o, n in org_counts.items()
            ],
        )

    # People: those NER found plus every named speaker; a speaker given by surname only
    # ("Doty said") is the article's person with that surname when there is exactly one.
    person_rows: dict[int, dict[str, Any]] = {}
    key_to_person: dict[str, int | None] = {}
    pid: int | None
    for person in sorted(analysis.people, key=lambda p: codec.name_key(p.name)):
        pid = await _person_id(conn, person.name)
        r = person_rows.setdefault(pid, {"title": person.title, "mentions": 0, "quoted": False})
        r["mentions"] += person.mentions
        r["quoted"] = r["quoted"] or person.quoted
        for k in codec.person_keys(person.name):
            key_to_person[k] = pid if key_to_person.get(k, pid) == pid else None  # ambiguous -> None
    quote_rows = []
    for pos, q in enumerate(analysis.quotes):
        pid = None
        if q.speaker and q.speaker.strip():
            skey = codec.name_key(q.speaker)
            pid = key_to_person.get(skey)
            if pid is None and skey not in key_to_person:
                pid = await _person_id(conn, q.speaker)
                key_to_person[skey] = pid
            if pid is not None:
                r = person_rows.setdefault(pid, {"title": q.speaker_title, "mentions": 1, "quoted": True})
                r["quoted"] = True
        quote_rows.append(
            {
                "analysis_id": analysis_id,
                "article_id": article_id,
                "person_id": pid,
                "position": pos,
                "text": q.text,
                "speaker": q.speaker,
                "speaker_title": q.speaker_title,
                "key": q.key,
                "score": q.score,
            }
        )
    if person_rows:
        await conn.execute(
            insert(person_mentions),
            [
                {"analysis_id": analysis_id, "person_id": p, "article_id": article_id, **r}
                for p, r in person_rows.items()
            ],
        )
    if quote_rows:
        await conn.execute(insert(quotes), quote_rows)


class ArchiveMixin:
    _engine: AsyncEngine

    async def save_article(
        self, url: str, article: Article, analysis: Analysis, *, analyzer_version: str = ANALYZER_VERSION
    ) -> int:
        """Upsert the article on its canonical URL and store `analysis` as a new version."""
        for attempt in (1, 2):
            try:
                return await self._save_article(url, article, analysis, analyzer_version)
            except IntegrityError:  # a concurrent save of the same article won the insert
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _save_article(self, url: str, article: Article, analysis: Analysis, version: str) -> int:
        canonical = article.canonical_url or url
        now = utcnow()
        values = {
            "canonical_url": canonical,
            "title": article.title,
            "site_name": article.site_name,
            "authors": list(article.authors),
            "published": article.published,
            "language": article.language,
            "description": article.description,
            "paragraphs": list(article.paragraphs),
            "word_count": article.word_count,
            "updated_at": now,
        }
        published = parse_published(article.published)
        url_keys = list(dict.fromkeys(u for u in (url, canonical, article.url) if u))
        async with write_tx(self._engine) as conn:
            article_id = await _article_id_for(conn, url_keys)
            if article_id is None:
                stmt = insert(articles).values(**values, sort_at=published or now, first_seen_at=now)
                article_id = (await conn.execute(stmt.returning(articles.c.id))).scalar_one()
            else:
                if published is not None:
                    values["sort_at"] = published
                values.pop("canonical_url")  # keep the first canonical: other rows may point to it
                await conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
            await conn.execute(
                insert_ignore(conn, article_urls, ["url"]), [{"url": u, "article_id": article_id} for u in url_keys]
            )
            analysis_id = (
                await conn.execute(
                    insert(analyses)
                    .values(
                        article_id=article_id,
                        analyzer_version=version,
                        created_at=now,
                        data=codec.analysis_to_json(analysis),
                    )
                    .returning(analyses.c.id)
                )
            ).scalar_one()
            await conn.execute(
                update(articles).where(articles.c.id == article_id).values(latest_analysis_id=analysis_id)
            )
            await _save_entities(conn, article_id, analysis_id, analysis)
            await _write_search(conn, article_id, article, analysis)
        return int(article_id)

    async def fresh_article(
        self, url: str, max_age: timedelta, *, analyzer_version: str | None = ANALYZER_VERSION
    ) -> StoredArticle | None:
        """The latest analysis of the article reached by `url` (any URL it was seen under), if
        younger than `max_age` and made by `analyzer_version` (None: any version)."""
        async with self._engine.connect() as conn:
            article_id = await _article_id_for(conn, [url])
            if article_id is None:
                return None
            return await self._stored(conn, article_id, url, utcnow() - max_age, analyzer_version)

    async def get_article(self, article_id: int) -> StoredArticle | None:
        """The article with its latest analysis (any age, any version)."""
        async with self._engine.connect() as conn:
            return await self._stored(conn, article_id, None, None, None)

    async def _stored(
        self,
        conn: AsyncConnection,
        article_id: int,
        url: str | None,
        since: datetime | None,
        version: str | None,
    ) -> StoredArticle | None:
        q = select(analyses).where(analyses.c.article_id == article_id)
        if since is not None:
            q = q.where(analyses.c.created_at >= since)
        if version is not None:
            q = q.where(analyses.c.analyzer_version == version)
        an = (await conn.execute(q.order_by(analyses.c.id.desc()).limit(1))).first()
        if an is None:
            return None
        art = (await conn.execute(select(articles).where(articles.c.id == article_id))).one()
        first = select(shares).where(shares.c.article_id == article_id)
        sh = (await conn.execute(first.order_by(shares.c.shared_at, shares.c.id).limit(1))).first()
        return StoredArticle(
            article_id=article_id,
            article=article_from_row(art, url),
            analysis=codec.analysis_from_json(an.data),
            analyzed_at=an.created_at,
            first_share=share_from_row(sh) if sh is not None else None,
        )

    async def record_share(self, article_id: int, share: Share) -> None:
        """Remember who shared the article where and when (idempotent per message)."""
        values = {
            "article_id": article_id,
            "team": share.team,
            "channel": share.channel,
            "message_ts": share.message_ts,
            "thread_ts": share.thread_ts,
            "user": share.user,
            "shared_at": share_time(share),
        }
        async with write_tx(self._engine) as conn:
            await conn.execute(insert_ignore(conn, shares, ["team", "channel", "message_ts", "article_id"]), values)

    async def purge(self, older_than: timedelta | datetime) -> dict[str, int]:
        """Retention: delete shares and finished jobs older than the cutoff, analyses older than
        it that a newer one superseded, and articles left with no share and no recent analysis."""
        cutoff = utcnow() - older_than if isinstance(older_than, timedelta) else older_than
        counts: dict[str, int] = {}
        async with write_tx(self._engine) as conn:
            counts["shares"] = (await conn.execute(delete(shares).where(shares.c.shared_at < cutoff))).rowcount
            counts["jobs"] = (
                await conn.execute(
                    delete(jobs).where(jobs.c.status.in_(("done", "failed")), jobs.c.created_at < cutoff)
                )
            ).rowcount
            newer = analyses.alias("newer")
            superseded = exists().where(newer.c.article_id == analyses.c.article_id, newer.c.id > analyses.c.id)
            counts["analyses"] = (
                await conn.execute(delete(analyses).where(analyses.c.created_at < cutoff, superseded))
            ).rowcount
            recent = exists().where(analyses.c.article_id == articles.c.id, analyses.c.created_at >= cutoff)
            shared = exists().where(shares.c.article_id == articles.c.id)
            doomed = [r[0] for r in (await conn.execute(select(articles.c.id).where(~recent, ~shared))).all()]
            for chunk in range(0, len(doomed), 500):
                ids = doomed[chunk : chunk + 500]
                if conn.dialect.name == "sqlite":  # the FTS5 table has no foreign key
                    await conn.execute(
                        text("DELETE FROM search_fts WHERE rowid IN (" + ",".join(map(str, ids)) + ")")
                    )
                await conn.execute(delete(articles).where(articles.c.id.in_(ids)))
            counts["articles"] = len(doomed)
            # entities nobody mentions any more
            await conn.execute(
                delete(organizations).where(~exists().where(org_mentions.c.org_id == organizations.c.id))
            )
            await conn.execute(
                delete(people).where(
                    ~exists().where(person_mentions.c.person_id == people.c.id),
                    ~exists().where(quotes.c.person_id == people.c.id),
                )
            )
        return counts

    async def article_count(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(articles))).scalar_one())
