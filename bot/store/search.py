"""Archive lookups behind one interface: full-text search (SQLite FTS5 / PostgreSQL tsvector),
quotes by person, organization reports, themes, recent articles.

Ranking: text relevance (bm25 / ts_rank_cd, title weighted above body) divided by an age
factor, so among equally relevant articles the newer one wins.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import Quote, Share
from bot.store import codec
from bot.store.common import share_from_row
from bot.store.tables import (
    articles,
    org_aliases,
    org_mentions,
    organizations,
    people,
    person_aliases,
    quotes,
    shares,
)

# Relevance is divided by 1 + ln(1 + age / RECENCY_DAYS): a month-old article needs ~1.7x the
# relevance of today's, a year-old one ~3.6x, a seven-year-old one ~5.5x. Logarithmic so
# old but much better matches (a title hit) still win in an archive.
RECENCY_DAYS = 30.0
TITLE_WEIGHT = 10.0  # bm25 column weight of the title against the body (SQLite)
MAX_TERMS = 12  # longer queries are cut: more terms only slow the match down
ORG_REPORT_ARTICLES = 300  # newest articles scanned for "who from it was quoted"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ArticleHit:
    article_id: int
    title: str | None
    url: str
    site_name: str | None
    published: str | None
    date: datetime  # published date when known, else first seen
    share: Share | None = None  # the first share (in the asking team, when scoped)
    quote: Quote | None = None  # a quote matching the query, if any


@dataclass(frozen=True, slots=True)
class QuoteHit:
    quote: Quote
    article: ArticleHit


@dataclass(frozen=True, slots=True)
class ResultPage:
    """One page of results; `has_more` says whether a "More" button makes sense."""

    items: list[Any]
    offset: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class OrgReport:
    name: str
    aliases: tuple[str, ...]
    article_count: int
    by_month: list[tuple[str, int]]  # ("2024-03", n), oldest first
    articles: ResultPage  # of ArticleHit, newest first
    quoted: list[tuple[str, str | None, int]] = field(default_factory=list)  # speaker, title, quotes


def terms(query: str) -> list[str]:
    """Words of the query, lowercased, deduplicated; operators and punctuation dropped."""
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    """Each word quoted (no FTS5 syntax injection), implicitly ANDed."""
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


def best_quote(candidates: list[Quote], words: list[str]) -> Quote | None:
    """The quote containing most query words (by word prefix, so 'vaccine' finds 'vaccines')."""
    best, best_hits = None, 0
    for q in candidates:
        low = q.text.lower()
        hits = sum(1 for w in words if re.search(r"\b" + re.escape(w[: max(4, len(w) - 2)]), low))
        if hits > best_hits or (hits == best_hits and hits and best is not None and q.key and not best.key):
            best, best_hits = q, hits
    return best


def _quote(row: Any) -> Quote:
    return Quote(text=row.text, speaker=row.speaker, speaker_title=row.speaker_title, key=row.key, score=row.score)


def _team_filter(team: str | None) -> Any:
    if team is None:
        return None
    return exists().where(shares.c.article_id == articles.c.id, shares.c.team == team)


class SearchMixin:
    _engine: AsyncEngine

    # --- building blocks ------------------------------------------------------------------
    async def _hits(
        self, conn: AsyncConnection, ids: list[int], team: str | None, words: list[str] | None = None
    ) -> list[ArticleHit]:
        """Article ids (in rank order) -> hits with their first share and a matching quote."""
        if not ids:
            return []
        rows = {r.id: r for r in (await conn.execute(select(articles).where(articles.c.id.in_(ids)))).all()}
        sq = select(shares).where(shares.c.article_id.in_(ids)).order_by(shares.c.shared_at, shares.c.id)
        if team is not None:
            sq = sq.where(shares.c.team == team)
        first: dict[int, Share] = {}
        for r in (await conn.execute(sq)).all():
            first.setdefault(r.article_id, share_from_row(r))
        found: dict[int, Quote] = {}
        if words:
            latest = [rows[i].latest_analysis_id for i in ids if i in rows]
            qq = select(quotes).where(quotes.c.analysis_id.in_(latest)).order_by(quotes.c.position)
            by_article: dict[int, list[Quote]] = {}
            for r in (await conn.execute(qq)).all():
                by_article.setdefault(r.article_id, []).append(_quote(r))
            for aid, cands in by_article.items():
                q = best_quote(cands, words)
                if q is not None:
                    found[aid] = q
        return [
            ArticleHit(
                article_id=i,
                title=rows[i].title,
                url=rows[i].canonical_url,
                site_name=rows[i].site_name,
                published=rows[i].published,
                date=rows[i].sort_at,
                share=first.get(i),
                quote=found.get(i),
            )
            for i in ids
            if i in rows
        ]

    async def _ranked_ids(
        self, conn: AsyncConnection, words: list[str], column: str, team: str | None, limit: int, offset: int
    ) -> list[int]:
        team_sql = " AND EXISTS (SELECT 1 FROM shares s WHERE s.article_id = a.id AND s.team = :team)" if team else ""
        params: dict[str, Any] = {"limit": limit, "offset": offset, "half": RECENCY_DAYS, "team": team}
        if conn.dialect.name == "sqlite":
            cols = "{title body}" if column == "doc" else "{themes}"
            params["q"] = f"{cols} : ({fts5_query(words)})"
            sql = (
                "SELECT a.id FROM search_fts JOIN articles a ON a.id = search_fts.rowid "
                f"WHERE search_fts MATCH :q{team_sql} "
                f"ORDER BY bm25(search_fts, {TITLE_WEIGHT}, 1.0, 1.0) "
                "/ (1.0 + ln(1.0 + max(0.0, julianday('now') - julianday(a.sort_at)) / :half)), a.id DESC "
                "LIMIT :limit OFFSET :offset"
            )
        else:
            params["q"] = " ".join(words)
            sql = (
                f"SELECT a.id FROM search_docs d JOIN articles a ON a.id = d.article_id, "
                f"plainto_tsquery('english', :q) query WHERE d.{column} @@ query{team_sql} "
                f"ORDER BY ts_rank_cd(d.{column}, query, 1) "
                "/ (1.0 + ln(1.0 + greatest(0.0, extract(epoch FROM now() - a.sort_at) / 86400.0) / :half)) DESC, "
                "a.id DESC LIMIT :limit OFFSET :offset"
            )
        return [r[0] for r in (await conn.execute(text(sql), params)).all()]

    # --- public lookups --------------------------------------------------------------------
    async def search(
        self, query: str, *, team: str | None = None, limit: int = 5, offset: int = 0, themes: bool = False
    ) -> ResultPage:
        """Articles matching all words of `query` (titles count more), best and newest first."""
        words = terms(query)
        if not words:
            return ResultPage([], offset, False)
        async with self._engine.connect() as conn:
            ids = await self._ranked_ids(conn, words, "themes" if themes else "doc", team, limit + 1, offset)
            hits = await self._hits(conn, ids[:limit], team, words)
        return ResultPage(hits, offset, len(ids) > limit)

    async def theme(self, query: str, *, team: str | None = None, limit: int = 5, offset: int = 0) -> ResultPage:
        """Articles whose themes or IPTC topics match the words."""
        return await self.search(query, team=team, limit=limit, offset=offset, themes=True)

    async def recent(
        self, *, team: str | None = None, channel: str | None = None, limit: int = 5, offset: int = 0
    ) -> ResultPage:
        """Most recently shared articles in a team (or one of its channels); most recently stored
        ones when not scoped to a team."""
        async with self._engine.connect() as conn:
            if team is None:
                q = select(articles.c.id).order_by(articles.c.first_seen_at.desc(), articles.c.id.desc())
            else:
                last = func.max(shares.c.shared_at)
                where = [shares.c.team == team] + ([shares.c.channel == channel] if channel else [])
                q = (
                    select(shares.c.article_id)
                    .where(*where)
                    .group_by(shares.c.article_id)
                    .order_by(last.desc(), shares.c.article_id.desc())
                )
            ids = [r[0] for r in (await conn.execute(q.limit(limit + 1).offset(offset))).all()]
            hits = await self._hits(conn, ids[:limit], team)
        return ResultPage(hits, offset, len(ids) > limit)

    async def quotes_by(self, person: str, *, team: str | None = None, limit: int = 5, offset: int = 0) -> ResultPage:
        """What has <person> said: quotes attributed to anyone with that full name or surname."""
        key = codec.name_key(person)
        if not key:
            return ResultPage([], offset, False)
        async with self._engine.connect() as conn:
            pids = [
                r[0]
                for r in (
                    await conn.execute(select(person_aliases.c.person_id).where(person_aliases.c.alias_key == key))
                ).all()
            ]
            if not pids:  # partial names: "Lisa Doty" asked as "doty, lisa" won't, "Dot" won't either
                like = select(people.c.id).where(people.c.name_key.like(f"%{_escape_like(key)}%", escape="\\"))
                pids = [r[0] for r in (await conn.execute(like.limit(50))).all()]
            if not pids:
                return ResultPage([], offset, False)
            q = (
                select(quotes, articles.c.sort_at)
                .join(articles, articles.c.latest_analysis_id == quotes.c.analysis_id)
                .where(quotes.c.person_id.in_(pids))
                .order_by(articles.c.sort_at.desc(), quotes.c.article_id.desc(), quotes.c.key.desc(), quotes.c.position)
            )
            tf = _team_filter(team)
            if tf is not None:
                q = q.where(tf)
            rows = (await conn.execute(q.limit(limit + 1).offset(offset))).all()
            hits = {h.article_id: h for h in await self._hits(conn, list({r.article_id: 0 for r in rows}), team)}
        items = [QuoteHit(_quote(r), hits[r.article_id]) for r in rows[:limit] if r.article_id in hits]
        return ResultPage(items, offset, len(rows) > limit)

    async def org_report(
        self, name: str, *, team: str | None = None, limit: int = 5, offset: int = 0
    ) -> OrgReport | None:
        """Articles mentioning an organization (by name or alias), counts per month, and who
        was quoted with a title naming it."""
        key = codec.org_key(name)
        if not key:
            return None
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(org_aliases.c.org_id).where(org_aliases.c.alias_key == key))).first()
            if row is None:  # a partial name: the most mentioned organization containing it
                like = (
                    select(org_mentions.c.org_id)
                    .join(organizations, organizations.c.id == org_mentions.c.org_id)
                    .where(organizations.c.name_key.like(f"%{_escape_like(key)}%", escape="\\"))
                    .group_by(org_mentions.c.org_id)
                    .order_by(func.count().desc())
                    .limit(1)
                )
                row = (await conn.execute(like)).first()
            if row is None:
                return None
            org_id = row[0]
            org = (await conn.execute(select(organizations).where(organizations.c.id == org_id))).one()
            aliases = tuple(
                r[0]
                for r in (
                    await conn.execute(
                        select(org_aliases.c.alias).where(org_aliases.c.org_id == org_id).order_by(org_aliases.c.alias)
                    )
                ).all()
                if codec.org_key(r[0]) != org.name_key
            )
            q = (
                select(articles.c.id, articles.c.sort_at)
                .join(org_mentions, org_mentions.c.analysis_id == articles.c.latest_analysis_id)
                .where(org_mentions.c.org_id == org_id)
                .order_by(articles.c.sort_at.desc(), articles.c.id.desc())
            )
            tf = _team_filter(team)
            if tf is not None:
                q = q.where(tf)
            all_rows = (await conn.execute(q)).all()
            months = Counter(r.sort_at.strftime("%Y-%m") for r in all_rows)
            page_ids = [r.id for r in all_rows[offset : offset + limit + 1]]
            hits = await self._hits(conn, page_ids[:limit], team)
            names = [codec.org_key(n) for n in (org.name, *aliases)]
            scan = [r.id for r in all_rows[:ORG_REPORT_ARTICLES]]
            qrows = (
                await conn.execute(
                    select(quotes.c.speaker, quotes.c.speaker_title)
                    .join(articles, articles.c.latest_analysis_id == quotes.c.analysis_id)
                    .where(articles.c.id.in_(scan), quotes.c.speaker_title.is_not(None), quotes.c.speaker.is_not(None))
                )
            ).all()
        quoted: Counter[tuple[str, str | None]] = Counter()
        for r in qrows:
            title_key = codec.name_key(r.speaker_title or "")
            if any(_contains_name(title_key, n) for n in names):
                quoted[(r.speaker, r.speaker_title)] += 1
        return OrgReport(
            name=org.name,
            aliases=aliases,
            article_count=len(all_rows),
            by_month=sorted(months.items()),
            articles=ResultPage(hits, offset, len(page_ids) > limit),
            quoted=[(s, t, n) for (s, t), n in quoted.most_common(10)],
        )


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_name(haystack: str, name: str) -> bool:
    """Whole-word containment, so 'AAM' doesn't match inside 'Saam'."""
    return bool(name) and re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", haystack) is not None
