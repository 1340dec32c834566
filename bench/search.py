"""Archive lookup latency on a realistic archive of up to a million stories, SQLite and PostgreSQL.

Run: `.venv/bin/python -m bench.search [--articles N] [--sqlite-articles M] [--reps R] [--pg URL]
[--backends sqlite,postgresql] [--pages P] [--sweep] [--verify]`. Writes bench/results/search.json
(not with --verify). PostgreSQL gets a scratch database next to --pg's, dropped afterwards.

What is built. `--pages` real English pages (the ScrapingHub set) go once through the real
extraction and analysis; their output is cut into pools: sentences, quotes, organizations (name,
aliases), people, speaker titles, theme and IPTC topic labels, site names, authors, headlines.
Each story is drawn from them with a seeded `random.Random` (same arguments, same archive): a
title joining the head of one real headline to the tail of another (sometimes led by an
organization), 6-15 real sentences as paragraphs, 0-6 real quotes placed in the text, 2-8
organizations, 3-8 themes and topics, the page's ETag/Last-Modified. Popularity is Zipf-like, as
in a newsroom: a few organizations are in several per cent of the stories and a long tail in a
handful (the real ones lead, then "<surname> <kind>" ones made from real parts); people are the
real ones plus real first names joined to surnames (real ones, common, then made-up ones, rare:
some surnames are shared by a hundred people, most by one), thousands of them, a few quoted very
often, each with a fixed title, often "<role> at <organization>" (that organization is then in
the story, and the quote's source kind and organization are what `source_kinds` decides).
Stories are published 2018-01-01..2026-11-30 in the order they were first shared (ids rise with
time, as in a live archive; 3 % are old stories shared late); each is shared once in team TBENCH
over 20 channels of uneven traffic (15 % again in another channel), or, 10 % of them, only in a
second team, TOTHER, so the team filter has something to filter out.

How. The rows are what `save_and_share` (and `record_share`, for a second share) would store for
such a story, column for column and value for value: `codec` keys, `sort_at` from the published
date and its month, the analysis JSON, the search text (site name + description + text), the
mentions of the latest analysis with their `sort_at`; `_save_orgs`/`_save_people` are replayed
over organizations and people with ids assigned in Python, each created with the first story
naming it. `--verify` proves it: 500 stories bulk-loaded and saved one by one through the Store,
then every table compared. Stories are drawn 10,000 at a time in child processes (one per CPU,
a few chunks ahead) and written in order, so memory stays bounded: SQLite through one stdlib
connection on the file the `Store` migrated (executemany per table, one transaction per chunk,
synchronous=OFF); PostgreSQL through asyncpg COPY per table, the search text COPYed into an
unlogged staging table and made tsvectors by INSERT ... SELECT with the three GIN indexes
dropped, then rebuilt under the migrations' names (see `load_pg` for two liberties taken for
speed). Then sequences past the largest ids, the `org_months` counters
(`counters.rebuild_org_months`) and, on PostgreSQL, ANALYZE (autovacuum's job in a live
archive; Newsbot never runs ANALYZE on SQLite, so neither does this).

Why the figures mean something. Lookups go through the real `Store` API on an archive whose
sizes and skews (entities per story, hot organizations and people, common surnames, busy
channels, nine years of dates, a second team) are a newsroom's, not on copies of a few pages:
index walks stop where they would in production and the hot keys are as hot. Queries are drawn
from the same pools: common and rare title words alone and in pairs, popular and seldom-quoted
people by full name and surname, big and small organizations by name, alias and partial name,
theme labels; "more" pages continue from the first page's key; digests cover one recent day of
the busiest channel. What stays synthetic: the vocabulary is that of `--pages` pages, so every
body word is common (multi-word searches widen to the whole archive less often than they might
in real prose), and `jobs` is left empty (no lookup reads it; a real sweep also deletes finished
jobs). Each kind is warmed up, then timed `--reps` times round its queries; `--sweep` times them
again while a retention sweep (`Store.purge`) deletes the oldest ~10 % of shares. Kinds whose
p95 is over TARGET_MS are flagged.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import dataclasses
import functools
import itertools
import json
import multiprocessing
import os
import random
import re
import sqlite3
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import partial
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench.common import english_pages, pct, write_results
from bot.analysis.source_kinds import org_kind, quote_kind
from bot.config import load_settings
from bot.models import Analysis, Article, Organization, Person, Quote, Share, Theme, Topic
from bot.store import ANALYZER_VERSION, Store, codec
from bot.store.archive import MAX_SEARCH_BODY_CHARS, Validators, month_of, parse_published, people_rows
from bot.store.common import share_time
from bot.store.counters import rebuild_org_months
from bot.store.engine import run_write
from bot.store.tables import (
    analyses,
    article_urls,
    articles,
    org_aliases,
    org_mentions,
    organizations,
    people,
    person_aliases,
    person_mentions,
    quotes,
    shares,
)

TEAM = "TBENCH"
OTHER_TEAM = "TOTHER"
TARGET_MS = 100.0
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHUNK = 10_000  # stories generated and written at a time
SEED = 7
FIRST_DAY = datetime(2018, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
CHANNELS = [f"CBENCH{i:02d}" for i in range(20)]
OTHER_CHANNELS = [f"COTHER{i:02d}" for i in range(5)]
OTHER_SHARE = 0.10  # stories shared only in TOTHER
SECOND_SHARE = 0.15  # TBENCH stories shared again in another channel
LATE_SHARE = 0.03  # old stories shared long after publication
PG_SEARCH_INDEXES = {  # as migrations 0001 and 0004 create them
    "ix_search_docs_doc": "CREATE INDEX ix_search_docs_doc ON search_docs USING gin (doc)",
    "ix_search_docs_themes": "CREATE INDEX ix_search_docs_themes ON search_docs USING gin (themes)",
    "ix_search_docs_title": "CREATE INDEX ix_search_docs_title ON search_docs USING gin (title)",
}
SERIAL_TABLES = ("articles", "analyses", "quotes", "organizations", "people", "shares")
# the bulk rows, table by table, in the order they are written (parents first)
ROW_TABLES: tuple[Table, ...] = (articles, article_urls, analyses, quotes, org_mentions, person_mentions, shares)
ENTITY_TABLES: tuple[Table, ...] = (organizations, org_aliases, people, person_aliases)
SEARCH_COLUMNS = ("article_id", "title", "body", "themes")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’)]))\s+(?=[“\"‘(A-Z0-9])")
# PostgreSQL's 'english' stop words (Snowball) of four letters or more: searches never ask for them
STOP_WORDS = frozenset(
    "about above after again against because been before being below between both does doing down "
    "during each from further have having here hers herself himself into itself just more most myself once only "
    "other ours ourselves over same should some such than that their theirs them themselves then there these they "
    "this those through under until very were what when where which while whom will with your yours "
    "yourself yourselves".split()
)
_TITLE_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")
_NAME_TOKEN = re.compile(r"^[A-Z][A-Za-z'.-]*[a-z][A-Za-z'.-]*$")


async def analyzed_pages(limit: int) -> list[tuple[Article, Analysis]]:
    from bot.fetch.files import read_local
    from bot.pipeline import Analyzer

    settings = load_settings()
    analyzer = Analyzer(settings.spacy_model, workers=min(2, settings.workers))
    await analyzer.start()
    out: list[tuple[Article, Analysis]] = []
    try:

        async def one(path: str) -> None:
            try:
                page = await asyncio.to_thread(read_local, path, settings.max_bytes)
                out.append(await analyzer.read(page))
            except Exception:  # pages the pipeline rejects are simply not used
                return

        await asyncio.gather(*(one(str(p)) for p in english_pages()[:limit]))
    finally:
        analyzer.close()
    out.sort(key=lambda pair: pair[0].url)  # completion order varies; the pools must not
    return out


# --- pools: the real pages cut into parts ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgEntry:
    written: str  # as stories write it ("The New York Times")
    kind: str  # as the analyzer classifies it (`source_kinds.org_kind`): stories carry it
    name: str  # as `_save_orgs` creates it (leading "The " dropped)
    name_key: str
    aliases: tuple[str, ...]  # other names owned by this organization only
    keys: dict[str, str]  # alias key -> alias, its own name included (the org_aliases rows)
    folded: tuple[str, ...]  # name and aliases casefolded


@dataclass(frozen=True, slots=True)
class PersonEntry:
    name: str
    name_key: str
    title: str | None
    surname: str | None  # how a story may name the speaker alone ("Doty said"); None: one word
    org: int | None  # the organization (pool index) the title names: stories quoting them mention it


def zipf_cum(n: int, offset: float, exponent: float = 1.0) -> list[float]:
    """Cumulative weights 1 / (rank + offset) ** exponent: `offset` flattens the head."""
    return list(itertools.accumulate(1.0 / (r + offset) ** exponent for r in range(1, n + 1)))


def draw_distinct(rng: random.Random, cum: list[float], k: int) -> list[int]:
    """`k` distinct indexes drawn by the cumulative weights."""
    seen: set[int] = set()
    out: list[int] = []
    while len(out) < min(k, len(cum)):
        i = draw(rng, cum)
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def draw(rng: random.Random, cum: list[float]) -> int:
    """An index drawn by the cumulative weights."""
    return min(bisect.bisect(cum, rng.random() * cum[-1]), len(cum) - 1)


def split_sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _person_name(name: str) -> bool:
    parts = name.split()
    return 1 <= len(parts) <= 4 and all(_NAME_TOKEN.match(p) for p in parts)


def _org_entries(
    real: list[tuple[Article, Analysis]], rng: random.Random, surnames: list[str], n: int
) -> list[OrgEntry]:
    """The real organizations, merged where they share a name or alias (as `_save_orgs` merges
    them), then "<surname> <kind>" and "<surname> <word> <kind>" ones (kinds: the last words of
    real multi-word names) up to `n`. Every alias key belongs to exactly one organization."""
    owner: dict[str, int] = {}
    raw: list[tuple[str, dict[str, str]]] = []

    def add(written: str, names: list[str], merge: bool = True) -> None:
        own = codec.org_key(written)
        if not own or len(own) > 200 or (not merge and own in owner):
            return
        keys = {codec.org_key(a): a for a in names if a.strip() and codec.org_key(a)}
        keys[own] = written
        hit = next((owner[k] for k in keys if k in owner), None) if merge else None
        if hit is None:
            hit = len(raw)
            raw.append((written, {}))
        for k, a in keys.items():
            if k not in owner:
                owner[k] = hit
                raw[hit][1][k] = a

    for _, an in real:
        for o in an.organizations:
            add(o.name, [*o.aliases, o.name])
    n_real = len(raw)
    kinds = sorted({o.name.split()[-1] for _, an in real for o in an.organizations
                    if len(o.name.split()) > 1 and o.name.split()[-1].isalpha() and o.name.split()[-1][0].isupper()})
    words = sorted({s for s in surnames if s.isalpha()})
    for _ in range(n * 4):
        if len(raw) >= n:
            break
        a, kind = rng.choice(words), rng.choice(kinds)
        if rng.random() < 0.3:
            b = rng.choice(words)
            name = f"{a} {b} {kind}"
            add(name, [name, (a[0] + b[0] + kind[0]).upper()], merge=False)  # an acronym already taken: none
        else:
            name = f"{a} {kind}"
            add(name, [name], merge=False)
    entries = []
    for written, keys in raw:
        own = codec.org_key(written)
        aliases = tuple(a for k, a in keys.items() if k != own)
        entries.append(OrgEntry(
            written=written,
            kind=org_kind(written, aliases).kind,
            name=written[4:] if written[:4].lower() == "the " else written,
            name_key=own,
            aliases=aliases,
            keys=keys,
            folded=tuple(n.casefold() for n in (written, *aliases)),
        ))
    head, tail = entries[:n_real], entries[n_real:]
    rng.shuffle(head)
    rng.shuffle(tail)
    return head + tail  # popularity rank: real organizations first, then the synthetic tail


@dataclass
class Pools:
    sentences: list[str]
    quotes: list[str]
    titles: list[list[str]]
    title_words: list[str]
    sites: list[tuple[str | None, str]]  # (site name, host)
    authors: list[str]
    descriptions: list[str]
    themes: list[str]
    topics: list[tuple[str, str]]
    orgs: list[OrgEntry]
    people: list[PersonEntry]
    org_cum: list[float] = field(default_factory=list)
    person_cum: list[float] = field(default_factory=list)
    site_cum: list[float] = field(default_factory=list)
    channel_cum: list[float] = field(default_factory=list)
    other_cum: list[float] = field(default_factory=list)
    user_cum: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.org_cum = zipf_cum(len(self.orgs), 10.0)
        self.person_cum = zipf_cum(len(self.people), 5.0)
        self.site_cum = zipf_cum(len(self.sites), 2.0)
        self.channel_cum = zipf_cum(len(CHANNELS), 1.0, 0.9)
        self.other_cum = zipf_cum(len(OTHER_CHANNELS), 1.0)
        self.user_cum = zipf_cum(300, 3.0)


def build_pools(real: list[tuple[Article, Analysis]], stories: int) -> Pools:
    rng = random.Random(SEED)
    sentences = sorted({s for a, _ in real for p in a.paragraphs for s in split_sentences(p) if 30 <= len(s) <= 400})
    quote_texts = sorted({q.text for _, an in real for q in an.quotes if len(q.text) >= 20})
    titles = [a.title.split() for a, _ in real if a.title and len(a.title.split()) >= 4]
    title_words = sorted({w for t in titles for w in t if _TITLE_WORD.match(w) and w.lower() not in STOP_WORDS})
    sites = sorted({(a.site_name, _host(a.canonical_url or a.url)) for a, _ in real}, key=lambda s: (s[1], s[0] or ""))
    authors = sorted({au for a, _ in real for au in a.authors if _person_name(au)})
    descriptions = sorted({a.description for a, _ in real if a.description and len(a.description) < 600})
    themes = sorted({t.label for _, an in real for t in an.themes})
    topics = sorted({(t.id, t.label) for _, an in real for t in an.topics})

    real_names = sorted({n for _, an in real for n in [p.name for p in an.people] + [q.speaker or "" for q in an.quotes]
                         if _person_name(n)})
    two = [n.split() for n in real_names if len(n.split()) == 2]
    firsts = sorted({p[0] for p in two})
    n_people = max(2_000, min(100_000, stories // 10))
    surnames = surname_pool(sorted({p[-1] for p in two}), rng, max(300, n_people // 4))
    orgs = _org_entries(real, rng, surnames, max(1_000, min(100_000, stories // 10)))

    # titles: the real ones, half the people get one; "<role> at <org>" from real roles
    stated = [q.speaker_title for _, an in real for q in an.quotes] + [p.title for _, an in real for p in an.people]
    real_titles = sorted({t for t in stated if t and 4 <= len(t) <= 120 and t[0].isalpha()})
    roles = sorted({re.split(r" (?:at|of|for|with) ", t)[0] for t in real_titles
                    if len(re.split(r" (?:at|of|for|with) ", t)[0].split()) <= 4})
    affiliation = zipf_cum(min(len(orgs), 2_000), 10.0)  # people work for the organizations in the news
    names = list(real_names)
    known = {codec.name_key(n) for n in names}
    first_cum, surname_cum = zipf_cum(len(firsts), 5.0), zipf_cum(len(surnames), 10.0)
    for _ in range(n_people * 20):  # first names and surnames as common as in life: a few, then a long tail
        if len(names) >= n_people:
            break
        name = f"{firsts[draw(rng, first_cum)]} {surnames[draw(rng, surname_cum)]}"
        if codec.name_key(name) not in known:
            known.add(codec.name_key(name))
            names.append(name)
    rng.shuffle(names)
    people_pool = []
    seen: set[str] = set()
    for n in names:
        key = codec.name_key(n)
        if key in seen:
            continue
        seen.add(key)
        r = rng.random()
        org: int | None = None
        title: str | None = None
        if r < 0.2 and real_titles:
            title = rng.choice(real_titles)
        elif r < 0.5 and roles:
            org = draw(rng, affiliation)
            title = f"{rng.choice(roles)} {rng.choice(('at', 'of', 'for'))} {orgs[org].written}"
        parts = n.split()
        surname = parts[-1] if len(parts) > 1 and parts[-1].casefold().strip(".,") not in codec.NAME_SUFFIXES else None
        people_pool.append(PersonEntry(n, key, title, surname, org))
    return Pools(
        sentences=sentences, quotes=quote_texts, titles=titles, title_words=title_words, sites=sites,
        authors=authors, descriptions=descriptions, themes=themes, topics=topics, orgs=orgs, people=people_pool,
    )


def surname_pool(real: list[str], rng: random.Random, n: int) -> list[str]:
    """The real surnames (shuffled: the common ones), then made-up ones joining the head of one
    to the tail of another ("Mah" + "ovalov") up to `n`: the long tail of rare names."""
    heads = [w for w in real if w.isalpha() and len(w) >= 4]
    pool = list(real)
    rng.shuffle(pool)
    seen = {w.casefold() for w in pool}
    for _ in range(n * 10):
        if len(pool) >= n or not heads:
            break
        a, b = rng.choice(heads), rng.choice(heads)
        name = a[: rng.randint(2, len(a) - 1)] + b[-rng.randint(2, len(b) - 1) :].lower()
        if name.casefold() not in seen:
            seen.add(name.casefold())
            pool.append(name)
    return pool


def _host(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url)
    return m.group(1) if m else "news.example"


@functools.lru_cache(maxsize=1 << 18)
def _quote_source(speaker: str | None, title: str | None, named: tuple[Organization, ...]) -> tuple[str, str | None]:
    decision, org = quote_kind(speaker, title, named)
    return decision.kind, org


def quote_source(
    speaker: str | None, title: str | None, orgs: list[tuple[Organization, OrgEntry]]
) -> tuple[str, str | None]:
    """(source_kind, source_org) as the analyzer's `source_kinds.classify` makes them, the
    organizations already kinded. Only those the speaker's title contains, or the speaker is,
    can count, so the call gets those alone, and is remembered (a person keeps a title)."""
    s = (speaker or "").casefold()
    if title:
        t = title.casefold()
        named = tuple(o for o, e in orgs if s in e.folded or any(n in t for n in e.folded))
    else:
        named = tuple(o for o, e in orgs if s in e.folded)
    return _quote_source(speaker, title, named)


# --- stories ----------------------------------------------------------------------------------

QUOTES_CUM = list(itertools.accumulate((20.0, 15.0, 17.0, 15.0, 13.0, 11.0, 9.0)))  # 0..6 quotes a story


@dataclass(frozen=True, slots=True)
class Story:
    """One synthesized story, as the worker would hand it to `save_and_share` (and `record_share`
    for a second share)."""

    article_id: int
    url: str  # as shared
    article: Article
    analysis: Analysis
    shares: tuple[Share, ...]
    validators: Validators  # the page's ETag / Last-Modified, as the fetch returned them


class StoryMaker:
    """Stories 1..total in the order they were first shared (ids rise with time). Chunk k is
    drawn from its own seeded generator, so a chunk is the same whatever ran before it."""

    def __init__(self, pools: Pools, total: int) -> None:
        self.p = pools
        self.total = total
        self.span = (LAST_MOMENT - FIRST_DAY).total_seconds()

    def chunks(self) -> int:
        return -(-self.total // CHUNK)

    def chunk(self, index: int) -> list[Story]:
        rng = random.Random(f"{SEED}:{self.total}:{index}")
        first = index * CHUNK
        return [self.story(rng, i) for i in range(first, min(self.total, first + CHUNK))]

    def story(self, rng: random.Random, i: int) -> Story:
        p = self.p
        seen = FIRST_DAY + timedelta(seconds=self.span * (i + rng.random()) / self.total)
        if rng.random() < LATE_SHARE:
            published = FIRST_DAY + (seen - FIRST_DAY) * rng.random()
        else:  # published a few hours before it was shared
            published = max(FIRST_DAY, seen - timedelta(seconds=rng.expovariate(1 / 14_400)))
        if rng.random() < 0.3:
            stated = published.date().isoformat()
        else:
            zone = timezone(timedelta(minutes=rng.choice((0, 0, 0, -300, -240, -420, 60, 120, 330, 480))))
            stated = published.astimezone(zone).isoformat(timespec="seconds")

        # who is quoted (a speaker is often quoted again), who else is named
        n_quotes = draw(rng, QUOTES_CUM)
        speakers: list[int] = []
        said_by: list[int] = []
        for _ in range(n_quotes):
            k = rng.choice(speakers) if speakers and rng.random() < 0.5 else draw(rng, p.person_cum)
            if k not in speakers:
                speakers.append(k)
            said_by.append(k)
        named = [k for k in draw_distinct(rng, p.person_cum, rng.randint(0, 3)) if k not in speakers]

        # the text: sentences in paragraphs of 1-3, quote paragraphs placed among them
        sentences = rng.sample(p.sentences, rng.randint(6, 15))
        body: list[tuple[str, int]] = []  # (paragraph, quote index or -1)
        j = 0
        while j < len(sentences):
            n = rng.randint(1, 3)
            body.append((" ".join(sentences[j : j + n]), -1))
            j += n
        titled: set[int] = set()
        quote_texts = rng.sample(p.quotes, n_quotes)
        written: list[str] = []
        for q, (qt, k) in enumerate(zip(quote_texts, said_by, strict=True)):
            person = p.people[k]
            who = person.surname if person.surname and k in titled and rng.random() < 0.5 else person.name
            written.append(who)
            stated_title = f", {person.title}" if person.title and k not in titled else ""
            titled.add(k)
            body.insert(rng.randint(1, len(body)), (f"“{qt}” said {who}{stated_title}.", q))
        paragraphs = tuple(par for par, _ in body)
        starts: dict[int, int] = {}
        offset = 0
        for par, q in body:
            if q >= 0:
                starts[q] = offset + 1  # after the opening quotation mark
            offset += len(par) + 2
        scores = [round(rng.uniform(0.3, 0.95), 4) for _ in range(n_quotes)]
        key_floor = sorted(scores, reverse=True)[min(1, n_quotes - 1)] if n_quotes else 1.0
        people_list = tuple(
            [Person(name=p.people[k].name, title=p.people[k].title, mentions=said_by.count(k) + rng.randint(0, 3),
                    quoted=True) for k in speakers]
            + [Person(name=p.people[k].name, title=p.people[k].title, mentions=rng.randint(1, 3)) for k in named]
        )
        picked = draw_distinct(rng, p.org_cum, rng.randint(2, 8))
        picked += [k for k in dict.fromkeys(p.people[s].org for s in speakers) if k is not None and k not in picked]
        orgs = sorted(
            ((Organization(name=o.written, aliases=o.aliases, mentions=rng.randint(1, 6),
                           score=round(rng.uniform(0.5, 6.0), 3), kind=o.kind), o)
             for o in (p.orgs[k] for k in picked)),
            key=lambda pair: -pair[0].score,
        )
        quote_list = []
        for q, qt in enumerate(quote_texts):
            role = p.people[said_by[q]].title
            kind, source_org = quote_source(written[q], role, orgs)
            quote_list.append(Quote(text=qt, speaker=written[q], speaker_title=role, key=scores[q] >= key_floor,
                                    score=scores[q], start=starts[q], end=starts[q] + len(qt), source_kind=kind,
                                    source_org=source_org))
        n_labels = rng.randint(3, 8)
        n_topics = min(rng.randint(1, 2), len(p.topics))
        themes = tuple(sorted((Theme(label=t, score=round(rng.uniform(0.1, 1.0), 3))
                               for t in rng.sample(p.themes, n_labels - n_topics)), key=lambda t: -t.score))
        topics = tuple(Topic(id=t[0], label=t[1], score=round(rng.uniform(1.0, 30.0), 2))
                       for t in rng.sample(p.topics, n_topics))

        head, tail = rng.choice(p.titles), rng.choice(p.titles)
        words = head[: rng.randint(2, min(6, len(head) - 1))] + tail[-rng.randint(2, min(6, len(tail) - 1)) :]
        title = " ".join(words)
        if rng.random() < 0.2:
            title = f"{orgs[0][1].name}: {title}"
        site_name, host = p.sites[draw(rng, p.site_cum)]
        slug = "-".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split()[:8])
        canonical = f"https://{host}/{published:%Y/%m/%d}/{slug}-{i + 1}"
        url = f"{canonical}?utm_source=slack" if rng.random() < 0.15 else canonical
        r = rng.random()
        description = sentences[0] if r < 0.5 else rng.choice(p.descriptions) if r < 0.75 and p.descriptions else None
        article = Article(
            url=url, canonical_url=canonical, title=title,
            authors=tuple(rng.sample(p.authors, rng.choice((0, 1, 1, 2)))),
            published=stated, site_name=site_name, language="en", description=description, paragraphs=paragraphs,
        )
        analysis = Analysis(summary=tuple(sentences[:3]), quotes=tuple(quote_list),
                            organizations=tuple(o for o, _ in orgs), people=people_list, themes=themes, topics=topics)

        user = f"UBENCH{draw(rng, p.user_cum):04d}"
        thread = f"{seen.timestamp() - rng.uniform(60, 7_200):.6f}" if rng.random() < 0.05 else None
        if rng.random() < OTHER_SHARE:
            first = Share(OTHER_TEAM, OTHER_CHANNELS[draw(rng, p.other_cum)], f"{seen.timestamp():.6f}", user, thread)
            share_list: tuple[Share, ...] = (first,)
        else:
            c = draw(rng, p.channel_cum)
            first = Share(TEAM, CHANNELS[c], f"{seen.timestamp():.6f}", user, thread)
            share_list = (first,)
            if rng.random() < SECOND_SHARE:
                c2 = next(k for k in iter(lambda: draw(rng, p.channel_cum), -1) if k != c)
                later = seen.timestamp() + rng.expovariate(1 / 10_800)
                share_list = (first, Share(TEAM, CHANNELS[c2], f"{later:.6f}", f"UBENCH{draw(rng, p.user_cum):04d}"))
        validators = Validators(
            etag=(f'W/"{rng.getrandbits(64):016x}"' if rng.random() < 0.3 else f'"{rng.getrandbits(96):024x}"')
            if rng.random() < 0.6 else None,
            last_modified=(format_datetime(published.replace(microsecond=0), usegmt=True)
                           if rng.random() < 0.5 else None),
        )
        return Story(i + 1, url, article, analysis, share_list, validators)


# --- rows: what `save_and_share` would store ------------------------------------------------------

Rows = dict[str, list[tuple[Any, ...]]]


@dataclass
class Chunk:
    rows: Rows
    quoted: dict[str, int]  # person name_key -> quotes attributed to them
    org_articles: dict[str, int]  # org name_key -> TBENCH articles mentioning it


class RowBuilder:
    """Turns stories into table rows as the save path would write them: `_save_orgs` and
    `_save_people` are replayed against the organizations and people of the pools, each with a
    fixed id (its pool rank + 1). Chunks are thus independent, and drawn in parallel; the entity
    rows themselves (created where an entity is first met) and the quote and share ids (in save
    order) are the `Sequencer`'s, in the writing process.

    `dt` converts an aware datetime to what the driver is given (SQLite: SQLAlchemy's own text
    form; asyncpg: the datetime)."""

    def __init__(self, pools: Pools, dt: Callable[[datetime], Any]) -> None:
        self.dt = dt
        self.alias_owner = {k: i + 1 for i, o in enumerate(pools.orgs) for k in o.keys}  # org_aliases
        self.org_names = {i + 1: o.name_key for i, o in enumerate(pools.orgs)}
        self.person_ids = {p.name_key: i + 1 for i, p in enumerate(pools.people)}  # people

    def chunk(self, stories: list[Story]) -> Chunk:
        out = Chunk({t.name: [] for t in (*ENTITY_TABLES, *ROW_TABLES)}, {}, {})
        out.rows["search"] = []
        if stories and analysis_json(stories[0].analysis) != json.dumps(codec.analysis_to_json(stories[0].analysis)):
            raise AssertionError("analysis_json no longer matches codec.analysis_to_json")
        for s in stories:
            self._story(s, out)
        return out

    def _story(self, s: Story, out: Chunk) -> None:
        a, an, aid, rows = s.article, s.analysis, s.article_id, out.rows
        canonical = a.canonical_url or s.url
        now = share_time(s.shares[0])  # the worker saved it when it was first shared
        sort_at = parse_published(a.published) or now
        rows["articles"].append((
            aid, canonical, a.title, a.site_name, json.dumps(list(a.authors)), a.published, a.language, a.description,
            json.dumps(list(a.paragraphs)), a.word_count, self.dt(sort_at), self.dt(now), aid, self.dt(now),
            (s.validators.etag or "")[:512] or None, (s.validators.last_modified or "")[:64] or None,
        ))
        for u in dict.fromkeys(u for u in (s.url, canonical, a.url) if u):
            rows["article_urls"].append((u, aid))
        rows["analyses"].append((aid, aid, ANALYZER_VERSION, self.dt(now), analysis_json(an)))
        in_team = any(sh.team == TEAM for sh in s.shares)
        self._orgs(aid, an, sort_at, in_team, out)
        self._people(aid, an, sort_at, out)
        for sh in s.shares:  # ids: the Sequencer's
            rows["shares"].append((0, aid, sh.team, sh.channel, sh.message_ts, sh.thread_ts, sh.user,
                                   self.dt(share_time(sh))))
        body = "\n\n".join(filter(None, [a.site_name, a.description, a.text]))
        themes = " ; ".join([t.label for t in an.themes] + [t.label for t in an.topics])
        rows["search"].append((aid, a.title or "", body[:MAX_SEARCH_BODY_CHARS], themes))

    def _orgs(self, aid: int, an: Analysis, sort_at: datetime, in_team: bool, out: Chunk) -> None:
        """`archive._save_orgs`: each organization resolves through its own name, else any alias."""
        orgs = sorted(an.organizations, key=lambda o: codec.org_key(o.name))
        counts: dict[int, int] = {}
        for org in orgs:
            keys = [codec.org_key(x) for x in (*org.aliases, org.name) if x.strip()]
            own = codec.org_key(org.name)
            oid = self.alias_owner.get(own) or next((self.alias_owner[k] for k in keys if k in self.alias_owner), None)
            if oid is None:
                raise AssertionError(f"a story names an organization outside the pools: {org.name!r}")
            counts[oid] = counts.get(oid, 0) + org.mentions
        month, at = month_of(sort_at), self.dt(sort_at)
        for oid, n in counts.items():
            out.rows["org_mentions"].append((aid, oid, aid, n, at, month))
            if in_team:
                key = self.org_names[oid]
                out.org_articles[key] = out.org_articles.get(key, 0) + 1

    def _people(self, aid: int, an: Analysis, sort_at: datetime, out: Chunk) -> None:
        """The save path's own decision (`archive.people_rows`), with ids known up front."""
        plan = people_rows(an)
        unknown = [nk for nk in plan.names if nk not in self.person_ids]
        if unknown:
            raise AssertionError(f"a story names people the pools do not hold: {unknown}")
        ids = self.person_ids
        at = self.dt(sort_at)
        for pos, (q, who) in enumerate(zip(an.quotes, plan.speakers, strict=True)):
            pid = ids[who] if who is not None else None
            if who is not None:
                out.quoted[who] = out.quoted.get(who, 0) + 1
            out.rows["quotes"].append((0, aid, aid, pid, pos, q.text, q.speaker, q.speaker_title, q.key, q.score, at,
                                       q.source_kind or None, q.source_org))
        for nk, r in plan.mentions.items():
            out.rows["person_mentions"].append((aid, ids[nk], aid, r["title"], r["mentions"], r["quoted"]))


@dataclass
class BuildStats:
    """What the build made, for the report and for drawing queries from what is there."""

    organizations: int = 0
    people: int = 0
    quotes: int = 0
    shares: int = 0
    quoted: dict[str, int] = field(default_factory=dict)  # person name_key -> quotes attributed to them
    org_articles: dict[str, int] = field(default_factory=dict)  # org name_key -> TBENCH articles


class Sequencer:
    """The part of saving that depends on what came before, applied to chunks in story order:
    an organization or person gets its rows (and aliases) with the first story that names it,
    as `_ensure_entities` creates it; quotes and shares are numbered in save order."""

    def __init__(self, pools: Pools, stats: BuildStats) -> None:
        self.pools = pools
        self.orgs_seen: set[int] = set()
        self.people_seen: set[int] = set()
        self.stats = stats

    def __call__(self, chunk: Chunk) -> Rows:
        rows, st = chunk.rows, self.stats
        rows["quotes"] = [(st.quotes + i, *r[1:]) for i, r in enumerate(rows["quotes"], 1)]
        rows["shares"] = [(st.shares + i, *r[1:]) for i, r in enumerate(rows["shares"], 1)]
        st.quotes += len(rows["quotes"])
        st.shares += len(rows["shares"])
        for r in rows["org_mentions"]:
            if r[1] not in self.orgs_seen:
                self.orgs_seen.add(r[1])
                org = self.pools.orgs[r[1] - 1]
                rows["organizations"].append((r[1], org.name, org.name_key))
                rows["org_aliases"].extend((k, a, r[1]) for k, a in sorted(org.keys.items()))
        for r in rows["person_mentions"]:
            if r[1] not in self.people_seen:
                self.people_seen.add(r[1])
                person = self.pools.people[r[1] - 1]
                rows["people"].append((r[1], person.name, person.name_key))
                rows["person_aliases"].extend((k, r[1]) for k in sorted(codec.person_keys(person.name)))
        st.organizations, st.people = len(self.orgs_seen), len(self.people_seen)
        for k, n in chunk.quoted.items():
            st.quoted[k] = st.quoted.get(k, 0) + n
        for k, n in chunk.org_articles.items():
            st.org_articles[k] = st.org_articles.get(k, 0) + n
        return rows


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(obj: Any) -> dict[str, Any]:
    names = _FIELDS.get(type(obj))
    if names is None:
        names = _FIELDS[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
    return {n: getattr(obj, n) for n in names}


def analysis_json(an: Analysis) -> str:
    """`json.dumps(codec.analysis_to_json(an))` (`dataclasses.asdict`) at a fifth of the cost: the
    parts of an analysis hold scalars and tuples of strings only. `RowBuilder` compares the two
    on the first story of every chunk."""
    return json.dumps({k: [_fields(v) if dataclasses.is_dataclass(v) else v for v in val] if isinstance(val, tuple)
                       else val for k, val in _fields(an).items()})


# The columns `RowBuilder` fills, in its tuples' order: every column the save path writes. A
# column added to the schema fails the run (`check_columns`) until it is taught here.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "name_key"),
    "org_aliases": ("alias_key", "alias", "org_id"),
    "people": ("id", "name", "name_key"),
    "person_aliases": ("alias_key", "person_id"),
    "articles": ("id", "canonical_url", "title", "site_name", "authors", "published", "language", "description",
                 "paragraphs", "word_count", "sort_at", "first_seen_at", "latest_analysis_id", "updated_at", "etag",
                 "last_modified"),
    "article_urls": ("url", "article_id"),
    "analyses": ("id", "article_id", "analyzer_version", "created_at", "data"),
    "quotes": ("id", "analysis_id", "article_id", "person_id", "position", "text", "speaker", "speaker_title", "key",
               "score", "sort_at", "source_kind", "source_org"),
    "org_mentions": ("analysis_id", "org_id", "article_id", "mentions", "sort_at", "month"),
    "person_mentions": ("analysis_id", "person_id", "article_id", "title", "mentions", "quoted"),
    "shares": ("id", "article_id", "team", "channel", "message_ts", "thread_ts", "user", "shared_at"),
}


def check_columns() -> None:
    for table in (*ENTITY_TABLES, *ROW_TABLES):
        have, fill = {c.name for c in table.c}, set(COLUMNS[table.name])
        if have != fill:
            raise SystemExit(f"bench.search: table {table.name} has columns {sorted(have - fill)} the bench does not "
                             f"fill (or lacks {sorted(fill - have)}): teach RowBuilder what the save path stores there")


def columns(table: Table) -> list[str]:
    return list(COLUMNS[table.name])


def insert_sql(table: Table) -> str:
    names = ", ".join(f'"{c}"' for c in columns(table))
    return f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns(table)))})"


def sqlite_datetime() -> Callable[[datetime], Any]:
    """How SQLAlchemy hands a `UTCDateTime` to SQLite (naive UTC text)."""
    d = sqlite_dialect.dialect()
    process = articles.c.sort_at.type.dialect_impl(d).bind_processor(d)
    assert process is not None
    return process


def same(moment: datetime) -> datetime:
    return moment


_WORKER: tuple[StoryMaker, RowBuilder] | None = None  # in a row process


def _rows_init(pools: Pools, total: int, sqlite: bool) -> None:
    global _WORKER
    _WORKER = (StoryMaker(pools, total), RowBuilder(pools, sqlite_datetime() if sqlite else same))


def _rows_chunk(k: int) -> Chunk:
    assert _WORKER is not None
    maker, builder = _WORKER
    return builder.chunk(maker.chunk(k))


async def row_chunks(pools: Pools, total: int, sqlite: bool, phases: dict[str, float], stats: BuildStats,
                     *, processes: int = 0) -> AsyncIterator[Rows]:
    """The archive's rows, CHUNK stories at a time and in story order, drawn by `processes`
    child processes (0: in this one) a few chunks ahead of the writer, whose driver then has the
    GIL to itself. phases["waiting_for_rows"]: how long the writer waited for them; `stats` is
    the Sequencer's, filled as the chunks go."""
    n = -(-total // CHUNK)
    sequence = Sequencer(pools, stats)
    phases.setdefault("waiting_for_rows", 0.0)
    if processes == 0:
        _rows_init(pools, total, sqlite)
        for k in range(n):
            yield sequence(_rows_chunk(k))
        return
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"), initializer=_rows_init,
                             initargs=(pools, total, sqlite)) as pool:
        ahead = deque(loop.run_in_executor(pool, _rows_chunk, k) for k in range(min(processes + 1, n)))
        for k in range(n):
            t0 = time.perf_counter()
            chunk = await ahead.popleft()
            phases["waiting_for_rows"] += time.perf_counter() - t0
            if k + len(ahead) + 1 < n:
                ahead.append(loop.run_in_executor(pool, _rows_chunk, k + len(ahead) + 1))
            yield sequence(chunk)


# --- bulk loads ---------------------------------------------------------------------------------


async def load_sqlite(path: str, chunks: AsyncIterator[Rows], phases: dict[str, float]) -> None:
    """executemany per table per chunk, one transaction per chunk, on one stdlib connection
    (in a thread: the event loop keeps receiving the next chunk meanwhile)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-524288")  # 512 MB: the indexes being filled stay in memory
    conn.execute("PRAGMA temp_store=MEMORY")
    sql = {t.name: insert_sql(t) for t in (*ENTITY_TABLES, *ROW_TABLES)}
    sql["search"] = "INSERT INTO search_fts (rowid, title, body, themes) VALUES (?, ?, ?, ?)"

    def write(rows: Rows) -> None:
        conn.execute("BEGIN")
        for name, stmt in sql.items():
            if rows[name]:
                conn.executemany(stmt, rows[name])
        conn.execute("COMMIT")

    t0 = time.perf_counter()
    try:
        async for rows in chunks:
            await asyncio.to_thread(write, rows)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a live archive's WAL is checkpointed as it goes
    finally:
        conn.close()
    phases["rows"] = time.perf_counter() - t0


async def load_pg(dsn: str, chunks: AsyncIterator[Rows], phases: dict[str, float]) -> None:
    """COPY per table per chunk; the search text COPYed into an unlogged staging table, turned
    into tsvectors by INSERT ... SELECT with the GIN indexes dropped, which are then rebuilt.

    Two liberties, both for speed and neither visible in the result: foreign-key triggers are
    skipped during the COPYs when the role may (session_replication_role, superusers: the rows
    are consistent by construction, see --verify), and the tsvector INSERT and the index builds
    run one per CPU at once (in article id slices; index by index)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        with suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        for name in PG_SEARCH_INDEXES:
            await conn.execute(f"DROP INDEX {name}")
        await conn.execute("CREATE UNLOGGED TABLE bench_search_text "
                           "(article_id integer NOT NULL, title text, body text, themes text)")
        t0 = time.perf_counter()
        top = 0
        async for rows in chunks:
            async with conn.transaction():
                for table in (*ENTITY_TABLES, *ROW_TABLES):
                    if rows[table.name]:
                        await conn.copy_records_to_table(table.name, records=rows[table.name], columns=columns(table))
                await conn.copy_records_to_table("bench_search_text", records=rows["search"],
                                                 columns=list(SEARCH_COLUMNS))
            top = max(top, rows["articles"][-1][0] if rows["articles"] else 0)
        phases["rows"] = time.perf_counter() - t0
        await conn.execute("RESET session_replication_role")

        t0 = time.perf_counter()
        cpus = max(1, os.cpu_count() or 1)
        bounds = [top * k // cpus for k in range(cpus + 1)]
        await on_connections(dsn, [
            "INSERT INTO search_docs (article_id, doc, themes, title) SELECT article_id, "
            "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'D'), "
            "to_tsvector('english', themes), to_tsvector('english', title) FROM bench_search_text "
            f"WHERE article_id > {lo} AND article_id <= {hi}"
            for lo, hi in itertools.pairwise(bounds)
        ], cpus)
        await conn.execute("DROP TABLE bench_search_text")
        phases["search_docs"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        await on_connections(dsn, list(PG_SEARCH_INDEXES.values()), cpus, setup="SET maintenance_work_mem = '1GB'")
        phases["search_indexes"] = time.perf_counter() - t0
        for serial in SERIAL_TABLES:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{serial}', 'id'), "
                               f"coalesce((SELECT max(id) FROM {serial}), 0) + 1, false)")
    finally:
        await conn.close()


async def on_connections(dsn: str, statements: list[str], width: int, setup: str | None = None) -> None:
    """Run the statements, `width` at a time, each connection taking the next one when free."""
    import asyncpg

    todo = deque(statements)

    async def worker() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            if setup:
                await conn.execute(setup)
            while todo:
                await conn.execute(todo.popleft())
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(min(width, len(statements)))))


# --- lookups --------------------------------------------------------------------------------------

Call = Callable[[], Awaitable[Any]]


def _common_title_words(pools: Pools, k: int) -> list[str]:
    """Title words found in the most pool sentences: the common ones of the archive."""
    counts = {w: 0 for w in pools.title_words}
    lowered = [set(re.findall(r"\w+", s.lower())) for s in pools.sentences]
    for w in counts:
        lw = w.lower()
        counts[w] = sum(lw in words for words in lowered)
    return sorted(counts, key=lambda w: (-counts[w], w))[:k]


def query_pools(pools: Pools, builder: BuildStats) -> dict[str, list[str]]:
    """What people ask for, drawn from the archive's own pools: common and rare words, popular
    and seldom-quoted people, big and small organizations (by name, alias, partial name)."""
    rng = random.Random(11)
    common = _common_title_words(pools, 8)
    by_title = [[w for w in t if _TITLE_WORD.match(w) and w.lower() not in STOP_WORDS] for t in pools.titles]
    by_title = [t for t in by_title if len(t) >= 2]
    search = common + rng.sample(pools.title_words, 8)
    search += [f"{rng.choice(common)} {rng.choice(pools.title_words)}" for _ in range(6)]
    search += [" ".join(rng.sample(rng.choice(by_title), 2)) for _ in range(6)]  # words of one headline
    search += [f"{a} {b}" for a, b in (rng.sample(pools.title_words, 2) for _ in range(8))]  # rarely together

    names = {p.name_key: p.name for p in pools.people}
    quoted = sorted(builder.quoted, key=lambda k: (-builder.quoted[k], k))
    popular, rare = quoted[:10], [k for k in quoted if builder.quoted[k] <= 3]
    rare = rng.sample(rare, min(10, len(rare))) if rare else quoted[-10:]
    surname = {p.name_key: p.surname for p in pools.people}
    quotes = [names.get(k, k) for k in popular + rare]
    quotes += [s for k in popular[:5] + rare[:5] if (s := surname.get(k))]

    by_key = {o.name_key: o for o in pools.orgs}
    big = sorted(builder.org_articles, key=lambda k: (-builder.org_articles[k], k))
    small = [k for k in big if builder.org_articles[k] <= 5]
    orgs = [by_key[k].name if k in by_key else k for k in big[:10]]
    orgs += [a for k in big[:60] if k in by_key for a in by_key[k].aliases[:1]][:6]
    orgs += [by_key[k].name if k in by_key else k for k in rng.sample(small, min(8, len(small)))]
    orgs += [k[: max(4, len(k) - 2)] for k in big[:40] if len(k) >= 7 and " " not in k][:4]  # partial names

    themes = rng.sample(pools.themes, min(30, len(pools.themes)))
    return {"search": search, "quotes": quotes, "org": orgs, "theme": themes}


async def lookups(store: Store, qs: dict[str, list[str]]) -> dict[str, list[Call]]:
    """The calls each kind times. "More" pages continue from the first page's key, fetched here."""
    busy = CHANNELS[:3]
    calls: dict[str, list[Call]] = {
        "search": [partial(store.search, q, team=TEAM) for q in qs["search"]],
        "quotes": [partial(store.quotes_by, q, team=TEAM) for q in qs["quotes"]],
        "org": [partial(store.org_report, q, team=TEAM) for q in qs["org"]],
        "theme": [partial(store.theme, q, team=TEAM) for q in qs["theme"]],
        "recent": [partial(store.recent, team=TEAM, channel=c, limit=5) for c in busy],
        "who": [partial(store.who, q, team=TEAM) for q in qs["quotes"]],  # names and surnames, as asked
        "sources": [partial(store.sources, TEAM, c, days, now=LAST_MOMENT) for c in busy for days in (7, 30)],
    }
    recent_more: list[Call] = []
    for c in busy:
        page = await store.recent(team=TEAM, channel=c, limit=5)
        if page.after:
            recent_more.append(partial(store.recent, team=TEAM, channel=c, limit=5, after=page.after))
    quotes_more: list[Call] = []
    for q in qs["quotes"]:
        page = await store.quotes_by(q, team=TEAM)
        if page.after:
            quotes_more.append(partial(store.quotes_by, q, team=TEAM, after=page.after))
    org_more: list[Call] = []
    for q in qs["org"]:
        report = await store.org_report(q, team=TEAM)
        if report is not None and report.articles.after:
            org_more.append(partial(store.org_report, q, team=TEAM, after=report.articles.after))
    calls.update(recent_more=recent_more, quotes_more=quotes_more, org_more=org_more)

    async with store._engine.connect() as conn:
        last = (await conn.execute(
            select(shares.c.shared_at).where(shares.c.team == TEAM, shares.c.channel == CHANNELS[0])
            .order_by(shares.c.shared_at.desc()).limit(1)
        )).scalar()
    if last is not None:
        day = last.replace(hour=0, minute=0, second=0, microsecond=0)
        days = [day - timedelta(days=k) for k in range(10)]
        calls["digest"] = [partial(store.digest_period_articles, TEAM, CHANNELS[0], d, d + timedelta(days=1))
                           for d in days]
    return {k: v for k, v in calls.items() if v}


def figures(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2), "n": len(times)}


async def measure(calls: dict[str, list[Call]], reps: int) -> dict[str, dict[str, float]]:
    out = {}
    for kind, variants in calls.items():
        for call in variants[:3]:  # warm caches
            await call()
        times = []
        for i in range(reps):
            t0 = time.perf_counter()
            await variants[i % len(variants)]()
            times.append((time.perf_counter() - t0) * 1000)
        out[kind] = figures(times)
    return out


async def measure_during_sweep(store: Store, calls: dict[str, list[Call]]) -> dict[str, Any]:
    """A retention sweep (the oldest ~10 % of shares) in a background task; meanwhile every kind
    is timed in turn, round after round, until it ends. Only calls started before it ended count."""
    async with store._engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(shares))).scalar_one()
        cutoff = (await conn.execute(
            select(shares.c.shared_at).order_by(shares.c.shared_at).offset(n // 10).limit(1)
        )).scalar_one()
    t0 = time.perf_counter()
    task = asyncio.create_task(store.purge(cutoff))
    times: dict[str, list[float]] = {k: [] for k in calls}
    i = 0
    while not task.done():
        for kind, variants in calls.items():
            if task.done():
                break
            s = time.perf_counter()
            await variants[i % len(variants)]()
            times[kind].append((time.perf_counter() - s) * 1000)
        i += 1
    deleted = await task
    return {
        "cutoff": cutoff.isoformat(),
        "seconds": round(time.perf_counter() - t0, 1),
        "deleted": deleted,
        "queries": {k: figures(v) for k, v in times.items() if v},
    }


async def sanity(store: Store, qs: dict[str, list[str]], builder: BuildStats) -> dict[str, Any]:
    """The archive as the Store sees it: searches find titled hits, an organization report counts
    what the mentions say, the most quoted person's quotes come back."""
    out: dict[str, Any] = {}
    page = await store.search(qs["search"][0], team=TEAM)
    out["search"] = {"query": qs["search"][0], "hits": len(page.items),
                     "titled": all(h.title for h in page.items), "first": page.items[0].title if page.items else None}
    name = qs["org"][0]
    report = await store.org_report(name, team=TEAM)
    async with store._engine.connect() as conn:
        direct = (await conn.execute(text(
            "SELECT count(DISTINCT m.article_id) FROM org_mentions m JOIN org_aliases a ON a.org_id = m.org_id "
            "WHERE a.alias_key = :key AND EXISTS (SELECT 1 FROM shares s WHERE s.article_id = m.article_id "
            "AND s.team = :team)"), {"key": codec.org_key(name), "team": TEAM})).scalar_one()
    out["org"] = {"name": name, "report_count": report.article_count if report else None, "direct_count": direct,
                  "generated": builder.org_articles.get(codec.org_key(name)),
                  "ok": report is not None and report.article_count == direct}
    who = qs["quotes"][0]
    page = await store.quotes_by(who, team=TEAM)
    out["quotes"] = {"person": who, "items": len(page.items), "has_more": page.has_more,
                     "first": page.items[0].quote.text[:80] if page.items else None}
    out["ok"] = bool(out["search"]["hits"] and out["search"]["titled"] and out["org"]["ok"] and out["quotes"]["items"])
    return out


# --- per backend -----------------------------------------------------------------------------------


def row_processes() -> int:
    """Processes drawing rows: one per CPU (the writer and the database mostly wait on them)."""
    return max(1, min(8, os.cpu_count() or 1))


async def finish_build(store: Store, phases: dict[str, float]) -> None:
    """Counters from the mentions; PostgreSQL statistics (autovacuum's job in a live archive:
    just after a bulk load they describe empty tables). SQLite gets no ANALYZE: Newsbot never
    runs it there, so neither does its benchmark."""
    t0 = time.perf_counter()
    await run_write(store._engine, rebuild_org_months)
    phases["org_months"] = time.perf_counter() - t0
    if store.dialect == "postgresql":
        t0 = time.perf_counter()
        async with store._engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        phases["analyze"] = time.perf_counter() - t0


async def bulk_load(
    store: Store, sqlite_path: str | None, dsn: str | None, chunks: AsyncIterator[Rows], phases: dict[str, float]
) -> None:
    """The rows into the migrated database (executemany on SQLite, COPY on PostgreSQL), then the
    indexes, counters and statistics."""
    if sqlite_path is not None:
        await load_sqlite(sqlite_path, chunks, phases)
    else:
        assert dsn is not None
        await load_pg(dsn, chunks, phases)
    await finish_build(store, phases)


def file_bytes(*paths: str) -> int:
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p))


async def db_bytes(store: Store, sqlite_path: str | None) -> int:
    """SQLite: the file and its WAL; PostgreSQL: pg_database_size."""
    if sqlite_path is not None:
        return file_bytes(sqlite_path, sqlite_path + "-wal")
    async with store._engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one())


async def bench_backend(url: str, pools: Pools, count: int, args: argparse.Namespace, *,
                        sqlite_path: str | None = None, dsn: str | None = None) -> dict[str, Any]:
    store = await Store.open(url)
    try:
        phases: dict[str, float] = {}
        stats = BuildStats()
        t0 = time.perf_counter()
        chunks = row_chunks(pools, count, sqlite_path is not None, phases, stats, processes=row_processes())
        await bulk_load(store, sqlite_path, dsn, chunks, phases)
        build_s = time.perf_counter() - t0
        qs = query_pools(pools, stats)
        result: dict[str, Any] = {
            "articles": await store.article_count(),
            "build_seconds": round(build_s, 1),
            "build_phases": {k: round(v, 1) for k, v in phases.items()},
            "db_bytes": await db_bytes(store, sqlite_path),
            "organizations": stats.organizations,
            "people": stats.people,
            "quotes": stats.quotes,
            "shares": stats.shares,
        }
        result["checks"] = await sanity(store, qs, stats)
        calls = await lookups(store, qs)
        result["queries"] = await measure(calls, args.reps)
        if args.sweep:
            result["sweep"] = await measure_during_sweep(store, calls)
        return result
    finally:
        await store.close()


async def bench_sqlite(pools: Pools, count: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.db"
        return await bench_backend(f"sqlite+aiosqlite:///{path}", pools, count, args, sqlite_path=path)


class Unreachable(Exception):
    pass


@asynccontextmanager
async def scratch_pg(admin_url: str) -> AsyncIterator[tuple[str, str]]:
    """A fresh database next to `admin_url`'s, dropped afterwards: (SQLAlchemy URL, asyncpg DSN)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"newsbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                                     timeout=5)
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"PostgreSQL not reachable: {exc}") from exc
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        db = admin.set(database=name)
        yield (db.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
               db.set(drivername="postgresql").render_as_string(hide_password=False))
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def bench_pg(pools: Pools, count: int, args: argparse.Namespace) -> dict[str, Any]:
    try:
        async with scratch_pg(args.pg) as (url, dsn):
            return await bench_backend(url, pools, count, args, dsn=dsn)
    except Unreachable as exc:
        return {"skipped": str(exc)}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    check_columns()
    real = await analyzed_pages(args.pages)
    sqlite_n = args.sqlite_articles if args.sqlite_articles is not None else min(args.articles, 300_000)
    results: dict[str, Any] = {"real_pages": len(real), "articles": args.articles, "sqlite_articles": sqlite_n,
                               "reps": args.reps, "target_ms": TARGET_MS, "backends": {}}
    for backend in args.backends:
        count = sqlite_n if backend == "sqlite" else args.articles
        pools = build_pools(real, count)
        if backend == "sqlite":
            results["backends"]["sqlite"] = await bench_sqlite(pools, count, args)
        else:
            results["backends"]["postgresql"] = await bench_pg(pools, count, args)
    return results


# --- --verify: the bulk rows against the save path ---------------------------------------------

VERIFY_STORIES = 500
NOW_COLUMNS = {"articles": ("first_seen_at", "updated_at"), "analyses": ("created_at",)}  # the save path's now()
SEARCH_SQL = {
    "sqlite": "SELECT rowid AS article_id, title, body, themes FROM search_fts",
    "postgresql": "SELECT article_id, doc::text AS doc, themes::text AS themes, title::text AS title FROM search_docs",
}


def natural(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Rows with organizations and people named by key instead of id (the bulk load numbers
    them by popularity, the save path as they come), the save path's clock left out."""
    org = {r["id"]: r["name_key"] for r in tables["organizations"]}
    person = {r["id"]: r["name_key"] for r in tables["people"]}
    out = {}
    for name, rows in tables.items():
        norm = []
        for r in rows:
            r = {k: v for k, v in r.items() if k not in NOW_COLUMNS.get(name, ())}
            if name in ("organizations", "people"):
                del r["id"]
            if "org_id" in r:
                r["org_id"] = org.get(r["org_id"])
            if "person_id" in r:
                r["person_id"] = person.get(r["person_id"])
            norm.append(repr(sorted(r.items())))
        out[name] = sorted(norm)
    return out


async def dump(dialect: str, sqlite_path: str | None, dsn: str | None) -> dict[str, list[dict[str, Any]]]:
    """Every table the build writes, as the database holds it (raw driver values)."""
    queries = {t.name: f"SELECT * FROM {t.name}" for t in (*ENTITY_TABLES, *ROW_TABLES)}
    queries.update(org_months="SELECT * FROM org_months", search=SEARCH_SQL[dialect])
    if sqlite_path is not None:
        conn = sqlite3.connect(sqlite_path)
        conn.row_factory = sqlite3.Row
        try:
            return {name: [dict(r) for r in conn.execute(sql)] for name, sql in queries.items()}
        finally:
            conn.close()
    import asyncpg

    pg = await asyncpg.connect(dsn)
    try:
        return {name: [dict(r) for r in await pg.fetch(sql)] for name, sql in queries.items()}
    finally:
        await pg.close()


async def build_both(pools: Pools, bulk: tuple[str, str | None, str | None], saved: str) -> None:
    """The same stories into two empty databases: bulk (url, sqlite path, dsn), and through
    `save_and_share` (+ `record_share` for a second share) at `saved`, one at a time, in order."""
    url, sqlite_path, dsn = bulk
    store = await Store.open(url)
    try:
        phases: dict[str, float] = {}
        chunks = row_chunks(pools, VERIFY_STORIES, sqlite_path is not None, phases, BuildStats())
        await bulk_load(store, sqlite_path, dsn, chunks, phases)
    finally:
        await store.close()
    store = await Store.open(saved)
    try:
        maker = StoryMaker(pools, VERIFY_STORIES)
        for k in range(maker.chunks()):
            for story in maker.chunk(k):
                article_id = await store.save_and_share(story.url, story.article, story.analysis, story.shares[0],
                                                        validators=story.validators)
                assert article_id == story.article_id
                for share in story.shares[1:]:
                    await store.record_share(article_id, share)
    finally:
        await store.close()


def compare(backend: str, bulk: dict[str, list[str]], saved: dict[str, list[str]]) -> bool:
    ok = True
    for name in bulk:
        same_rows = bulk[name] == saved[name]
        ok &= same_rows
        print(f"  {backend:<10} {name:<16} bulk {len(bulk[name]):>6}  saved {len(saved[name]):>6}  "
              f"{'same' if same_rows else 'DIFFERENT'}")
        if not same_rows:
            only_bulk, only_saved = set(bulk[name]) - set(saved[name]), set(saved[name]) - set(bulk[name])
            print(f"    only in bulk: {sorted(only_bulk)[:1]}\n    only saved: {sorted(only_saved)[:1]}")
    return ok


def verify_classification(pools: Pools) -> bool:
    """Stories' organization kinds and quote sources are what the analyzer's classify makes."""
    from bot.analysis.source_kinds import classify

    differ = 0
    for story in StoryMaker(pools, VERIFY_STORIES).chunk(0):
        an = story.analysis
        quotes_, orgs = classify([dataclasses.replace(q, source_kind="", source_org=None) for q in an.quotes],
                                 [dataclasses.replace(o, kind="") for o in an.organizations])
        differ += tuple(quotes_) != an.quotes or tuple(orgs) != an.organizations
    print(f"  classification: {differ} of {min(CHUNK, VERIFY_STORIES)} stories differ from source_kinds.classify")
    return differ == 0


async def verify(args: argparse.Namespace) -> bool:
    """--verify: VERIFY_STORIES stories bulk-loaded and saved one by one; every table compared."""
    check_columns()
    pools = build_pools(await analyzed_pages(args.pages), VERIFY_STORIES)
    ok = verify_classification(pools)
    for backend in args.backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                a, b = f"{tmp}/bulk.db", f"{tmp}/saved.db"
                await build_both(pools, (f"sqlite+aiosqlite:///{a}", a, None), f"sqlite+aiosqlite:///{b}")
                ok &= compare(backend, natural(await dump("sqlite", a, None)), natural(await dump("sqlite", b, None)))
            continue
        try:
            async with scratch_pg(args.pg) as (url_a, dsn_a), scratch_pg(args.pg) as (url_b, dsn_b):
                await build_both(pools, (url_a, None, dsn_a), url_b)
                ok &= compare(backend, natural(await dump(backend, None, dsn_a)),
                              natural(await dump(backend, None, dsn_b)))
        except Unreachable as exc:
            print(f"  {backend}: skipped ({exc})")
    print("verify: the bulk rows are what the save path stores" if ok else "verify: DIFFERENCES")
    return ok


def report(results: dict[str, Any]) -> None:
    print(f"from {results['real_pages']} real pages; {results['reps']} runs per query kind")
    for backend, r in results["backends"].items():
        if "skipped" in r:
            print(f"{backend}: skipped ({r['skipped']})")
            continue
        phases = ", ".join(f"{k} {v} s" for k, v in r["build_phases"].items())
        print(f"{backend}: {r['articles']:,} articles built in {r['build_seconds']} s ({phases}); "
              f"{r['db_bytes'] / 2**20:,.0f} MiB; {r['organizations']:,} organizations, {r['people']:,} people, "
              f"{r['quotes']:,} quotes, {r['shares']:,} shares")
        c = r["checks"]
        print(f"  {'checks' if c['ok'] else 'CHECKS FAILED'}: search {c['search']['query']!r} {c['search']['hits']} "
              f"titled hits; org_report({c['org']['name']!r}) counts {c['org']['report_count']}, the mentions "
              f"{c['org']['direct_count']}; quotes_by({c['quotes']['person']!r}) {c['quotes']['items']} quotes")
        sweep = r.get("sweep")
        for kind, f in r["queries"].items():
            flag = "" if f["p95_ms"] <= TARGET_MS else "  (over target)"
            line = f"  {kind:<12} p50 {f['p50_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms{flag}"
            if sweep and kind in sweep["queries"]:
                s = sweep["queries"][kind]
                over = "" if s["p95_ms"] <= TARGET_MS else "  (over target)"
                line += f"   | sweeping: p50 {s['p50_ms']:7.1f}  p95 {s['p95_ms']:7.1f}  n {s['n']}{over}"
            print(line)
        if sweep:
            print(f"  sweep (shares before {sweep['cutoff']}): {sweep['seconds']} s, deleted {sweep['deleted']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=10_000, help="stories in the PostgreSQL archive")
    p.add_argument("--sqlite-articles", type=int, default=None, help="stories in the SQLite one (min(N, 300000))")
    p.add_argument("--pages", type=int, default=60, help="real pages analysed to draw the stories from")
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--pg", default=os.environ.get("NEWSBOT_TEST_PG_URL", DEFAULT_PG))
    p.add_argument("--backends", type=lambda s: [b.strip() for b in s.split(",") if b.strip()],
                   default=["sqlite", "postgresql"])
    p.add_argument("--sweep", action="store_true", help="time the lookups again during a retention sweep")
    p.add_argument("--verify", action="store_true",
                   help=f"only check that bulk rows equal the save path's ({VERIFY_STORIES} stories each way)")
    args = p.parse_args()
    if not set(args.backends) <= {"sqlite", "postgresql"}:
        p.error("--backends: sqlite and/or postgresql")
    if args.verify:
        raise SystemExit(0 if asyncio.run(verify(args)) else 1)
    results = asyncio.run(main_async(args))
    report(results)
    print(f"wrote {write_results('search', results)}")


if __name__ == "__main__":
    main()
