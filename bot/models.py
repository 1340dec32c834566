"""Typed results that cross module (and process) boundaries.

Plain frozen dataclasses of builtins only: they pickle cheaply across the process pool and
serialize to the CLI's JSON with `dataclasses.asdict`. No spaCy `Doc` ever leaves a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORDS_PER_MINUTE = 230  # common adult silent-reading speed, for "n min read"


@dataclass(frozen=True, slots=True)
class Page:
    """Raw bytes of a fetched (or locally read) document, before extraction."""

    url: str  # the URL (or path) that was asked for
    final_url: str  # after redirects
    body: bytes
    status: int = 200
    content_type: str = "text/html"
    charset: str | None = None  # from the Content-Type header, if any
    etag: str | None = None  # validators for a later conditional request (story changes)
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """What extraction found on a page: metadata plus the main text as paragraphs."""

    url: str  # the target as given (URL or local path)
    canonical_url: str | None
    title: str | None
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO 8601 date or datetime, only when the page states one
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    paragraphs: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Paragraphs joined by blank lines: the exact string the analyzer's offsets refer to."""
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation; `start`/`end` are character offsets into `Article.text`."""

    text: str
    speaker: str | None
    speaker_title: str | None = None
    key: bool = False
    score: float = 0.0
    start: int = 0
    end: int = 0
    # the sources ledger's category (government, company, ..., unnamed) and the organization
    # the speaker speaks for, when the article names one (see bot.analysis.source_kinds)
    source_kind: str = ""
    source_org: str | None = None
    # why this speaker: the reading that won and the evidence that voted for it
    # ("personal_pronoun: named+after_near", see bot.analysis.speaker_decision)
    via: str = ""


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    aliases: tuple[str, ...] = ()
    mentions: int = 1
    score: float = 0.0
    kind: str = ""  # government, company, academic, advocacy, media, sports, party, other


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    title: str | None = None
    mentions: int = 1
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Theme:
    """A human-readable key phrase of what the story is about."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class Topic:
    """An IPTC Media Topic (https://iptc.org/standards/media-topics/, CC BY 4.0)."""

    id: str  # e.g. "medtop:20000446"
    label: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Analysis:
    summary: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    organizations: tuple[Organization, ...] = ()
    people: tuple[Person, ...] = ()
    themes: tuple[Theme, ...] = ()
    topics: tuple[Topic, ...] = ()
    # Set when the text was longer than the analyzer reads (bot.analysis.nlp.MAX_ANALYSIS_CHARS):
    # how many characters from the start were analysed. None: all of it.
    analyzed_chars: int | None = None

    @property
    def key_quotes(self) -> tuple[Quote, ...]:
        return tuple(q for q in self.quotes if q.key)


@dataclass(frozen=True, slots=True)
class Failure:
    """A target that could not be read: a stable machine code plus a human message."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome for one target: an article and its analysis, or a failure."""

    target: str
    article: Article | None = None
    analysis: Analysis | None = None
    failure: Failure | None = None
    timings: dict[str, float] = field(default_factory=dict)
    etag: str | None = None  # the page's validators, stored with the article
    last_modified: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True, slots=True)
class Share:
    """Where and by whom a link was shared in Slack (all Newsbot keeps of a message)."""

    team: str
    channel: str
    message_ts: str
    user: str | None = None
    thread_ts: str | None = None  # set when the link was posted inside a thread
    shared_at: float = 0.0  # unix time, from message_ts

    @property
    def reply_thread_ts(self) -> str:
        """Replies go in the message's thread, or the thread it was already in."""
        return self.thread_ts or self.message_ts


@dataclass(frozen=True, slots=True)
class Job:
    """One (message, article link) to read and answer; durable so restarts lose nothing."""

    id: int
    share: Share
    url: str
    status: str = "queued"  # queued | running | done | failed
    attempts: int = 0
    error_code: str | None = None
