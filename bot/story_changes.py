"""What changed in a story since it was first read (pure): the headline, quotes added and
removed, organizations added. Used when a link is shared again and the page answers with a
new version (a conditional request found it changed)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Analysis, Article, Quote


@dataclass(frozen=True, slots=True)
class StoryChange:
    headline_before: str | None  # None: the headline did not change
    headline_after: str | None
    quotes_added: tuple[Quote, ...]
    quotes_removed: tuple[Quote, ...]
    organizations_added: tuple[str, ...]

    @property
    def headline_changed(self) -> bool:
        return self.headline_before != self.headline_after


def _words(text: str) -> str:
    """Comparison form: case, spacing and quote-mark styles do not count as a change."""
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
    return " ".join(text.translate(table).casefold().split())


def compare(old: tuple[Article, Analysis], new: tuple[Article, Analysis]) -> StoryChange | None:
    """None when the article's headline and text are the same (the stored analysis still holds)."""
    (a0, an0), (a1, an1) = old, new
    if _words(a0.title or "") == _words(a1.title or "") and _words(a0.text) == _words(a1.text):
        return None
    before = {_words(q.text) for q in an0.quotes}
    after = {_words(q.text) for q in an1.quotes}
    known = {_words(n) for o in an0.organizations for n in (o.name, *o.aliases)}
    same_title = _words(a0.title or "") == _words(a1.title or "")
    return StoryChange(
        headline_before=None if same_title else a0.title,
        headline_after=None if same_title else a1.title,
        quotes_added=tuple(q for q in an1.quotes if _words(q.text) not in before),
        quotes_removed=tuple(q for q in an0.quotes if _words(q.text) not in after),
        organizations_added=tuple(o.name for o in an1.organizations
                                  if not {_words(n) for n in (o.name, *o.aliases)} & known),
    )
