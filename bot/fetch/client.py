"""The HTTP client that gets pages: bounded in time, size, redirects and where it may connect.

One `aiohttp.ClientSession` per `Fetcher` (connection reuse, `limit_per_host`), every lookup
through `GuardedResolver`. Redirects are followed here, not by aiohttp, so each hop's URL is
checked (scheme, IP-literal host) before anything connects to it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NotHTML,
    NotModified,
    TooLarge,
    TooManyRedirects,
)
from bot.fetch.content import (
    HTML_TYPES,
    SNIFF_BYTES,
    SNIFF_TYPES,
    describe,
    known_charset,
    parse_content_type,
    sniff,
)
from bot.fetch.guard import AddressPolicy, GuardedResolver
from bot.models import Page

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
ACCEPT_ENCODING = "gzip, deflate, br"  # brotli: the `brotli` package is a dependency

STATUS_MESSAGES = {
    401: "the site asks for a login (HTTP 401): it may be paywalled",
    402: "the site asks for payment (HTTP 402): it is paywalled",
    403: "the site refused access (HTTP 403): it may be paywalled or blocking bots",
    404: "the page was not found (HTTP 404)",
    410: "the page is gone (HTTP 410)",
    429: "the site is rate-limiting us (HTTP 429); try again later",
}


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Every bound on one fetch, in one place; defaults live in `bot.config.Settings`."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # longest silence between two reads
    total_timeout: float = 20.0  # whole fetch, all redirect hops and the body included
    max_redirects: int = 5
    max_bytes: int = 5_000_000  # decoded (decompressed) body size
    per_host_connections: int = 4
    user_agent: str = "Newsbot/0.1 (newsroom Slack link reader)"
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        return cls(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            total_timeout=settings.total_timeout,
            max_redirects=settings.max_redirects,
            max_bytes=settings.max_bytes,
            per_host_connections=settings.per_host_connections,
            user_agent=settings.user_agent,
            allow_private=settings.allow_private_urls,
        )


class Fetcher:
    """Async context manager owning one HTTP session. `fetch(url)` returns a `Page` or raises
    a `FetchError` subclass.

    `resolver` is the DNS seam (default: aiohttp's); `policy` decides which addresses are
    allowed (default: public only, unless `limits.allow_private`).
    """

    def __init__(
        self,
        limits: FetchLimits,
        *,
        resolver: AbstractResolver | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.limits = limits
        self.policy = policy or AddressPolicy(allow_private=limits.allow_private)
        self._inner_resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is not None:
            return
        lim = self.limits
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.policy, self._inner_resolver),
            limit_per_host=lim.per_host_connections,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=lim.total_timeout, connect=lim.connect_timeout, sock_read=lim.read_timeout
            ),
            headers={
                "User-Agent": lim.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            trust_env=False,  # a proxy from the environment would connect around the guard
            auto_decompress=True,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Fetcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Page:
        """GET an http(s) URL (already normalized by `bot.links.normalize_url`). With validators
        from an earlier read it is a conditional request: NotModified when the site says 304."""
        if self._session is None:
            raise RuntimeError("Fetcher is not started: use `async with Fetcher(...)`")
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                return await self._fetch(self._session, url, _conditional(etag, last_modified))
        except BlockedAddress as exc:
            log.warning("refused to fetch %s: %s", url, exc.message)
            raise
        except FetchError:
            raise
        except TimeoutError as exc:  # also aiohttp's connect/read timeouts
            raise FetchTimeout(f"{_host(url)} took too long to answer") from exc
        except aiohttp.ClientConnectorDNSError as exc:
            raise FetchError(f"could not find the site {exc.host} (DNS lookup failed)") from exc
        except aiohttp.ClientConnectorCertificateError as exc:
            raise FetchError(f"{exc.host}: the site's TLS certificate is not valid") from exc
        except aiohttp.ClientConnectorError as exc:
            reason = exc.os_error.strerror or type(exc.os_error).__name__
            raise FetchError(f"could not connect to {exc.host}: {reason}") from exc
        except aiohttp.InvalidURL as exc:
            raise FetchError(f"not a valid web address: {exc.url}") from exc
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            raise FetchError(f"{_host(url)}: the connection broke while reading the page") from exc
        except aiohttp.ClientError as exc:
            raise FetchError(f"{_host(url)}: fetch failed ({type(exc).__name__})") from exc

    async def _fetch(self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> Page:
        current = URL(url)
        for _hop in range(self.limits.max_redirects + 1):
            self._check_hop(current)
            async with session.get(current, allow_redirects=False, headers=headers) as resp:
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    current = _join(resp.url, location)
                    continue
                return await self._read(url, resp)
        raise TooManyRedirects(f"more than {self.limits.max_redirects} redirects, last to {current}")

    def _check_hop(self, url: URL) -> None:
        if url.scheme not in ("http", "https") or not url.raw_host:
            raise FetchError(f"redirected to something that is not a web page: {url}")
        self.policy.check_literal(url.raw_host)

    async def _read(self, url: str, resp: aiohttp.ClientResponse) -> Page:
        if resp.status == 304:
            raise NotModified(f"{_host(url)}: the page has not changed")
        if resp.status >= 400 or resp.status in REDIRECT_STATUSES:
            status = resp.status
            raise HTTPStatusError(status, STATUS_MESSAGES.get(status, _status_message(status)))
        mime, label = parse_content_type(resp.headers.get("Content-Type"))
        if mime not in HTML_TYPES and mime not in SNIFF_TYPES:
            raise NotHTML(f"the link is {describe(mime)}, not a web page")
        max_bytes = self.limits.max_bytes
        if resp.content_length is not None and resp.content_length > max_bytes:
            raise TooLarge(f"the page is {resp.content_length} bytes, over the {max_bytes} limit")
        body = bytearray()
        async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(f"the page is larger than the {max_bytes}-byte limit")
        if mime in SNIFF_TYPES:
            sniffed = sniff(bytes(body[:SNIFF_BYTES]))
            if sniffed not in HTML_TYPES:
                raise NotHTML(f"the link is {describe(sniffed or '')}, not a web page")
            mime = sniffed
        charset = known_charset(label)
        if label and charset is None:
            log.info("%s: ignoring unknown charset %r in Content-Type", resp.url, label)
        return Page(
            url=url,
            final_url=str(resp.url),
            body=bytes(body),
            status=resp.status,
            content_type=mime,
            charset=charset,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
        )


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """RFC 9110 conditional request headers: a server that honours either answers 304 if unchanged."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _join(base: URL, location: str) -> URL:
    try:
        return base.join(URL(location)).with_fragment(None)
    except ValueError as exc:
        raise FetchError(f"the site redirected to an invalid address: {location!r}") from exc


def _host(url: str) -> str:
    try:
        return URL(url).host or url
    except ValueError:
        return url


def _status_message(status: int) -> str:
    if status >= 500:
        return f"the site had a server error (HTTP {status})"
    if 300 <= status < 400:
        return f"the site answered a redirect without a target (HTTP {status})"
    return f"the site answered HTTP {status}"
