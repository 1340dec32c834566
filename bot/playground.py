"""`newsbot playground`: try Newsbot without Slack. A local page on PORT with a form; `GET /?url=`
reads the link exactly as the bot would (same fetch guard, extraction, analysis and Block Kit) and
shows the thread reply rendered close to Slack's look. Needs no Slack settings.
"""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web

from bot.compose import reading
from bot.config import Settings
from bot.errors import NewsbotError
from bot.fetch import Fetcher
from bot.links import normalize_url
from bot.models import Failure
from bot.pipeline import Analyzer, read_target
from bot.slack import render_html
from bot.slack.blocks import analysis_blocks, failure_blocks

log = logging.getLogger(__name__)

FETCHER = web.AppKey("fetcher", Fetcher)
ANALYZER = web.AppKey("analyzer", Analyzer)
MAX_URL_CHARS = 2048


def _page(url: str, reply_html: str) -> str:
    value = html.escape(url, quote=True)
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Newsbot playground</title>"
        f"<meta name=viewport content='width=device-width'><style>{render_html.STYLE}</style></head><body><main>"
        "<h1>Newsbot playground</h1><p class=note>Paste a link to an article: this is the reply Newsbot "
        "would post in its thread.</p>"
        f"<form method=get action='/'><input type=url name=url required placeholder='https://…' value=\"{value}\">"
        "<button type=submit>Read it</button></form>"
        f"{reply_html}</main></body></html>"
    )


async def _index(request: web.Request) -> web.Response:
    raw = request.query.get("url", "").strip()
    if not raw:
        return web.Response(text=_page("", ""), content_type="text/html")
    if len(raw) > MAX_URL_CHARS:
        blocks = failure_blocks(Failure("invalid_url", "too long"), url=None)[1]
    else:
        try:
            url = normalize_url(raw)
        except NewsbotError as exc:
            _text, blocks = failure_blocks(Failure(exc.code, exc.message), url=None)
        else:
            report = await read_target(url, request.app[FETCHER].fetch, request.app[ANALYZER])
            if report.failure is not None or report.article is None or report.analysis is None:
                _text, blocks = failure_blocks(report.failure or Failure("analysis_failed", ""), url=url)
            else:
                _text, blocks = analysis_blocks(report.article, report.analysis)
    when = datetime.now().strftime("%-I:%M %p")
    reply = f'<div class="thread" id="reply">{render_html.message(blocks, when=when)}</div>'
    return web.Response(text=_page(raw, reply), content_type="text/html")


def create_app(settings: Settings) -> web.Application:
    app = web.Application()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        async with reading(settings, workers=min(settings.workers, 2)) as (fetcher, analyzer):
            app[FETCHER], app[ANALYZER] = fetcher, analyzer
            yield

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/", _index)
    return app


def run(settings: Settings) -> int:
    host = "127.0.0.1" if settings.host == "0.0.0.0" else settings.host  # a local tool: loopback unless told
    log.info("newsbot playground on http://%s:%d/", host, settings.port)
    print(f"Newsbot playground: http://{host}:{settings.port}/", flush=True)
    web.run_app(create_app(settings), host=host, port=settings.port, print=None, access_log=None)
    return 0
