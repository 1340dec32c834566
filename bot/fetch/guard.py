"""SSRF guard: only public addresses are ever connected to.

It sits at the resolver seam (an aiohttp `AbstractResolver`): the connector connects to exactly
the addresses the resolver returns, so what is checked is what is connected to, with no second
lookup, and every redirect hop is covered because every connection resolves through it.

aiohttp does not call the resolver for hosts that are already IP literals (`http://10.0.0.1/`),
so the fetcher also calls `AddressPolicy.check_literal` on each hop's host before connecting. That
check also decodes the legacy numeric spellings that `inet_aton` accepts (`2130706433`, `0x7f.1`,
`017700000001`, `127.1`), which a resolver would quietly turn into 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not public even where `is_global` (depending on the Python patch release) says otherwise.
# Sources: IANA IPv4/IPv6 special-purpose address registries (RFC 6890 and updates).
NON_PUBLIC_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, incl. broadcast
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "fc00::/7",  # unique local
        "fec0::/10",  # deprecated site-local
        "2001:db8::/32",  # documentation
    )
)
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: IPv4 in the last 32 bits


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses (and IPv6 that embeds no private IPv4)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
        if ip.scope_id:  # fe80::1%eth0 and friends: never public
            return False
    if (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return False
    return not any(ip in net for net in NON_PUBLIC_NETWORKS if net.version == ip.version)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes if it is an IP literal, including legacy IPv4 spellings."""
    h = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    # inet_aton accepts what getaddrinfo would: 2130706433, 0x7f.1, 017700000001, 127.1.
    if h and all(c in "0123456789abcdefxABCDEFX." for c in h) and h[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which (host, address) pairs may be connected to.

    `allow_private` turns the guard off (local development, tests against 127.0.0.1).
    `allow_hosts` exempts named hosts only, so a test can let one host reach a local server
    while every other host, and every redirect target, is still checked.
    """

    allow_private: bool = False
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    is_allowed: Callable[[IPAddress], bool] = is_public

    def check(self, host: str, ip: IPAddress) -> None:
        if self.allow_private or host.lower().rstrip(".") in self.allow_hosts:
            return
        if not self.is_allowed(ip):
            raise BlockedAddress(f"{host} points at a non-public address ({ip}); not fetched")

    def check_literal(self, host: str) -> None:
        """Check a URL host that is an IP literal; names are left to `GuardedResolver`."""
        ip = parse_ip_literal(host)
        if ip is not None:
            self.check(host, ip)


class GuardedResolver(AbstractResolver):
    """Resolve with an inner resolver, then refuse if any answer is not allowed.

    All answers must pass (not just some): otherwise a name with one public and one private
    record could still reach the private one through the connector's fallback.
    """

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:  # built lazily: DefaultResolver wants a running loop
            self._inner = DefaultResolver()
        self.policy.check_literal(host)
        results = await self._inner.resolve(host, port, family)
        for r in results:
            ip = ipaddress.ip_address(r["host"])
            self.policy.check(host, ip)
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


class StaticResolver(AbstractResolver):
    """Answers from a fixed table (host -> addresses): a DNS seam for tests and offline runs."""

    def __init__(self, table: dict[str, Iterable[str]]) -> None:
        self.table = {h.lower(): tuple(a) for h, a in table.items()}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addrs = self.table.get(host.lower().rstrip("."))
        if not addrs:
            raise OSError(f"no such host: {host}")  # what a failed getaddrinfo looks like to aiohttp
        out: list[ResolveResult] = []
        for a in addrs:
            ip = ipaddress.ip_address(a)
            fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            out.append(
                ResolveResult(
                    hostname=host, host=str(ip), port=port, family=fam, proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        return out

    async def close(self) -> None:
        return None
