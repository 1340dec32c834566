"""The `/newsbot` grammar (pure): split "search drug prices" into a subcommand and its argument,
and describe every subcommand once for the help text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ledger import MAX_DAYS as MAX_SOURCES_DAYS

DEFAULT_RECENT = 5
MAX_RECENT = 20
DEFAULT_SOURCES_DAYS = 7
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")  # how Slack escapes a #channel in command text


@dataclass(frozen=True, slots=True)
class Usage:
    name: str
    args: str  # e.g. "<words>"
    help: str


# The built-in subcommands, in help order. Other modules add theirs with `handlers.commands.add`.
USAGES: tuple[Usage, ...] = (
    Usage("search", "<words>", "articles shared here that mention the words"),
    Usage("quotes", "<person>", "what someone said (surname or full name)"),
    Usage("who", "<person>", "a person quoted here: titles, organizations, stories, latest quotes"),
    Usage("org", "<name>", "an organization: articles, mentions over time, who was quoted"),
    Usage("sources", "[days] [#channel]", "who this channel's stories quote, and what kind of sources"),
    Usage("theme", "<words>", "articles about a theme"),
    Usage("recent", "[n]", "the latest articles shared here"),
    Usage("analyze", "<url>", "read an article now (only you see it, with a button to share)"),
    Usage("help", "", "this help"),
)


@dataclass(frozen=True, slots=True)
class Parsed:
    name: str  # lowercased subcommand; "" when the text was empty
    arg: str  # the rest, whitespace-trimmed


def unescape(text: str) -> str:
    """Slack sends typed `&`, `<`, `>` in command text as entities; `&amp;` last, so `&amp;lt;` -> `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse(text: str | None) -> Parsed:
    """Split the (entity-decoded) command text; answers escape whatever they echo back."""
    words = unescape(text or "").strip().split(maxsplit=1)
    if not words:
        return Parsed("", "")
    return Parsed(words[0].lower(), words[1].strip() if len(words) > 1 else "")


def recent_count(arg: str) -> int | None:
    """`recent`, `recent 10`: how many (capped); None when the argument isn't a number."""
    if not arg:
        return DEFAULT_RECENT
    if not arg.isdecimal():  # not isdigit: "²" is a digit int() refuses
        return None
    return max(1, min(int(arg), MAX_RECENT))


@dataclass(frozen=True, slots=True)
class SourcesArgs:
    days: int
    channel: str | None  # None: the channel the command was typed in


def sources_args(arg: str) -> SourcesArgs | None:
    """`sources`, `sources 30`, `sources <#C123|news>`, `sources 30 <#C123>`; None when a word
    is neither a number of days nor a channel Slack escaped."""
    days, channel = DEFAULT_SOURCES_DAYS, None
    for word in arg.split():
        if word.isdecimal():
            days = max(1, min(int(word), MAX_SOURCES_DAYS))
        elif (m := _CHANNEL.fullmatch(word)) is not None:
            channel = m.group(1)
        else:
            return None
    return SourcesArgs(days, channel)


def slack_url(arg: str) -> str:
    """A URL as Slack formats it in (already entity-decoded) command text: `<https://x|label>` or bare."""
    arg = arg.strip()
    if arg.startswith("<") and arg.endswith(">"):
        arg = arg[1:-1].split("|", 1)[0]
    return arg
