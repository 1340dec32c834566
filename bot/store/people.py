"""Person pages (`/newsbot who`): who a name means in this workspace, and what we know of them.

A name resolves to the people quoted in stories shared in the team: by full name or surname
first, else by part of a name. One person: their page. Several: the candidates to choose from.
A page reads the person's newest quotes only (an index walk of at most `PROFILE_QUOTES`), so it
costs the same for someone quoted twice and someone quoted ten thousand times; totals beyond
`COUNT_CAP` read "500+".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import codec
from bot.store.search import ArticleHit, QuoteHit, article_hits, contains_name, escape_like, quote_from_row, shared_in
from bot.store.tables import org_aliases, org_mentions, organizations, people, person_aliases, quotes

PROFILE_QUOTES = 200  # newest quotes a page reads its titles and organizations from
PROFILE_STORIES = 8
PROFILE_LATEST = 3
COUNT_CAP = 500
MAX_CANDIDATES = 10
PARTIAL_NAMES = 200


@dataclass(frozen=True, slots=True)
class PersonCard:
    """One of several people a name could mean."""

    name: str
    title: str | None  # the newest title seen
    quotes: int  # capped at COUNT_CAP


@dataclass(frozen=True, slots=True)
class PersonProfile:
    name: str
    titles: list[tuple[str, int]]  # most seen first
    organizations: list[tuple[str, int]]  # organizations their titles name, most seen first
    stories: list[ArticleHit]  # newest first, each with its first share here (our thread)
    latest: list[QuoteHit]
    quote_count: int  # capped at COUNT_CAP
    story_count: int  # capped at COUNT_CAP


@dataclass(frozen=True, slots=True)
class WhoAnswer:
    profile: PersonProfile | None = None
    candidates: tuple[PersonCard, ...] = ()


def _walk(person: Any, team: str | None, limit: int) -> Any:
    """A person's newest quotes in the team (`person`: an id, or a correlated column):
    ix_quotes_person_sort, newest first."""
    q = select(quotes).where(quotes.c.person_id == person)
    if (cond := shared_in(team, quotes.c.article_id)) is not None:
        q = q.where(cond)
    return q.order_by(quotes.c.sort_at.desc(), quotes.c.id.desc()).limit(limit)


async def _capped(conn: AsyncConnection, walk: Any, column: str) -> int:
    inner = walk.with_only_columns(getattr(quotes.c, column)).order_by(None).limit(COUNT_CAP).subquery()
    return int((await conn.execute(select(func.count(func.distinct(inner.c[column]))))).scalar_one())


class PeopleMixin:
    _engine: AsyncEngine

    async def who(self, name: str, *, team: str | None = None) -> WhoAnswer:
        key = codec.name_key(name)
        if not key:
            return WhoAnswer()
        async with self._engine.connect() as conn:
            exact = select(person_aliases.c.person_id).where(person_aliases.c.alias_key == key)
            pids = [r[0] for r in (await conn.execute(exact)).all()]
            if not pids:
                like = select(people.c.id).where(people.c.name_key.like(f"%{escape_like(key)}%", escape="\\"))
                pids = [r[0] for r in (await conn.execute(like.limit(PARTIAL_NAMES))).all()]
            if not pids:
                return WhoAnswer()
            # who of them was quoted here, and when last: one index walk per person, stopped at
            # its first row (a correlated LIMIT 1), not every quote of everyone with that surname
            newest = _walk(people.c.id, team, 1).with_only_columns(quotes.c.sort_at).scalar_subquery()
            last = select(people.c.id, newest.label("last")).where(people.c.id.in_(sorted(set(pids))))
            quoted = sorted(
                ((int(r.id), r.last) for r in (await conn.execute(last)).all() if r.last is not None),
                key=lambda pl: pl[1], reverse=True,
            )
            if len(quoted) == 1:
                return WhoAnswer(profile=await self._profile(conn, quoted[0][0], team))
            shown = [pid for pid, _last in quoted[:MAX_CANDIDATES]]
            names = {r.id: r.name for r in (await conn.execute(select(people).where(people.c.id.in_(shown)))).all()}
            cards = []
            for pid in shown:
                newest = (await conn.execute(_walk(pid, team, 1))).first()
                count = await _capped(conn, _walk(pid, team, COUNT_CAP), "id")
                cards.append(PersonCard(names[pid], newest.speaker_title if newest is not None else None, count))
        return WhoAnswer(candidates=tuple(cards))

    async def _profile(self, conn: AsyncConnection, pid: int, team: str | None) -> PersonProfile:
        person = (await conn.execute(select(people).where(people.c.id == pid))).one()
        rows = (await conn.execute(_walk(pid, team, PROFILE_QUOTES))).all()
        titles = Counter(r.speaker_title for r in rows if r.speaker_title)
        article_ids = list(dict.fromkeys(r.article_id for r in rows))
        org_names = (
            await conn.execute(
                select(org_mentions.c.article_id, organizations.c.name, org_aliases.c.alias)
                .join(organizations, organizations.c.id == org_mentions.c.org_id)
                .join(org_aliases, org_aliases.c.org_id == organizations.c.id)
                .where(org_mentions.c.article_id.in_(article_ids))
            )
        ).all()
        named: dict[int, dict[str, set[str]]] = {}  # article -> org name -> its name and aliases
        for r in org_names:
            named.setdefault(r.article_id, {}).setdefault(r.name, {codec.org_key(r.name)}).add(codec.org_key(r.alias))
        orgs: Counter[str] = Counter()
        for r in rows:  # an organization is theirs when their title in that story names it
            title_key = codec.name_key(r.speaker_title or "")
            for org, keys in named.get(r.article_id, {}).items():
                if title_key and any(contains_name(title_key, k) for k in keys):
                    orgs[org] += 1
        stories = await article_hits(conn, article_ids[:PROFILE_STORIES], team)
        by_id = {h.article_id: h for h in await article_hits(conn, [r.article_id for r in rows[:PROFILE_LATEST]], team)}
        walk = _walk(pid, team, COUNT_CAP)
        return PersonProfile(
            name=person.name,
            titles=titles.most_common(5),
            organizations=orgs.most_common(5),
            stories=stories,
            latest=[QuoteHit(quote_from_row(r), by_id[r.article_id]) for r in rows[:PROFILE_LATEST]
                    if r.article_id in by_id],
            quote_count=await _capped(conn, walk, "id"),
            story_count=await _capped(conn, walk, "article_id"),
        )
