"""A real local HTTP server playing "the web" for fetch, CLI and scenario tests.

Binds 127.0.0.1 on a free port. Routes (all GET):

  /files/<name>            a file from `root` (Content-Type from its suffix)
  /pages/<path>            bytes registered with `add()` (any status, type and headers; an ETag
                           header makes it answer 304 to a matching If-None-Match)
  /slow-headers?delay=S    waits S seconds before answering
  /slow-body?delay=S       sends headers and half a page, then waits S seconds
  /trickle?every=S&n=N     an HTML page sent in N pieces, one every S seconds
  /redirect?to=URL&status=302   one redirect to URL
  /chain/<n>?to=URL        n redirects in a row, then to URL (default /files/<first file>)
  /loop/a, /loop/b         redirect to each other forever
  /big?size=N&length=1     an HTML body of N bytes; length=0 streams it chunked, no Content-Length
  /status/<code>           that HTTP status with a small HTML body
  /pdf, /image             a real PDF / PNG header with the right Content-Type
  /octet-stream?kind=html|pdf   body served as application/octet-stream
  /charset/<label>         a UTF-8 HTML page whose Content-Type claims charset=<label>
  /gzip, /brotli           an HTML page compressed with Content-Encoding gzip / br

`hits` counts requests per path, so a test can prove a URL was never contacted.
"""

from __future__ import annotations

import asyncio
import collections
import gzip
import mimetypes
from pathlib import Path
from types import TracebackType

import brotli
from aiohttp import web
from aiohttp.typedefs import Handler

HTML = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Test page</title></head>"
    "<body><article><h1>Test page</h1><p>Café owners said on Tuesday that prices rose.</p>"
    "</article></body></html>"
)
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


class ArticleServer:
    """`async with ArticleServer(root) as srv: srv.url("/files/a.html")`."""

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1") -> None:
        self.root = root
        self.host = host
        self.port = 0
        self.hits: collections.Counter[str] = collections.Counter()
        self.conditional: collections.Counter[str] = collections.Counter()  # requests with If-None-Match
        self.not_modified: collections.Counter[str] = collections.Counter()  # ... answered 304
        self._pages: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self._count])
        r = app.router
        r.add_get("/files/{name:.+}", self._file)
        r.add_get("/pages/{path:.+}", self._page)
        r.add_get("/slow-headers", self._slow_headers)
        r.add_get("/slow-body", self._slow_body)
        r.add_get("/trickle", self._trickle)
        r.add_get("/redirect", self._redirect)
        r.add_get("/chain/{n:\\d+}", self._chain)
        r.add_get("/loop/{side:a|b}", self._loop)
        r.add_get("/big", self._big)
        r.add_get("/status/{code:\\d+}", self._status)
        r.add_get("/pdf", self._pdf)
        r.add_get("/image", self._image)
        r.add_get("/octet-stream", self._octet)
        r.add_get("/charset/{label}", self._charset)
        r.add_get("/gzip", self._gzip)
        r.add_get("/brotli", self._brotli)
        # Cancel a handler when its client hangs up (a timed-out fetch), so slow routes do not
        # hold up teardown; shutdown_timeout bounds whatever is still running at close.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ArticleServer:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # --- helpers for tests -------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve `body` at /pages/<path>; returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        self._pages[path.strip("/")] = (status, data, {"Content-Type": content_type, **(headers or {})})
        return self.url("/pages/" + path.strip("/"))

    # --- handlers ----------------------------------------------------------------------
    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        return await handler(request)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if self.root is None:
            raise web.HTTPNotFound()
        root = self.root.resolve()
        path = (root / request.match_info["name"]).resolve()
        if root not in path.parents or not path.is_file():
            raise web.HTTPNotFound()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype == "text/html":
            ctype += "; charset=utf-8"
        body = await asyncio.to_thread(path.read_bytes)
        return web.Response(body=body, headers={"Content-Type": ctype})

    async def _page(self, request: web.Request) -> web.Response:
        found = self._pages.get(request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()
        status, body, headers = found
        self.conditional[request.path] += bool(request.headers.get("If-None-Match"))
        if headers.get("ETag") and request.headers.get("If-None-Match") == headers["ETag"]:
            self.not_modified[request.path] += 1
            return web.Response(status=304, headers={"ETag": headers["ETag"]})  # as real servers do
        return web.Response(status=status, body=body, headers=headers)

    async def _slow_headers(self, request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("delay", "5")))
        return web.Response(text=HTML, content_type="text/html")

    async def _slow_body(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await resp.prepare(request)
        await resp.write(HTML[: len(HTML) // 2].encode())
        await asyncio.sleep(float(request.query.get("delay", "5")))
        await resp.write(HTML[len(HTML) // 2 :].encode())
        return resp

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        every, n = float(request.query.get("every", "0.2")), int(request.query.get("n", "10"))
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await resp.prepare(request)
        await resp.write(b"<!DOCTYPE html><html><body>")
        for i in range(n):
            await asyncio.sleep(every)
            await resp.write(f"<p>piece {i}</p>".encode())
        await resp.write(b"</body></html>")
        return resp

    async def _redirect(self, request: web.Request) -> web.Response:
        status = int(request.query.get("status", "302"))
        return web.Response(status=status, headers={"Location": request.query["to"]})

    async def _chain(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        to = request.query.get("to", "/status/200")
        nxt = str(request.url.with_path(f"/chain/{n - 1}").with_query(to=to))
        target = to if n <= 0 else nxt
        return web.Response(status=302, headers={"Location": target})

    async def _loop(self, request: web.Request) -> web.Response:
        other = "b" if request.match_info["side"] == "a" else "a"
        return web.Response(status=301, headers={"Location": f"/loop/{other}"})

    async def _big(self, request: web.Request) -> web.StreamResponse:
        size = int(request.query.get("size", "1000000"))
        with_length = request.query.get("length", "1") == "1"
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        if with_length:
            resp.content_length = size
        else:
            resp.enable_chunked_encoding()
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 1017 + b"</p>\n"  # 1 KiB
        sent = 0
        try:
            while sent < size:
                part = chunk[: size - sent]
                await resp.write(part)
                sent += len(part)
        except (ConnectionResetError, ConnectionError):
            pass  # the client hung up once it had enough: that is the point
        return resp

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.Response(
            status=code, text=f"<html><body><h1>{code}</h1></body></html>", content_type="text/html"
        )

    async def _pdf(self, request: web.Request) -> web.Response:
        return web.Response(body=PDF_BYTES, headers={"Content-Type": "application/pdf"})

    async def _image(self, request: web.Request) -> web.Response:
        return web.Response(body=PNG_BYTES, headers={"Content-Type": "image/png"})

    async def _octet(self, request: web.Request) -> web.Response:
        body = PDF_BYTES if request.query.get("kind") == "pdf" else HTML.encode()
        return web.Response(body=body, headers={"Content-Type": "application/octet-stream"})

    async def _charset(self, request: web.Request) -> web.Response:
        label = request.match_info["label"]
        return web.Response(body=HTML.encode(), headers={"Content-Type": f"text/html; charset={label}"})

    async def _gzip(self, request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(HTML.encode()),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    async def _brotli(self, request: web.Request) -> web.Response:
        return web.Response(
            body=brotli.compress(HTML.encode()),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "br"},
        )
