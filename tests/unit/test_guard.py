"""The SSRF guard: address classes, legacy numeric spellings, the resolver seam, redirect hops.

DNS answers come from `StaticResolver` (no internet here); connections are real, to 127.0.0.1.
"""

from __future__ import annotations

import ipaddress

import pytest
from aiohttp.abc import ResolveResult

from bot.errors import BlockedAddress, FetchError
from bot.fetch import AddressPolicy, Fetcher, FetchLimits, GuardedResolver, StaticResolver
from bot.fetch.guard import is_public, parse_ip_literal
from tests.fakes.article_server import ArticleServer

BLOCKED = [
    "127.0.0.1", "127.255.255.254",  # loopback
    "10.0.0.1", "172.16.5.4", "192.168.1.1",  # RFC 1918
    "169.254.169.254",  # link-local (cloud metadata)
    "100.64.0.1", "100.127.255.254",  # CGNAT
    "0.0.0.0", "0.1.2.3",  # unspecified / "this network"
    "224.0.0.1", "239.255.255.250",  # multicast
    "240.0.0.1", "255.255.255.255",  # reserved / broadcast
    "192.0.2.1", "198.51.100.7", "203.0.113.9",  # documentation
    "198.18.0.1",  # benchmarking
    "::1", "::",  # IPv6 loopback, unspecified
    "fe80::1", "fc00::1", "fd12:3456::1",  # link-local, unique local
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",  # IPv4-mapped
    "2002:7f00:1::1", "2002:a9fe:a9fe::",  # 6to4 embedding 127.0.0.1 / 169.254.169.254
    "64:ff9b::7f00:1", "64:ff9b::a00:1",  # NAT64 embedding 127.0.0.1 / 10.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
          "2002:5db8:d822::1"]  # the last: 6to4 of 93.184.216.34


@pytest.mark.parametrize("addr", BLOCKED)
def test_non_public_addresses_are_blocked(addr: str) -> None:
    assert is_public(ipaddress.ip_address(addr)) is False


@pytest.mark.parametrize("addr", PUBLIC)
def test_public_addresses_pass(addr: str) -> None:
    assert is_public(ipaddress.ip_address(addr)) is True


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f.1", "127.0.0.1"),  # hex, short form
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),  # octal
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),  # short dotted
        ("10.1", "10.0.0.1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("8.8.8.8", "8.8.8.8"),
        ("example.com", None),
        ("0xexample.com", None),
        ("1.2.3.4.example", None),
    ],
)
def test_parse_ip_literal(host: str, expected: str | None) -> None:
    got = parse_ip_literal(host)
    assert (str(got) if got else None) == expected


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "127.1", "[::1]", "0"])
def test_policy_blocks_numeric_literals(host: str) -> None:
    with pytest.raises(BlockedAddress) as info:
        AddressPolicy().check_literal(host)
    assert info.value.code == "blocked_address"


def test_policy_off_when_private_allowed() -> None:
    AddressPolicy(allow_private=True).check_literal("127.0.0.1")  # no exception


async def test_resolver_blocks_private_answers() -> None:
    dns = StaticResolver({
        "intranet.test": ["10.0.0.5"],
        "metadata.test": ["169.254.169.254"],
        "mapped.test": ["::ffff:127.0.0.1"],
        "v6local.test": ["fd00::1"],
        "mixed.test": ["93.184.216.34", "192.168.0.1"],  # one bad answer is enough to refuse
    })
    guard = GuardedResolver(AddressPolicy(), dns)
    for host in ("intranet.test", "metadata.test", "mapped.test", "v6local.test", "mixed.test"):
        with pytest.raises(BlockedAddress):
            await guard.resolve(host, 80)


async def test_resolver_passes_public_answers_through() -> None:
    dns = StaticResolver({"public.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]})
    results = await GuardedResolver(AddressPolicy(), dns).resolve("public.test", 443)
    assert [r["host"] for r in results] == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert all(r["port"] == 443 for r in results)


async def test_resolver_checks_numeric_hostnames_before_lookup() -> None:
    # The inner resolver would say "public", but the name itself is 127.0.0.1 spelled in hex.
    dns = StaticResolver({"0x7f.1": ["93.184.216.34"]})
    with pytest.raises(BlockedAddress):
        await GuardedResolver(AddressPolicy(), dns).resolve("0x7f.1", 80)


async def test_real_system_resolver_is_guarded() -> None:
    # "localhost" really resolves (no internet needed) to loopback, which is refused.
    with pytest.raises(BlockedAddress):
        await GuardedResolver(AddressPolicy()).resolve("localhost", 80)


# --- the guard inside the real client -------------------------------------------------------
LIMITS = FetchLimits(total_timeout=5.0, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/status/200", "http://[::1]:{port}/status/200",
     "http://2130706433:{port}/status/200", "http://0x7f.1:{port}/status/200",
     "http://017700000001:{port}/status/200", "http://127.1:{port}/status/200",
     "http://localhost:{port}/status/200"],
)
async def test_fetch_refuses_local_server_without_allow_private(
    article_server: ArticleServer, url: str
) -> None:
    async with Fetcher(LIMITS) as fetcher:
        with pytest.raises(BlockedAddress):
            await fetcher.fetch(url.format(port=article_server.port))
    assert sum(article_server.hits.values()) == 0


async def test_allow_private_reaches_local_server(article_server: ArticleServer) -> None:
    async with Fetcher(FetchLimits(allow_private=True)) as fetcher:
        page = await fetcher.fetch(article_server.url("/status/200"))
    assert page.status == 200


@pytest.mark.parametrize(
    "target",
    [
        "http://sneaky.test:{port2}/status/200",  # a name that resolves to the (reachable) local server
        "http://127.0.0.1:{port2}/status/200",  # the same server as an IP literal
        "http://0x7f.1:{port2}/status/200",  # ... and as legacy hex
        "http://metadata.test/latest/meta-data/",  # cloud metadata by name
        "http://169.254.169.254/latest/meta-data/",  # ... and by literal
        "http://10.0.0.1/",
        "http://[::ffff:127.0.0.1]:{port2}/status/200",
    ],
)
async def test_redirect_hop_to_private_address_is_refused_before_connecting(target: str) -> None:
    """`allowed.test` may reach 127.0.0.1 (allow-listed by name for this test only) and
    redirects to a private address. The second server is reachable, so had the guard let the
    hop through, its hit counter would show the request."""
    async with ArticleServer() as first, ArticleServer() as second:
        dns = StaticResolver({
            "allowed.test": ["127.0.0.1"],
            "sneaky.test": ["127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
        })
        policy = AddressPolicy(allow_hosts=frozenset({"allowed.test"}))
        to = target.format(port2=second.port)
        start = f"http://allowed.test:{first.port}/redirect?to={to}"
        async with Fetcher(LIMITS, resolver=dns, policy=policy) as fetcher:
            with pytest.raises(BlockedAddress):
                await fetcher.fetch(start)
        assert first.hits["/redirect"] == 1  # the allowed hop really happened
        assert sum(second.hits.values()) == 0  # the blocked one never connected


async def test_redirect_hop_to_allowed_host_is_followed() -> None:
    """The control for the test above: same setup, allowed target, the hop goes through."""
    async with ArticleServer() as first, ArticleServer() as second:
        dns = StaticResolver({"allowed.test": ["127.0.0.1"], "also.test": ["127.0.0.1"]})
        policy = AddressPolicy(allow_hosts=frozenset({"allowed.test", "also.test"}))
        start = f"http://allowed.test:{first.port}/redirect?to=http://also.test:{second.port}/status/200"
        async with Fetcher(LIMITS, resolver=dns, policy=policy) as fetcher:
            page = await fetcher.fetch(start)
        assert page.final_url == f"http://also.test:{second.port}/status/200"
        assert second.hits["/status/200"] == 1


# --- more spellings of the same forbidden places (issue 13) ---------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://2852039166/latest/meta-data/",  # 169.254.169.254, decimal
        "http://0251.0376.0251.0376/latest/meta-data/",  # ... octal
        "http://0xa9fea9fe/latest/meta-data/",  # ... hex
        "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/",  # ... hex per part
        "http://[fd00::1]/", "http://[fc12:3456::7]/",  # IPv6 unique local
        "http://[fe80::1]/", "http://[fe80::1%25eth0]/",  # IPv6 link-local, with a zone
        "http://news.example.com@127.0.0.1:{port}/status/200",  # the host is after the @
        "http://news.example.com:443@127.0.0.1:{port}/status/200",
        "http://127.0.0.1.:{port}/status/200",  # trailing dot
        "http://localhost.:{port}/status/200",
        "http://LOCALHOST:{port}/status/200",
        "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{port}/status/200",  # IDNA maps these letters to "localhost"
        "http://metadata.google.internal./computeMetadata/v1/",  # a name that resolves privately
    ],
)
async def test_ssrf_spellings_never_connect(article_server: ArticleServer, url: str) -> None:
    dns = StaticResolver({"metadata.google.internal": ["169.254.169.254"], "localhost": ["127.0.0.1"]})
    async with Fetcher(LIMITS, resolver=dns) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url.format(port=article_server.port))
    assert info.value.code in ("blocked_address", "invalid_url", "fetch_failed"), info.value
    assert sum(article_server.hits.values()) == 0


async def test_dns_rebinding_is_checked_on_every_lookup() -> None:
    """A name that answers public first and private next (rebinding) is refused the second time:
    the guard checks each answer it hands the connector, and the connector uses only those."""

    class Rebinding(StaticResolver):
        def __init__(self) -> None:
            super().__init__({})
            self.answers = iter(["93.184.216.34", "127.0.0.1"])

        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:  # type: ignore[override]
            addr = next(self.answers)
            return [{"hostname": host, "host": addr, "port": port, "family": 2, "proto": 0, "flags": 0}]

    guard = GuardedResolver(AddressPolicy(), Rebinding())
    assert [r["host"] for r in await guard.resolve("rebind.test", 80)] == ["93.184.216.34"]
    with pytest.raises(BlockedAddress):
        await guard.resolve("rebind.test", 80)
