"""Refusing webhook targets inside our own network (SSRF), unless configuration allows them.

A target is refused when its host is, or resolves to, a loopback, private (RFC 1918, ULA),
link-local (cloud metadata lives there), multicast, reserved or unspecified address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class TargetRefused(Exception):
    """The URL may not be used as a webhook target; the message says why."""


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def parse_target(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL without credentials; TargetRefused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("the URL must use http or https")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("the URL must not carry credentials; sign with the secret instead")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("the URL's port is not valid") from exc
    return parts.hostname, port


async def check_target(url: str, *, allow_private: bool) -> None:
    host, port = parse_target(url)
    if allow_private:
        return
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise TargetRefused(f"the host {host!r} does not resolve") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if _internal(address):
            raise TargetRefused(
                f"{host} is or resolves to the internal address {address}; "
                "set WEBHOOK_ALLOW_PRIVATE=true to allow such targets"
            )
