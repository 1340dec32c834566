"""Articles, their versioned analyses, entities and shares; the fresh-analysis cache; retention."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import Analysis, Article, Share
from bot.store import codec, counters
from bot.store.common import insert_ignore, share_from_row, share_time
from bot.store.engine import run_write, write_tx
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
PURGE_CHUNK = 2_000  # primary keys a retention transaction examines: short enough never to delay an ack


@dataclass(frozen=True, slots=True)
class StoredArticle:
    article_id: int
    article: Article
    analysis: Analysis
    analyzed_at: datetime
    first_share: Share | None = None
    etag: str | None = None  # validators of the read that analysis came from
    last_modified: str | None = None


def month_of(moment: datetime) -> str:
    """The org_months key: 'YYYY-MM' in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m")


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


def _article_id_for(conn: Connection, urls: list[str]) -> int | None:
    """The article any of `urls` reached (canonical URL first), in one round trip."""
    by_canonical = select(articles.c.id.label("id"), literal(0).label("pref")).where(articles.c.canonical_url.in_(urls))
    by_url = select(article_urls.c.article_id.label("id"), literal(1).label("pref")).where(article_urls.c.url.in_(urls))
    both = union_all(by_canonical, by_url).subquery()
    row = (conn.execute(select(both.c.id).order_by(both.c.pref).limit(1))).first()
    return int(row[0]) if row is not None else None


def _write_search(
    conn: Connection, article_id: int, article: Article, analysis: Analysis, *, replace: bool
) -> None:
    title = article.title or ""
    body = "\n\n".join(filter(None, [article.site_name, article.description, article.text]))
    themes = " ; ".join([t.label for t in analysis.themes] + [t.label for t in analysis.topics])
    params = {"id": article_id, "title": title, "body": body[:MAX_SEARCH_BODY_CHARS], "themes": themes}
    if conn.dialect.name == "sqlite":
        if replace:
            conn.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": article_id})
        conn.execute(
            text("INSERT INTO search_fts (rowid, title, body, themes) VALUES (:id, :title, :body, :themes)"),
            params,
        )
        return
    conn.execute(
        text(
            "INSERT INTO search_docs (article_id, doc, themes, title) VALUES (:id, "
            "setweight(to_tsvector('english', :title), 'A') || setweight(to_tsvector('english', :body), 'D'), "
            "to_tsvector('english', :themes), to_tsvector('english', :title)) "
            "ON CONFLICT (article_id) DO UPDATE SET "
            "doc = excluded.doc, themes = excluded.themes, title = excluded.title"
        ),
        params,
    )


def _ensure_entities(
    conn: Connection, table: Table, names: dict[str, str]
) -> tuple[dict[str, int], set[str]]:
    """Ids of entities by name_key (`names`: key -> name to create it under), creating the
    missing ones in one multi-row insert. Returns (ids, keys that were missing).

    Rows go in sorted key order, so concurrent PostgreSQL saves lock them in the same order
    and cannot deadlock; a key a concurrent save inserted first is read back afterwards.
    """
    if not names:
        return {}, set()
    keys = sorted(names)
    found = select(table.c.id, table.c.name_key).where(table.c.name_key.in_(keys))
    ids = {r.name_key: int(r.id) for r in (conn.execute(found)).all()}
    missing = [k for k in keys if k not in ids]
    if missing:
        stmt = insert_ignore(conn, table, ["name_key"]).values([{"name": names[k], "name_key": k} for k in missing])
        ids.update({r.name_key: int(r.id) for r in (conn.execute(stmt.returning(table.c.id, table.c.name_key)))})
        lost = [k for k in missing if k not in ids]
        if lost:
            raced = select(table.c.id, table.c.name_key).where(table.c.name_key.in_(lost))
            ids.update({r.name_key: int(r.id) for r in (conn.execute(raced)).all()})
    return ids, set(missing)


def _save_orgs(conn: Connection, article_id: int, analysis_id: int, analysis: Analysis, sort_at: datetime) -> None:
    """Organizations resolve through their aliases: one org whose name or any alias is already
    known becomes that organization (its own name first), and its new aliases point there."""
    orgs = sorted(analysis.organizations, key=lambda o: codec.org_key(o.name))
    if not orgs:
        return
    org_keys = [{codec.org_key(a): a for a in (*o.aliases, o.name) if a.strip()} for o in orgs]
    every = sorted({k for keys in org_keys for k in keys})
    rows = (conn.execute(select(org_aliases).where(org_aliases.c.alias_key.in_(every)))).all()
    known = {r.alias_key for r in rows}
    # alias key -> ("id", org id) when stored, ("new", name key) for an org this save creates;
    # filled in order, so a later org sharing an alias with an earlier new one joins it.
    owner: dict[str, tuple[str, Any]] = {r.alias_key: ("id", r.org_id) for r in rows}
    new_names: dict[str, str] = {}
    resolved: list[tuple[str, Any]] = []
    for org, keys in zip(orgs, org_keys, strict=True):
        own = codec.org_key(org.name)
        ref = owner.get(own) or next((owner[k] for k in keys if k in owner), None)
        if ref is None:
            name = org.name[4:] if org.name[:4].lower() == "the " else org.name
            new_names.setdefault(own, name)
            ref = ("new", own)
        for k in keys:
            owner.setdefault(k, ref)
        resolved.append(ref)
    created, _ = _ensure_entities(conn, organizations, new_names)

    def org_id(ref: tuple[str, Any]) -> int:
        return int(ref[1]) if ref[0] == "id" else created[ref[1]]

    aliases = {k: a for keys in org_keys for k, a in keys.items() if k not in known}
    if aliases:
        conn.execute(
            insert_ignore(conn, org_aliases, ["alias_key"]),
            [{"alias_key": k, "alias": aliases[k], "org_id": org_id(owner[k])} for k in sorted(aliases)],
        )
    counts: dict[int, int] = {}
    for org, ref in zip(orgs, resolved, strict=True):
        oid = org_id(ref)
        counts[oid] = counts.get(oid, 0) + org.mentions
    month = month_of(sort_at)
    conn.execute(
        insert(org_mentions),
        [
            {"analysis_id": analysis_id, "org_id": o, "article_id": article_id, "mentions": n,
             "sort_at": sort_at, "month": month}
            for o, n in counts.items()
        ],
    )


@dataclass(frozen=True, slots=True)
class PeopleRows:
    """What a save stores about people, decided before any id exists (pure; the search bench's
    bulk build uses it too): `names` (name key -> name to create), each quote's speaker as a
    name key (None: unnamed, or a surname the article gives to two people), and per person the
    mention row (title, mentions, quoted)."""

    names: dict[str, str]
    speakers: list[str | None]
    mentions: dict[str, dict[str, Any]]


def people_rows(analysis: Analysis) -> PeopleRows:
    """People: those NER found plus every named speaker; a speaker given by surname only
    ("Doty said") is the article's person with that surname when there is exactly one."""
    people_sorted = sorted(analysis.people, key=lambda p: codec.name_key(p.name))
    names: dict[str, str] = {}
    key_to_person: dict[str, str | None] = {}  # full name or surname -> name key (None: ambiguous)
    for person in people_sorted:
        nk = codec.name_key(person.name)
        names.setdefault(nk, person.name)
        for k in codec.person_keys(person.name):
            key_to_person[k] = nk if key_to_person.get(k, nk) == nk else None
    speakers: list[str | None] = []
    for q in analysis.quotes:
        speaker: str | None = None
        if q.speaker and q.speaker.strip():
            skey = codec.name_key(q.speaker)
            speaker = key_to_person.get(skey)
            if speaker is None and skey not in key_to_person:
                names.setdefault(skey, q.speaker)
                key_to_person[skey] = speaker = skey
        speakers.append(speaker)
    mentions: dict[str, dict[str, Any]] = {}
    for person in people_sorted:
        r = mentions.setdefault(codec.name_key(person.name), {"title": person.title, "mentions": 0, "quoted": False})
        r["mentions"] += person.mentions
        r["quoted"] = r["quoted"] or person.quoted
    for q, who in zip(analysis.quotes, speakers, strict=True):
        if who is not None:
            mentions.setdefault(who, {"title": q.speaker_title, "mentions": 1, "quoted": True})["quoted"] = True
    return PeopleRows(names, speakers, mentions)


def _save_people(conn: Connection, article_id: int, analysis_id: int, analysis: Analysis, sort_at: datetime) -> None:
    plan = people_rows(analysis)
    ids, created = _ensure_entities(conn, people, plan.names)
    if created:
        conn.execute(
            insert_ignore(conn, person_aliases, ["alias_key", "person_id"]),
            sorted(
                ({"alias_key": k, "person_id": ids[nk]} for nk in created for k in codec.person_keys(plan.names[nk])),
                key=lambda r: (r["alias_key"], r["person_id"]),
            ),
        )
    quote_rows = [
        {
            "analysis_id": analysis_id,
            "article_id": article_id,
            "person_id": ids[who] if who is not None else None,
            "position": pos,
            "text": q.text,
            "speaker": q.speaker,
            "speaker_title": q.speaker_title,
            "key": q.key,
            "score": q.score,
            "sort_at": sort_at,
            "source_kind": q.source_kind or None,
            "source_org": q.source_org,
        }
        for pos, (q, who) in enumerate(zip(analysis.quotes, plan.speakers, strict=True))
    ]
    if plan.mentions:
        conn.execute(
            insert(person_mentions),
            [
                {"analysis_id": analysis_id, "person_id": ids[nk], "article_id": article_id, **r}
                for nk, r in plan.mentions.items()
            ],
        )
    if quote_rows:
        conn.execute(insert(quotes), quote_rows)


def _save_entities(
    conn: Connection, article_id: int, analysis_id: int, analysis: Analysis, sort_at: datetime, *, replace: bool
) -> None:
    """Organizations, people, mentions and quotes in a bounded number of statements (about eight,
    however many entities): each is a round trip, and a SQLite save holds the one write lock.

    Mentions are kept for the latest analysis only, so a new one replaces the old rows, and the
    organization counters of every team holding the article move with them."""
    teams = counters.teams_holding(conn, article_id) if replace else []
    if replace:
        counters.bump(conn, article_id, teams, -1)
        for table in (quotes, org_mentions, person_mentions):
            conn.execute(delete(table).where(table.c.article_id == article_id))
    _save_orgs(conn, article_id, analysis_id, analysis, sort_at)
    _save_people(conn, article_id, analysis_id, analysis, sort_at)
    counters.bump(conn, article_id, teams, +1)


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP validators of the read being saved (None: the page gave none, or a local file)."""

    etag: str | None = None
    last_modified: str | None = None


def _save_article(
    conn: Connection, url: str, article: Article, analysis: Analysis, version: str, validators: Validators
) -> int:
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
        "etag": (validators.etag or "")[:512] or None,
        "last_modified": (validators.last_modified or "")[:64] or None,
    }
    published = parse_published(article.published)
    url_keys = list(dict.fromkeys(u for u in (url, canonical, article.url) if u))
    article_id = _article_id_for(conn, url_keys)
    is_new = article_id is None
    if article_id is None:
        stmt = insert(articles).values(**values, sort_at=published or now, first_seen_at=now)
        article_id = int((conn.execute(stmt.returning(articles.c.id))).scalar_one())
    else:
        if published is not None:
            values["sort_at"] = published
        values.pop("canonical_url")  # keep the first canonical: other rows may point to it
    conn.execute(
        insert_ignore(conn, article_urls, ["url"]), [{"url": u, "article_id": article_id} for u in url_keys]
    )
    analysis_id = (
        conn.execute(
            insert(analyses)
            .values(
                article_id=article_id, analyzer_version=version, created_at=now, data=codec.analysis_to_json(analysis)
            )
            .returning(analyses.c.id)
        )
    ).scalar_one()
    latest = {"latest_analysis_id": analysis_id}
    sort_at = conn.execute(
        update(articles)
        .where(articles.c.id == article_id)
        .values(**(latest if is_new else {**values, **latest}))
        .returning(articles.c.sort_at)
    ).scalar_one()
    _save_entities(conn, article_id, analysis_id, analysis, sort_at, replace=not is_new)
    _write_search(conn, article_id, article, analysis, replace=not is_new)
    return article_id


def _save_tx(
    url: str, article: Article, analysis: Analysis, share: Share | None, version: str, validators: Validators,
    conn: Connection,
) -> int:
    """One save as a sync function of a connection: `run_write` runs it in one hop."""
    article_id = _save_article(conn, url, article, analysis, version, validators)
    if share is not None:
        _insert_share(conn, article_id, share)
    return article_id


def _insert_share(conn: Connection, article_id: int, share: Share) -> None:
    """Record the share; an article's first share in a team adds it to that team's counters."""
    values = {
        "article_id": article_id,
        "team": share.team,
        "channel": share.channel,
        "message_ts": share.message_ts,
        "thread_ts": share.thread_ts,
        "user": share.user,
        "shared_at": share_time(share),
    }
    inserted = conn.execute(insert_ignore(conn, shares, ["team", "channel", "message_ts", "article_id"]), values)
    if inserted.rowcount == 1:
        held = select(func.count()).where(shares.c.article_id == article_id, shares.c.team == share.team)
        if conn.execute(held).scalar_one() == 1:
            counters.bump(conn, article_id, [share.team], +1)


def _delete_where(conn: Connection, table: Table, where: ColumnElement[bool]) -> int:
    """One retention chunk. Deleting a team's last share of an article takes the article out of
    that team's organization counters; SQLite's FTS5 table has no foreign key to cascade."""
    ids = [r[0] for r in conn.execute(select(table.c.id).where(where)).all()]
    if not ids:
        return 0
    held: list[tuple[str, int]] = []
    if table is shares:
        held = sorted({(r.team, r.article_id) for r in conn.execute(select(shares).where(shares.c.id.in_(ids)))})
    if table is articles and conn.dialect.name == "sqlite":
        conn.execute(text("DELETE FROM search_fts WHERE rowid IN (" + ",".join(map(str, ids)) + ")"))
    conn.execute(delete(table).where(table.c.id.in_(ids)))
    for team, article_id in held:
        still = select(shares.c.id).where(shares.c.article_id == article_id, shares.c.team == team).limit(1)
        if conn.execute(still).first() is None:
            counters.bump(conn, article_id, [team], -1)
    return len(ids)


class ArchiveMixin:
    _engine: AsyncEngine

    async def save_article(
        self, url: str, article: Article, analysis: Analysis, *, analyzer_version: str = ANALYZER_VERSION,
        validators: Validators = Validators(),
    ) -> int:
        """Upsert the article on its canonical URL and store `analysis` as a new version."""
        return await self._save(url, article, analysis, None, analyzer_version, validators)

    async def save_and_share(
        self, url: str, article: Article, analysis: Analysis, share: Share, *, analyzer_version: str = ANALYZER_VERSION,
        validators: Validators = Validators(),
    ) -> int:
        """`save_article` and `record_share` in one write transaction (one turn at the write lock)."""
        return await self._save(url, article, analysis, share, analyzer_version, validators)

    async def _save(
        self, url: str, article: Article, analysis: Analysis, share: Share | None, version: str,
        validators: Validators,
    ) -> int:
        for attempt in (1, 2):
            try:
                save = functools.partial(_save_tx, url, article, analysis, share, version, validators)
                return await run_write(self._engine, save)
            except IntegrityError:  # a concurrent save of the same article won the insert
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def fresh_article(
        self, url: str, max_age: timedelta, *, analyzer_version: str | None = ANALYZER_VERSION
    ) -> StoredArticle | None:
        """The latest analysis of the article reached by `url` (any URL it was seen under), if
        younger than `max_age` and made by `analyzer_version` (None: any version)."""
        async with self._engine.connect() as conn:
            article_id = await conn.run_sync(_article_id_for, [url])
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
            etag=art.etag,
            last_modified=art.last_modified,
        )

    async def set_validators(self, article_id: int, validators: Validators) -> None:
        """A re-read found the same story under new validators: keep them, so the next re-share's
        conditional request can be answered 304 (and is not read and analysed again)."""
        values = {"etag": (validators.etag or "")[:512] or None,
                  "last_modified": (validators.last_modified or "")[:64] or None}
        async with write_tx(self._engine) as conn:
            await conn.execute(update(articles).where(articles.c.id == article_id).values(**values))

    async def record_share(self, article_id: int, share: Share) -> None:
        """Remember who shared the article where and when (idempotent per message)."""
        async with write_tx(self._engine) as conn:
            await conn.run_sync(_insert_share, article_id, share)

    async def purge(self, older_than: timedelta | datetime) -> dict[str, int]:
        """Retention: delete shares and finished jobs older than the cutoff, analyses older than
        it that a newer one superseded, articles left with no share and no recent analysis, and
        organizations and people nobody mentions any more.

        Each table is walked in primary-key chunks, each chunk its own short transaction: a sweep
        of a million stories never holds the (SQLite) write lock long enough to delay the ack
        path's `enqueue_job`, and never rescans rows an earlier chunk kept.
        """
        cutoff = utcnow() - older_than if isinstance(older_than, timedelta) else older_than
        newer = analyses.alias("newer")
        superseded = exists().where(newer.c.article_id == analyses.c.article_id, newer.c.id > analyses.c.id)
        recent = exists().where(analyses.c.article_id == articles.c.id, analyses.c.created_at >= cutoff)
        shared = exists().where(shares.c.article_id == articles.c.id)
        return {
            "shares": await self._delete_in_chunks(shares, shares.c.shared_at < cutoff),
            "jobs": await self._delete_in_chunks(
                jobs, and_(jobs.c.status.in_(("done", "failed")), jobs.c.created_at < cutoff)
            ),
            "analyses": await self._delete_in_chunks(analyses, and_(analyses.c.created_at < cutoff, superseded)),
            "articles": await self._delete_in_chunks(articles, and_(~recent, ~shared)),
            "organizations": await self._delete_in_chunks(
                organizations, ~exists().where(org_mentions.c.org_id == organizations.c.id)
            ),
            "people": await self._delete_in_chunks(
                people,
                and_(
                    ~exists().where(person_mentions.c.person_id == people.c.id),
                    ~exists().where(quotes.c.person_id == people.c.id),
                ),
            ),
        }

    async def _delete_in_chunks(self, table: Table, condition: ColumnElement[bool]) -> int:
        deleted, low = 0, 0
        while True:
            async with write_tx(self._engine) as conn:
                chunk = select(table.c.id).where(table.c.id > low).order_by(table.c.id).limit(PURGE_CHUNK).subquery()
                high = (await conn.execute(select(func.max(chunk.c.id)))).scalar()
                if high is None:
                    return deleted
                where = and_(table.c.id > low, table.c.id <= high, condition)
                deleted += await conn.run_sync(_delete_where, table, where)
                low = high

    async def article_count(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(articles))).scalar_one())
