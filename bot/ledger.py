"""The sources ledger (pure): who a set of stories quotes, and the share of quotes by kind of
source. Fed by the archive (`/newsbot sources`) and by the digest (its "Voices" line).

People are counted by name as the articles give it; nothing is inferred about them beyond the
role and organization the articles state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.models import Quote

MAX_DAYS = 90  # the longest period a ledger covers: a busy channel stays a few thousand quotes
KINDS = ("government", "company", "academic", "advocacy", "media", "sports", "party", "other", "unnamed")
KIND_LABELS = {
    "government": "government/official",
    "company": "company",
    "academic": "academic/research",
    "advocacy": "advocacy/NGO",
    "media": "media",
    "sports": "sports",
    "party": "political party",
    "other": "other",
    "unnamed": "unnamed",
}


def kind_of(quote: Quote) -> str:
    """The quote's kind; quotes stored before kinds existed: unnamed without a speaker, else other."""
    if quote.source_kind in KINDS:
        return quote.source_kind
    return "unnamed" if not (quote.speaker or "").strip() else "other"


@dataclass(slots=True)
class Voice:
    name: str
    title: str | None = None  # the newest title seen
    organization: str | None = None  # the organization they speak for, when named
    kind: str = "other"
    quotes: int = 0
    stories: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Ledger:
    stories: int  # stories in the period
    quotes: int
    people: list[Voice]  # most quoted first
    organizations: list[tuple[str, str, int]]  # (name, kind, quotes), as speaker or employer
    kinds: list[tuple[str, float]]  # (kind, share of all quotes), largest first

    @property
    def repeat_voices(self) -> list[Voice]:
        """People quoted in more than one story."""
        return [v for v in self.people if len(v.stories) > 1]


def build(quoted: Iterable[tuple[int, Quote]], stories: int) -> Ledger:
    """From (story id, quote) pairs, newest story first (so a person's title is their latest)."""
    people: dict[str, Voice] = {}
    orgs: dict[str, Counter[str]] = {}  # organization -> kinds of its quotes
    kinds: Counter[str] = Counter()
    total = 0
    for story, q in quoted:
        total += 1
        kind = kind_of(q)
        kinds[kind] += 1
        speaker = (q.speaker or "").strip()
        if q.source_org:
            orgs.setdefault(q.source_org, Counter())[kind] += 1
        if not speaker or kind == "unnamed" or speaker == q.source_org:
            continue  # an organization speaking, or nobody named: not a person
        voice = people.setdefault(speaker.casefold(), Voice(speaker, q.speaker_title, q.source_org, kind))
        voice.quotes += 1
        voice.stories.add(story)
    return Ledger(
        stories=stories,
        quotes=total,
        people=sorted(people.values(), key=lambda v: (-v.quotes, -len(v.stories), v.name.casefold())),
        organizations=sorted(
            ((name, by_kind.most_common(1)[0][0], by_kind.total()) for name, by_kind in orgs.items()),
            key=lambda o: (-o[2], o[0].casefold()),
        ),
        kinds=[(k, n / total) for k, n in kinds.most_common()] if total else [],
    )


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def voices_line(ledger: Ledger, top: int = 2) -> str | None:
    """The digest's one line: "Voices: 14 quotes from 6 people, 4 organizations; company 57 %, ...".
    None when nobody was quoted."""
    if not ledger.quotes:
        return None
    n_people, n_orgs = len(ledger.people), len(ledger.organizations)
    who = f"{n_people} {'person' if n_people == 1 else 'people'}, {n_orgs} organization{'' if n_orgs == 1 else 's'}"
    shares = ", ".join(f"{KIND_LABELS[k]} {percent(s)}" for k, s in ledger.kinds[:top])
    return f"Voices: {ledger.quotes} quote{'' if ledger.quotes == 1 else 's'} from {who}; {shares}"
