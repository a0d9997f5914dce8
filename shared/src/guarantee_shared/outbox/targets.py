"""Refusing webhook targets inside our own network (SSRF), unless configuration allows them.

Every service that sends webhooks (alerting's channels, customer-api's partner subscriptions)
checks its targets with this module, when a target is registered and again on every delivery.

An address is refused when it lies in a block of IANA's IPv4 or IPv6 Special-Purpose Address
Registry, in multicast, or (IPv6) outside global unicast 2000::/3. The list is explicit rather
than Python's ``is_global``/``is_private``, whose coverage changes between Python releases (3.11
accepts carrier-grade NAT 100.64.0.0/10, where cloud metadata services live, and 6to4). Blocks
IANA marks globally reachable (anycast relays, AS112, AMT, ORCHIDv2) are refused too: they hold
network plumbing, never a webhook receiver. IPv6 forms that carry an IPv4 address (IPv4-mapped
and -compatible, 6to4, Teredo, local-use NAT64) are refused whole; NAT64's well-known prefix
64:ff9b::/96 is how an IPv6-only cluster reaches every IPv4 host, so it is judged by the IPv4
address it embeds.

The check runs when a target is registered, on every address its host resolves to, and again
when a delivery connects: :class:`PinnedTransport` resolves the host itself, checks every
address, and opens the socket to a checked one, so a DNS answer that changes in between (DNS
rebinding) cannot steer a delivery inward. Host, TLS SNI and certificate checks keep the URL's
host name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[Address]]]

# IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast.
DENIED_V4: Final = {
    ipaddress.IPv4Network(block): name
    for block, name in (
        ("0.0.0.0/8", "this network"),
        ("10.0.0.0/8", "private use"),
        ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private use"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.31.196.0/24", "AS112-v4"),
        ("192.52.193.0/24", "AMT"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
        ("192.168.0.0/16", "private use"),
        ("192.175.48.0/24", "direct delegation AS112 service"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved, and limited broadcast"),
    )
}

NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
GLOBAL_UNICAST_V6: Final = ipaddress.IPv6Network("2000::/3")
# IANA IPv6 Special-Purpose Address Registry (RFC 6890 and updates), plus what surrounds it
# outside 2000::/3, named here so a refusal says why.
DENIED_V6: Final = {
    ipaddress.IPv6Network(block): name
    for block, name in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
        ("::/8", "reserved by the IETF"),
        ("100::/64", "discard-only"),
        ("100::/8", "reserved by the IETF"),
        ("2001::/32", "Teredo"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4"),
        ("2620:4f:8000::/48", "direct delegation AS112 service"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing (SRv6) SIDs"),
        ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
}

# So that ::1 is called "loopback" rather than "reserved by the IETF".
_V6_MOST_SPECIFIC_FIRST: Final = sorted(DENIED_V6.items(), key=lambda item: -item[0].prefixlen)


class TargetRefused(Exception):
    """The URL may not be used as a webhook target; the message says why."""


def refusal(address: Address) -> str | None:
    """Why ``address`` may not be a webhook target, or None when it may."""
    if isinstance(address, ipaddress.IPv4Address):
        return next((name for net, name in DENIED_V4.items() if address in net), None)
    if address in NAT64:
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        why = refusal(embedded)
        return None if why is None else f"NAT64 form of {embedded}, {why}"
    for network, name in _V6_MOST_SPECIFIC_FIRST:
        if address in network:
            return name
    if address not in GLOBAL_UNICAST_V6:
        return "outside IPv6 global unicast 2000::/3"
    return None


def parse_target(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL without credentials; TargetRefused otherwise.

    Parsed by httpx, the parser that delivers: a second parser can read another host from the
    same text, and a URL httpx cannot parse would fail every delivery attempt.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetRefused(f"the URL does not parse ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise TargetRefused("the URL must use http or https")
    if not parsed.raw_host:
        raise TargetRefused("the URL has no host")
    if parsed.userinfo:
        raise TargetRefused("the URL must not carry credentials; sign with the secret instead")
    port = (443 if parsed.scheme == "https" else 80) if parsed.port is None else parsed.port
    if not 0 < port < 65536:
        raise TargetRefused("the URL's port is not valid")
    # raw_host: an internationalised name in its IDNA form, as it is resolved and connected to.
    return parsed.raw_host.decode("ascii"), port


async def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` stands for (an address literal stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"the host {host!r} does not resolve") from exc
    # sockaddr[0] of an IPv6 link-local answer may carry a "%zone"; ip_address keeps it.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def checked_addresses(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = resolve
) -> list[Address]:
    """The addresses of ``host``, all of them allowed; TargetRefused if any is not.

    One refused address refuses the host: a resolver may hand out any of them next time.
    """
    addresses = await resolver(host, port)
    if not addresses:
        raise TargetRefused(f"the host {host!r} does not resolve")
    if allow_private:
        return addresses
    for address in addresses:
        if (why := refusal(address)) is not None:
            raise TargetRefused(
                f"{host} is or resolves to the internal address {address} ({why}); "
                "set WEBHOOK_ALLOW_PRIVATE=true to allow such targets"
            )
    return addresses


async def check_target(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    host, port = parse_target(url)
    if allow_private:
        return
    await checked_addresses(host, port, allow_private=False, resolver=resolver)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to a checked address of the host, never to a name resolved again later."""

    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            # The connect timeout covers the lookup too: a stalled resolver is a slow connect.
            async with asyncio.timeout(timeout):
                addresses = await checked_addresses(
                    host, port, allow_private=self._allow_private, resolver=self._resolver
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took over {timeout} s") from exc
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await self._backend.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
        return await self._backend.connect_tcp(
            str(addresses[-1]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks are delivered over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connections go only to addresses :func:`refusal` allows.

    No proxy from the environment (a proxy would do its own resolving) and no redirects (the
    client refuses them). httpx takes no network backend, so the pool it built is replaced by
    one with the same TLS context and the pinning backend.
    """

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_PinnedBackend(allow_private=allow_private, resolver=resolver),
        )
