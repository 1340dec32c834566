"""What changed between two reads of a story (pure)."""

from __future__ import annotations

from bot.models import Analysis, Article, Organization, Quote
from bot.slack.blocks import change_lines, update_note
from bot.story_changes import compare


def _read(title: str, body: str, quotes: tuple[Quote, ...] = (), orgs: tuple[Organization, ...] = ()) -> tuple[
    Article, Analysis
]:
    return Article(url="u", canonical_url="u", title=title, paragraphs=(body,)), Analysis(quotes=quotes,
                                                                                          organizations=orgs)


def test_the_same_story_is_no_change_whatever_its_spacing_and_quote_marks() -> None:
    old = _read("Rates rise", "He said “no”.  Then left.")
    assert compare(old, _read("rates  rise", 'He said "no". Then left.')) is None


def test_headline_quotes_and_organizations_that_changed() -> None:
    kept, gone, new = Quote("We act.", "Ann Lee"), Quote("Too early.", "Bo Park"), Quote("We <!channel> grew.", "Cy")
    old = _read("Rates rise", "a", (kept, gone), (Organization("Federal Reserve", ("Fed",)),))
    newer = _read("Rates rise again", "b", (kept, new), (Organization("Fed"), Organization("Acme Corp")))
    change = compare(old, newer)
    assert change is not None and change.headline_changed
    assert (change.headline_before, change.headline_after) == ("Rates rise", "Rates rise again")
    assert change.quotes_added == (new,) and change.quotes_removed == (gone,)
    assert change.organizations_added == ("Acme Corp",)  # "Fed" was known as an alias
    lines = change_lines(change)
    assert lines == [
        "Headline was “Rates rise”, now “Rates rise again”.",
        "1 quote added: “We &lt;!channel&gt; grew.” — Cy",  # escaped: article text never pings
        "1 quote removed: “Too early.” — Bo Park",
        "New organizations: Acme Corp",
    ]
    note = update_note(change, "https://x.slack.com/archives/C1/p1")
    assert note.endswith("<https://x.slack.com/archives/C1/p1|See the new analysis.>")


def test_a_text_only_edit_is_a_change_with_nothing_to_list() -> None:
    change = compare(_read("Same", "old words"), _read("Same", "new words"))
    assert change is not None and not change.headline_changed and change_lines(change) == []
    assert "its text changed" in update_note(change, None)
