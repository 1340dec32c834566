"""Page furniture lines (config/lexicons/furniture_lines.txt) are removed; story sentences are not."""

from __future__ import annotations

import pytest

from bot.extract.patterns import BOILERPLATE_LINE


@pytest.mark.parametrize(
    "line",
    [
        "Follow The Daily Planet Opinion section on Facebook, Twitter (@planetopinion) and Instagram.",
        "Jane Roe's book about comets is out now. Follow her on Twitter @janeroe. Follow us on Facebook.",
        "Sign up for our morning newsletter to get the day's news in your inbox.",
        "Copyright 2024 The Associated Press. All rights reserved.",
        "© 2023 Example Media Group",
        "This story was originally published by The Example Times.",
        "Share | Tweet | Email",
        "We'd like to hear what you think about this or any of our articles.",
        "Related: Ten things to know about the budget",
        "Harbour bridge closed for a week after storm damage [PICTURES]",
        "Council votes to scrap parking fees amid budget row [VIDEO]|",
    ],
)
def test_furniture_is_recognized(line: str) -> None:
    assert BOILERPLATE_LINE.match(line)


@pytest.mark.parametrize(
    "line",
    [
        "He said he would follow her on Twitter after the debate, and he did.",
        "The company said it would share more details with regulators next week.",
        "Subscribers to the service complained that prices rose twice in a year.",
        "The senator's copyright bill would extend protections to software.",
        "The judge said the letter was written by someone else [sic].",
        "“We will not back down [from the fight],” the mayor said.",
    ],
)
def test_story_text_is_kept(line: str) -> None:
    assert not BOILERPLATE_LINE.match(line)
