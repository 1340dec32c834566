"""`bounded`: what the analyzer reads of a very long text (a prefix ending at a break)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.analysis.nlp import bounded


def test_short_texts_are_kept_and_long_ones_cut_at_the_last_paragraph_break() -> None:
    short = "One paragraph.\n\nAnother."
    assert bounded(short, 100) == short
    text = "\n\n".join(f"Paragraph {i} says something." for i in range(100))
    cut = bounded(text, 500)
    assert len(cut) <= 500 and text.startswith(cut) and cut.endswith("something.")
    assert len(cut) > 470  # the last break before the cap (each paragraph is ~30 characters)


def test_without_any_break_it_is_a_hard_cut() -> None:
    assert bounded("x" * 1000, 100) == "x" * 100


@given(st.text(alphabet=st.sampled_from("ab .\n!?”"), max_size=400), st.integers(min_value=10, max_value=300))
def test_always_a_prefix_within_the_cap_ending_at_a_break(text: str, limit: int) -> None:
    cut = bounded(text, limit)
    assert text.startswith(cut) and len(cut) <= limit
    if len(text) <= limit:
        assert cut == text
    elif cut != text[:limit]:  # not a hard cut: it ends where a break (whitespace) begins
        assert text[len(cut)].isspace() and not cut[-1:].isspace()
