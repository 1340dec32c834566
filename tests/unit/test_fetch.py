"""The Fetcher against a real local HTTP server: limits, redirects, content types, encodings."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import FetchError, FetchTimeout, FileReadError, HTTPStatusError, NotHTML, TooLarge, TooManyRedirects
from bot.fetch import Fetcher, FetchLimits, StaticResolver, read_local
from bot.fetch.content import describe, known_charset, parse_content_type, sniff
from tests.conftest import SHARED_ARTICLES
from tests.fakes.article_server import HTML, ArticleServer

LIMITS = FetchLimits(
    connect_timeout=2.0, read_timeout=0.5, total_timeout=3.0, max_redirects=3,
    max_bytes=100_000, allow_private=True,  # the server under test is on 127.0.0.1
)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS) as f:
        yield f


async def test_fetches_a_real_article(article_server: ArticleServer, fetcher: Fetcher) -> None:
    url = article_server.url("/files/pharma-manufacturing.html")
    page = await fetcher.fetch(url)
    expected = (SHARED_ARTICLES / "pharma-manufacturing.html").read_bytes()
    assert len(expected) < LIMITS.max_bytes  # else this test would be about TooLarge
    assert page.body == expected
    assert (page.url, page.final_url, page.status) == (url, url, 200)
    assert (page.content_type, page.charset) == ("text/html", "utf-8")


async def test_sends_user_agent_and_accept(article_server: ArticleServer) -> None:
    seen: dict[str, str] = {}

    from aiohttp import web

    async def echo(request: web.Request) -> web.Response:
        seen.update(request.headers)
        return web.Response(text=HTML, content_type="text/html")

    from aiohttp.test_utils import TestServer

    app = web.Application()
    app.router.add_get("/", echo)
    async with TestServer(app, host="127.0.0.1") as srv, Fetcher(LIMITS) as f:
        await f.fetch(str(srv.make_url("/")))
    assert seen["User-Agent"] == LIMITS.user_agent
    assert seen["Accept"].startswith("text/html")
    assert {"gzip", "deflate", "br"} <= {e.strip() for e in seen["Accept-Encoding"].split(",")}


async def test_follows_redirects(article_server: ArticleServer, fetcher: Fetcher) -> None:
    url = article_server.url("/chain/2?to=/files/pharma-manufacturing.html")
    page = await fetcher.fetch(url)
    assert page.url == url
    assert page.final_url == article_server.url("/files/pharma-manufacturing.html")
    assert article_server.hits["/chain/2"] == article_server.hits["/chain/0"] == 1


async def test_redirect_chain_at_the_limit_is_ok_one_more_is_not(
    article_server: ArticleServer, fetcher: Fetcher
) -> None:
    # /chain/n makes n+1 redirects (n, n-1, ..., 0 -> target); max_redirects is 3.
    await fetcher.fetch(article_server.url("/chain/2?to=/status/200"))
    with pytest.raises(TooManyRedirects):
        await fetcher.fetch(article_server.url("/chain/3?to=/status/200"))


async def test_redirect_loop(article_server: ArticleServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirects) as info:
        await fetcher.fetch(article_server.url("/loop/a"))
    assert info.value.code == "too_many_redirects"
    assert article_server.hits["/loop/a"] + article_server.hits["/loop/b"] == LIMITS.max_redirects + 1


async def test_redirect_to_other_scheme_refused(article_server: ArticleServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="not a web page"):
        await fetcher.fetch(article_server.url("/redirect?to=file:///etc/passwd"))


async def test_slow_headers_time_out(article_server: ArticleServer, fetcher: Fetcher) -> None:
    t0 = time.monotonic()
    with pytest.raises(FetchTimeout) as info:
        await fetcher.fetch(article_server.url("/slow-headers?delay=5"))
    assert info.value.code == "fetch_timeout"
    assert time.monotonic() - t0 < 2.0  # the 0.5 s read timeout, not the 5 s delay


async def test_stalled_body_times_out(article_server: ArticleServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchTimeout):
        await fetcher.fetch(article_server.url("/slow-body?delay=5"))


async def test_total_timeout_bounds_a_trickle(article_server: ArticleServer) -> None:
    # Each piece comes well within the read timeout, but the whole page takes ~3 s.
    limits = FetchLimits(read_timeout=1.0, total_timeout=1.0, allow_private=True)
    async with Fetcher(limits) as f:
        t0 = time.monotonic()
        with pytest.raises(FetchTimeout):
            await f.fetch(article_server.url("/trickle?every=0.3&n=10"))
        assert time.monotonic() - t0 < 2.5  # 1 s deadline, slack for a busy CI machine
    async with Fetcher(FetchLimits(read_timeout=1.0, total_timeout=5.0, allow_private=True)) as f:
        page = await f.fetch(article_server.url("/trickle?every=0.1&n=5"))  # the control
    assert page.body.count(b"<p>piece") == 5


@pytest.mark.parametrize("with_length", [True, False])
async def test_oversized_body(article_server: ArticleServer, fetcher: Fetcher, with_length: bool) -> None:
    url = article_server.url(f"/big?size=2000000&length={int(with_length)}")
    with pytest.raises(TooLarge) as info:
        await fetcher.fetch(url)
    assert info.value.code == "too_large"


async def test_body_just_under_the_cap_is_read(article_server: ArticleServer, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(article_server.url(f"/big?size={LIMITS.max_bytes}&length=0"))
    assert len(page.body) == LIMITS.max_bytes


@pytest.mark.parametrize(
    ("path", "words"),
    [("/pdf", "a PDF document"), ("/image", "an image (image/png)"), ("/octet-stream?kind=pdf", "a PDF document")],
)
async def test_not_html(article_server: ArticleServer, fetcher: Fetcher, path: str, words: str) -> None:
    with pytest.raises(NotHTML) as info:
        await fetcher.fetch(article_server.url(path))
    assert info.value.code == "not_html"
    assert words in info.value.message


async def test_json_is_not_html(article_server: ArticleServer, fetcher: Fetcher) -> None:
    url = article_server.add("api.json", '{"a": 1}', content_type="application/json")
    with pytest.raises(NotHTML, match="JSON data"):
        await fetcher.fetch(url)


async def test_octet_stream_html_is_sniffed(article_server: ArticleServer, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(article_server.url("/octet-stream?kind=html"))
    assert page.content_type == "text/html"
    assert page.body == HTML.encode()


async def test_xhtml_accepted(article_server: ArticleServer, fetcher: Fetcher) -> None:
    url = article_server.add("x.xhtml", HTML, content_type="application/xhtml+xml; charset=UTF-8")
    page = await fetcher.fetch(url)
    assert (page.content_type, page.charset) == ("application/xhtml+xml", "utf-8")


@pytest.mark.parametrize(
    ("label", "charset"),
    [("utf-8", "utf-8"), ("ISO-8859-1", "iso-8859-1"), ("windows-1252", "windows-1252"),
     ("bogus-charset-xyz", None), ("%22%22", None)],
)
async def test_charset_from_header(
    article_server: ArticleServer, fetcher: Fetcher, label: str, charset: str | None
) -> None:
    page = await fetcher.fetch(article_server.url(f"/charset/{label}"))
    assert page.charset == charset
    assert page.body == HTML.encode()  # bytes untouched: decoding is extraction's job


@pytest.mark.parametrize("path", ["/gzip", "/brotli"])
async def test_compressed_bodies_decoded(article_server: ArticleServer, fetcher: Fetcher, path: str) -> None:
    page = await fetcher.fetch(article_server.url(path))
    assert page.body == HTML.encode()


async def test_gzip_bomb_capped_on_decoded_size(article_server: ArticleServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"<html><body>" + b"a" * 5_000_000)  # ~5 KB on the wire
    url = article_server.add("bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge):
        await fetcher.fetch(url)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(404, "not found"), (403, "paywalled"), (401, "paywalled"), (402, "paywalled"),
     (410, "gone"), (500, "server error"), (503, "server error"), (418, "HTTP 418")],
)
async def test_http_errors(article_server: ArticleServer, fetcher: Fetcher, status: int, hint: str) -> None:
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(article_server.url(f"/status/{status}"))
    assert info.value.code == f"http_{status}"
    assert info.value.status == status
    assert hint in info.value.message


async def test_connection_refused_is_a_clear_fetch_error(fetcher: Fetcher) -> None:
    async with ArticleServer() as srv:
        url = srv.url("/status/200")
    with pytest.raises(FetchError, match=r"could not connect to 127\.0\.0\.1") as info:
        await fetcher.fetch(url)  # the server is closed now
    assert info.value.code == "fetch_failed"


async def test_dns_failure_is_a_clear_fetch_error() -> None:
    async with Fetcher(LIMITS) as f:
        with pytest.raises(FetchError, match=r"could not find the site no-such-host\.invalid") as info:
            await f.fetch("http://no-such-host.invalid/")
    assert info.value.code == "fetch_failed"


async def test_connections_are_reused(article_server: ArticleServer, fetcher: Fetcher) -> None:
    peers: set[object] = set()
    from aiohttp import web

    async def where(request: web.Request) -> web.Response:
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(text=HTML, content_type="text/html")

    from aiohttp.test_utils import TestServer

    app = web.Application()
    app.router.add_get("/", where)
    async with TestServer(app, host="127.0.0.1") as srv:
        for _ in range(5):
            await fetcher.fetch(str(srv.make_url("/")))
    assert len(peers) == 1  # one keep-alive connection served all five


def test_limits_from_settings() -> None:
    s = load_settings(connect_timeout=1.5, read_timeout=2.5, total_timeout=7, max_redirects=2,
                 max_bytes=1234, per_host_connections=3, user_agent="UA/1", allow_private_urls=True)
    assert FetchLimits.from_settings(s) == FetchLimits(1.5, 2.5, 7.0, 2, 1234, 3, "UA/1", True)


# --- the pure content rules -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, ("", None)), ("text/html", ("text/html", None)),
     ('Text/HTML; Charset="UTF-8"', ("text/html", "utf-8")),
     ("text/html; foo=bar; charset=iso-8859-1", ("text/html", "iso-8859-1")),
     ("text/html; charset=", ("text/html", None))],
)
def test_parse_content_type(header: str | None, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(header) == expected


def test_known_charset() -> None:
    assert known_charset("latin1") == "latin1"
    assert known_charset("x-unknown") is None
    assert known_charset(None) is None


@pytest.mark.parametrize(
    ("head", "mime"),
    [(b"%PDF-1.7\n", "application/pdf"), (b"\x89PNG\r\n\x1a\nxxxx", "image/png"),
     (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "text/html"), (b"\n<HTML><HEAD>", "text/html"),
     (b'{"json": true}', None), (b"plain words", None), (b"<?xml version='1.0'?><rss>", None)],
)
def test_sniff(head: bytes, mime: str | None) -> None:
    assert sniff(head) == mime


def test_describe() -> None:
    assert describe("application/pdf") == "a PDF document"
    assert describe("video/mp4") == "a video (video/mp4)"
    assert describe("") == "content of unknown type"


# --- local files --------------------------------------------------------------------------------
def test_read_local_plain_and_gzip(tmp_path: Path) -> None:
    html = (SHARED_ARTICLES / "pharma-manufacturing.html").read_bytes()
    gz = tmp_path / "a.html.gz"
    gz.write_bytes(gzip.compress(html))
    assert read_local(str(SHARED_ARTICLES / "pharma-manufacturing.html"), 10_000_000).body == html
    page = read_local(str(gz), 10_000_000)
    assert page.body == html
    assert page.final_url == gz.resolve().as_uri()


def test_read_local_errors(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="no such file"):
        read_local(str(tmp_path / "missing.html"), 1000)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotHTML):
        read_local(str(tmp_path / "notes.txt"), 1000)
    (tmp_path / "big.html").write_bytes(b"<p>" * 1000)
    with pytest.raises(TooLarge):
        read_local(str(tmp_path / "big.html"), 2999)
    assert len(read_local(str(tmp_path / "big.html"), 3000).body) == 3000
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip at all")
    with pytest.raises(FileReadError):
        read_local(str(tmp_path / "broken.html.gz"), 1000)


# --- hostile sites (issue 13) --------------------------------------------------------------
async def test_brotli_bomb_capped_on_decoded_size(article_server: ArticleServer, fetcher: Fetcher) -> None:
    import brotli

    bomb = brotli.compress(b"<html><body>" + b"a" * 20_000_000)  # ~20 KB on the wire, 20 MB decoded
    url = article_server.add("brotli-bomb", bomb, headers={"Content-Encoding": "br"})
    with pytest.raises(TooLarge):
        await fetcher.fetch(url)


async def test_an_endless_body_ends_at_the_size_cap(article_server: ArticleServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge):
        await fetcher.fetch(article_server.url("/big?size=100000000000&length=0"))  # 100 GB, chunked
    assert time.monotonic() - started < fetcher.limits.total_timeout


@pytest.mark.parametrize("status", [429, 503])
async def test_a_site_asking_to_retry_later_is_not_waited_for(
    article_server: ArticleServer, fetcher: Fetcher, status: int
) -> None:
    url = article_server.add(f"later-{status}", "busy", status=status, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(url)
    assert info.value.code == f"http_{status}"
    assert time.monotonic() - started < 2  # an hour's Retry-After is the site's business, not a wait
    assert article_server.hits[f"/pages/later-{status}"] == 1  # and no retry storm


async def test_hostile_sites_do_not_starve_a_normal_one(article_server: ArticleServer) -> None:
    """Several sites misbehave at once (each its own host name): the normal site's page still
    arrives in its normal time, and each hostile one ends in its own code within the limits."""
    hostile = {"trickle": "/trickle?every=0.5&n=100", "stall": "/slow-body?delay=30",
               "silent": "/slow-headers?delay=30", "endless": "/big?size=100000000000&length=0"}
    dns = StaticResolver({f"{name}.test": ["127.0.0.1"] for name in [*hostile, "normal"]})
    limits = FetchLimits(total_timeout=4.0, read_timeout=2.0, allow_private=True, per_host_connections=2)
    async with Fetcher(limits, resolver=dns) as fetcher:
        port = article_server.port
        bad = [asyncio.create_task(fetcher.fetch(f"http://{name}.test:{port}{path}"))
               for name, path in hostile.items() for _ in range(3)]
        await asyncio.sleep(0.2)  # all of them connected and misbehaving
        started = time.monotonic()
        page = await fetcher.fetch(f"http://normal.test:{port}/files/pharma-manufacturing.html")
        normal = time.monotonic() - started
        outcomes = await asyncio.gather(*bad, return_exceptions=True)
    assert page.status == 200 and normal < 1.0, f"the normal site took {normal:.2f} s"
    codes = sorted({getattr(o, "code", repr(o)) for o in outcomes})
    assert codes == ["fetch_timeout", "too_large"], codes


async def test_a_conditional_request_says_not_modified(article_server: ArticleServer, fetcher: Fetcher) -> None:
    from bot.errors import NotModified

    stamp = "Tue, 01 Dec 2026 08:00:00 GMT"
    url = article_server.add("etag.html", HTML, headers={"ETag": '"v1"', "Last-Modified": stamp})
    first = await fetcher.fetch(url)
    assert (first.etag, first.last_modified) == ('"v1"', stamp)
    with pytest.raises(NotModified):
        await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    again = await fetcher.fetch(url, etag='"v0"')  # what we hold is not what the site has: the page
    assert again.body == first.body and again.status == 200
    assert article_server.conditional["/pages/etag.html"] == 2
