"""Archive lookups behind one interface: full-text search (SQLite FTS5 / PostgreSQL tsvector),
quotes by person, organization reports, themes, recent articles.

Every lookup costs what one page costs, not what the archive holds:
- search ranks a bounded candidate set: body matches among the newest stories (a window that
  widens x8 until it holds `MIN_CANDIDATES` matches or the whole archive) plus the newest
  `TITLE_CANDIDATES` title matches among the newest `TITLE_SPAN` stories (all of them once the
  window is everything). Ranking: text relevance (bm25 /
  ts_rank_cd, title weighted above body) divided by an age factor, so among equally relevant
  articles the newer one wins.
- quotes, organization articles and recent shares walk an index newest first and stop after a
  page; "More" continues from a key (keyset), never an OFFSET that rereads earlier pages.
- organization counts (total, per month) come from the `org_months` counters.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select, text, true, tuple_, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import Quote, Share
from bot.store import codec
from bot.store.common import share_from_row
from bot.store.tables import (
    articles,
    org_aliases,
    org_mentions,
    org_months,
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
SEARCH_WINDOW = 1_000  # newest stories (by id) whose body matches are ranked first
MIN_CANDIDATES = 100  # body matches that make a window enough; fewer: widen it x8
TITLE_CANDIDATES = 500  # newest title matches, ranked beside the window (old headlines still win)
TITLE_SPAN = 200_000  # ... among this many newest stories: a common word's title matches stay few
PARTIAL_NAMES = 200  # organizations or people a partial name may match
MERGED_WALKS = 16  # people sharing a surname walked one by one and merged; more: one sorted query
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
    """One page of results; `has_more` says whether a "More" button makes sense. `offset` is how
    many came before this page; `after` is the key the next page continues from (keyset
    lookups), None where pages go by offset (search: a bounded candidate set)."""

    items: list[Any]
    offset: int
    has_more: bool
    after: str | None = None


def key_of(moment: datetime, row_id: int) -> str:
    """A keyset position: (time, id) of the last row shown."""
    return f"{moment.isoformat()}|{row_id}"


def parse_key(key: str | None) -> tuple[datetime, int] | None:
    """The position a "More" button carries, or None (first page, or a key we did not write)."""
    if not key:
        return None
    moment, _, row_id = key.partition("|")
    try:
        return datetime.fromisoformat(moment), int(row_id)
    except ValueError:
        return None


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


def quote_from_row(row: Any) -> Quote:
    return Quote(text=row.text, speaker=row.speaker, speaker_title=row.speaker_title, key=row.key, score=row.score,
                 source_kind=row.source_kind or "", source_org=row.source_org)


def shared_in(team: str | None, article_id: Any) -> Any:
    """"Shared in this team": one probe of shares (article_id, team) per row walked."""
    if team is None:
        return None
    return exists().where(shares.c.article_id == article_id, shares.c.team == team)


def _before(key: tuple[datetime, int] | None, moment: Any, row_id: Any) -> Any:
    """Rows strictly after the keyset position, walking (moment, id) newest first."""
    if key is None:
        return None
    return tuple_(moment, row_id) < tuple_(*key)


async def article_hits(
    conn: AsyncConnection, ids: list[int], team: str | None, words: list[str] | None = None
) -> list[ArticleHit]:
    """Article ids (in rank order) -> hits with their first share and a matching quote."""
    if not ids:
        return []
    rows = {r.id: r for r in (await conn.execute(select(articles).where(articles.c.id.in_(ids)))).all()}
    # no ORDER BY (sorted here): an order SQLite could read off ix_shares_team_recent lures its
    # planner, which has no statistics, into walking every share of the team
    sq = select(shares).where(shares.c.article_id.in_(ids))
    if team is not None:
        sq = sq.where(shares.c.team == team)
    first: dict[int, Share] = {}
    for r in sorted((await conn.execute(sq)).all(), key=lambda r: (r.shared_at, r.id)):
        first.setdefault(r.article_id, share_from_row(r))
    found: dict[int, Quote] = {}
    if words:
        qq = select(quotes).where(quotes.c.article_id.in_(ids)).order_by(quotes.c.position)
        by_article: dict[int, list[Quote]] = {}
        for r in (await conn.execute(qq)).all():
            by_article.setdefault(r.article_id, []).append(quote_from_row(r))
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



class SearchMixin:
    _engine: AsyncEngine

    async def _ranked_ids(
        self, conn: AsyncConnection, words: list[str], column: str, team: str | None, limit: int, offset: int
    ) -> list[int]:
        """One page of the ranked candidates, widening the window of newest stories until it
        holds enough body matches (common words stop at the first window, rare ones reach the
        whole archive, where there are few of them to rank)."""
        top = (await conn.execute(select(func.max(articles.c.id)))).scalar() or 0
        window = SEARCH_WINDOW
        while True:
            floor = max(0, top - window)
            ids, matched = await self._ranked_window(conn, words, column, team, floor, limit, offset)
            if floor == 0 or matched >= max(MIN_CANDIDATES, offset + limit):
                return ids
            window *= 8

    async def _ranked_window(
        self, conn: AsyncConnection, words: list[str], column: str, team: str | None, floor: int, limit: int,
        offset: int,
    ) -> tuple[list[int], int]:
        """(a page of ids, how many candidates the window gave)."""
        team_sql = " AND EXISTS (SELECT 1 FROM shares s WHERE s.article_id = a.id AND s.team = :team)" if team else ""
        params: dict[str, Any] = {"limit": limit, "offset": offset, "half": RECENCY_DAYS, "team": team,
                                  "floor": floor, "titles": TITLE_CANDIDATES,
                                  "title_floor": max(0, floor - TITLE_SPAN)}
        with_titles = column == "doc" and floor > 0
        if conn.dialect.name == "sqlite":
            cols = "{title body}" if column == "doc" else "{themes}"
            params["q"] = f"{cols} : ({fts5_query(words)})"
            params["qt"] = f"{{title}} : ({fts5_query(words)})"
            score = f"bm25(search_fts, {TITLE_WEIGHT}, 1.0, 1.0)"
            # two FTS5 scans, each bounded by FTS5 itself (rowid range; ORDER BY rowid LIMIT)
            titles = (
                f" UNION SELECT * FROM (SELECT rowid AS id, {score} AS score FROM search_fts "
                "WHERE search_fts MATCH :qt AND rowid <= :floor AND rowid > :title_floor "
                "ORDER BY rowid DESC LIMIT :titles)"
                if with_titles else ""
            )
            sql = (
                f"WITH cand AS (SELECT rowid AS id, {score} AS score FROM search_fts "
                f"WHERE search_fts MATCH :q AND rowid > :floor{titles}) "
                "SELECT a.id, count(*) OVER () AS matched FROM cand JOIN articles a ON a.id = cand.id "
                f"WHERE 1 = 1{team_sql} "
                "ORDER BY cand.score "
                "/ (1.0 + ln(1.0 + max(0.0, julianday('now') - julianday(a.sort_at)) / :half)), a.id DESC "
                "LIMIT :limit OFFSET :offset"
            )
        else:
            params["q"] = " ".join(words)
            titles = (
                " UNION SELECT * FROM (SELECT d.article_id FROM search_docs d, query "
                "WHERE d.title @@ query.q AND d.article_id <= :floor AND d.article_id > :title_floor "
                "ORDER BY d.article_id DESC LIMIT :titles) t"
                if with_titles else ""
            )
            sql = (
                "WITH query AS (SELECT plainto_tsquery('english', :q) AS q), "
                f"cand AS (SELECT d.article_id FROM search_docs d, query WHERE d.{column} @@ query.q "
                f"AND d.article_id > :floor{titles}) "
                "SELECT a.id, count(*) OVER () AS matched FROM cand "
                "JOIN search_docs d ON d.article_id = cand.article_id JOIN articles a ON a.id = cand.article_id, query "
                f"WHERE true{team_sql} "
                f"ORDER BY ts_rank_cd(d.{column}, query.q, 1) "
                "/ (1.0 + ln(1.0 + greatest(0.0, extract(epoch FROM now() - a.sort_at) / 86400.0) / :half)) DESC, "
                "a.id DESC LIMIT :limit OFFSET :offset"
            )
        rows = (await conn.execute(text(sql), params)).all()
        return [r[0] for r in rows], (rows[0].matched if rows else 0)

    # --- public lookups --------------------------------------------------------------------
    async def search(
        self, query: str, *, team: str | None = None, limit: int = 5, offset: int = 0, themes: bool = False
    ) -> ResultPage:
        """Articles matching all words of `query` (titles count more), best and newest first.

        Pages go by offset: relevance divided by age is no stable key (it moves with the clock),
        and the offset only walks the bounded candidate set."""
        words = terms(query)
        if not words:
            return ResultPage([], offset, False)
        async with self._engine.connect() as conn:
            ids = await self._ranked_ids(conn, words, "themes" if themes else "doc", team, limit + 1, offset)
            hits = await article_hits(conn, ids[:limit], team, words)
        return ResultPage(hits, offset, len(ids) > limit)

    async def theme(self, query: str, *, team: str | None = None, limit: int = 5, offset: int = 0) -> ResultPage:
        """Articles whose themes or IPTC topics match the words."""
        return await self.search(query, team=team, limit=limit, offset=offset, themes=True)

    async def recent(
        self, *, team: str | None = None, channel: str | None = None, limit: int = 5, offset: int = 0,
        after: str | None = None,
    ) -> ResultPage:
        """Most recently shared articles in a team (or one of its channels), each at its latest
        share there; most recently stored ones when not scoped to a team."""
        key = parse_key(after)
        async with self._engine.connect() as conn:
            if team is None:
                a = articles.c
                q: Select[*tuple[Any, ...]] = select(a.id, a.first_seen_at.label("at"), a.id.label("row"))
                q = q.order_by(a.first_seen_at.desc(), a.id.desc())
                if (cond := _before(key, a.first_seen_at, a.id)) is not None:
                    q = q.where(cond)
            else:
                # walk the newest shares (ix_shares_*_recent) and keep each article at its latest
                # share in scope: a later share of the same article is one probe away
                s, later = shares.alias("s"), shares.alias("later")
                scope = [s.c.team == team] + ([s.c.channel == channel] if channel else [])
                same = [later.c.team == team] + ([later.c.channel == channel] if channel else [])
                newer = exists().where(
                    later.c.article_id == s.c.article_id,
                    *same,
                    tuple_(later.c.shared_at, later.c.id) > tuple_(s.c.shared_at, s.c.id),
                )
                q = select(s.c.article_id, s.c.shared_at.label("at"), s.c.id.label("row")).where(*scope, ~newer)
                q = q.order_by(s.c.shared_at.desc(), s.c.id.desc())
                if (cond := _before(key, s.c.shared_at, s.c.id)) is not None:
                    q = q.where(cond)
            rows = (await conn.execute(q.limit(limit + 1))).all()
            hits = await article_hits(conn, [r[0] for r in rows[:limit]], team)
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        return ResultPage(hits, offset, more, key_of(last.at, last.row) if last is not None else None)

    async def quotes_by(
        self, person: str, *, team: str | None = None, limit: int = 5, offset: int = 0, after: str | None = None
    ) -> ResultPage:
        """What has <person> said: quotes attributed to anyone with that full name or surname,
        newest story first."""
        key = codec.name_key(person)
        if not key:
            return ResultPage([], offset, False)
        position = parse_key(after)
        async with self._engine.connect() as conn:
            pids = [
                r[0]
                for r in (
                    await conn.execute(select(person_aliases.c.person_id).where(person_aliases.c.alias_key == key))
                ).all()
            ]
            if not pids:  # partial names: "Lisa Doty" asked as "doty, lisa" won't, "Dot" won't either
                like = select(people.c.id).where(people.c.name_key.like(f"%{escape_like(key)}%", escape="\\"))
                pids = [r[0] for r in (await conn.execute(like.limit(PARTIAL_NAMES))).all()]
            if not pids:
                return ResultPage([], offset, False)

            def newest(person: Any) -> Any:
                """One person's newest quotes (`person`: an id, or a column of ids): a walk of
                ix_quotes_person_sort, stopped at a page."""
                q = select(quotes).where(quotes.c.person_id == person)
                for cond in (_before(position, quotes.c.sort_at, quotes.c.id), shared_in(team, quotes.c.article_id)):
                    if cond is not None:
                        q = q.where(cond)
                return q.order_by(quotes.c.sort_at.desc(), quotes.c.id.desc()).limit(limit + 1)

            people_ids = sorted(set(pids))
            if len(people_ids) == 1:
                rows = (await conn.execute(newest(people_ids[0]))).all()
            elif conn.dialect.name == "postgresql":  # a walk per person in one plan (LATERAL), merged
                listed = func.unnest(postgresql.array(people_ids)).table_valued("pid").render_derived(name="p")
                walk = newest(listed.c.pid).lateral("walk")
                merged = (
                    select(walk).select_from(listed).join(walk, true())
                    .order_by(walk.c.sort_at.desc(), walk.c.id.desc()).limit(limit + 1)
                )
                rows = (await conn.execute(merged)).all()
            elif len(people_ids) <= MERGED_WALKS:  # a surname a few people share: a walk each, merged
                each = union_all(*(select(newest(p).subquery()) for p in people_ids)).subquery()
                merged = select(each).order_by(each.c.sort_at.desc(), each.c.id.desc()).limit(limit + 1)
                rows = (await conn.execute(merged)).all()
            else:  # a common surname: planning a walk per person costs more than sorting their quotes
                q = select(quotes).where(quotes.c.person_id.in_(people_ids))
                for cond in (_before(position, quotes.c.sort_at, quotes.c.id), shared_in(team, quotes.c.article_id)):
                    if cond is not None:
                        q = q.where(cond)
                q = q.order_by(quotes.c.sort_at.desc(), quotes.c.id.desc()).limit(limit + 1)
                rows = (await conn.execute(q)).all()
            hits = {h.article_id: h for h in await article_hits(conn, list({r.article_id: 0 for r in rows}), team)}
        items = [QuoteHit(quote_from_row(r), hits[r.article_id]) for r in rows[:limit] if r.article_id in hits]
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        return ResultPage(items, offset, more, key_of(last.sort_at, last.id) if last is not None else None)

    async def _org_id(self, conn: AsyncConnection, key: str, team: str | None) -> int | None:
        """By name or alias; else the partial name's most covered organization (in the team)."""
        row = (await conn.execute(select(org_aliases.c.org_id).where(org_aliases.c.alias_key == key))).first()
        if row is not None:
            return int(row[0])
        like = select(organizations.c.id).where(organizations.c.name_key.like(f"%{escape_like(key)}%", escape="\\"))
        ids = [r[0] for r in (await conn.execute(like.limit(PARTIAL_NAMES))).all()]
        if not ids:
            return None
        if team is None:
            counted = select(org_mentions.c.org_id, func.count().label("n")).where(org_mentions.c.org_id.in_(ids))
            counted = counted.group_by(org_mentions.c.org_id)
        else:
            counted = select(org_months.c.org_id, func.sum(org_months.c.articles).label("n"))
            counted = counted.where(org_months.c.team == team, org_months.c.org_id.in_(ids))
            counted = counted.group_by(org_months.c.org_id)
        most = counted.order_by(counted.selected_columns.n.desc(), counted.selected_columns.org_id).limit(1)
        best = (await conn.execute(most)).first()
        return int(best[0]) if best is not None else None

    async def _org_months(self, conn: AsyncConnection, org_id: int, team: str | None) -> list[tuple[str, int]]:
        """Articles per month: the team's counters; unscoped (tests, tools), the mentions."""
        if team is None:
            q = select(org_mentions.c.month, func.count()).where(org_mentions.c.org_id == org_id)
            q = q.group_by(org_mentions.c.month)
        else:
            q = select(org_months.c.month, org_months.c.articles).where(
                org_months.c.team == team, org_months.c.org_id == org_id, org_months.c.articles > 0
            )
        return sorted((str(m), int(n)) for m, n in (await conn.execute(q)).all())

    async def _org_article_ids(
        self, conn: AsyncConnection, org_id: int, team: str | None, limit: int, position: tuple[datetime, int] | None
    ) -> list[Any]:
        """The organization's newest articles: a walk of ix_org_mentions_org_sort."""
        m = org_mentions.c
        q = select(m.article_id, m.sort_at).where(m.org_id == org_id)
        for cond in (_before(position, m.sort_at, m.article_id), shared_in(team, m.article_id)):
            if cond is not None:
                q = q.where(cond)
        return list((await conn.execute(q.order_by(m.sort_at.desc(), m.article_id.desc()).limit(limit))).all())

    async def org_report(
        self, name: str, *, team: str | None = None, limit: int = 5, offset: int = 0, after: str | None = None
    ) -> OrgReport | None:
        """Articles mentioning an organization (by name or alias), counts per month, and who
        was quoted with a title naming it."""
        key = codec.org_key(name)
        if not key:
            return None
        position = parse_key(after)
        async with self._engine.connect() as conn:
            org_id = await self._org_id(conn, key, team)
            if org_id is None:
                return None
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
            months = await self._org_months(conn, org_id, team)
            page = await self._org_article_ids(conn, org_id, team, limit + 1, position)
            hits = await article_hits(conn, [r.article_id for r in page[:limit]], team)
            quoted: Counter[tuple[str, str | None]] = Counter()
            if position is None:  # the first page says who from it was quoted
                newest = await self._org_article_ids(conn, org_id, team, ORG_REPORT_ARTICLES, None)
                scan = [r.article_id for r in newest]
                qrows = (
                    await conn.execute(
                        select(quotes.c.speaker, quotes.c.speaker_title).where(
                            quotes.c.article_id.in_(scan),
                            quotes.c.speaker_title.is_not(None),
                            quotes.c.speaker.is_not(None),
                        )
                    )
                ).all()
                names = [codec.org_key(n) for n in (org.name, *aliases)]
                for r in qrows:
                    title_key = codec.name_key(r.speaker_title or "")
                    if any(contains_name(title_key, n) for n in names):
                        quoted[(r.speaker, r.speaker_title)] += 1
        more = len(page) > limit
        last = page[limit - 1] if more else None
        after = key_of(last.sort_at, last.article_id) if last is not None else None
        return OrgReport(
            name=org.name,
            aliases=aliases,
            article_count=sum(n for _, n in months),
            by_month=months,
            articles=ResultPage(hits, offset, more, after),
            quoted=[(s, t, n) for (s, t), n in quoted.most_common(10)],
        )


def escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_name(haystack: str, name: str) -> bool:
    """Whole-word containment, so 'AAM' doesn't match inside 'Saam'."""
    return bool(name) and re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", haystack) is not None
