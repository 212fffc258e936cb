"""Server-side request forgery guard for outgoing webhook requests.

A target is resolved once, every address is checked, and the request then connects to the
checked address itself (the URL carries the IP; `Host` and TLS SNI carry the name), so a DNS
answer that changes between check and connect cannot redirect the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UnsafeTarget(ValueError):
    """The URL may not be contacted; the message says why, for the API user."""


@dataclass(frozen=True)
class Target:
    connect_url: str  # the URL with the checked IP in place of the host name
    host_header: str
    sni_hostname: str | None
    address: str


def check_syntax(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or UnsafeTarget."""
    if len(url) > 2000:
        raise UnsafeTarget("the URL is longer than 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"the URL is not valid: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("the URL must start with https:// or http://")
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeTarget("the URL must not contain credentials")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _unwrap(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        if address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


# An operator trying webhooks with a receiver on their own machine needs to know the switch.
ALLOW_PRIVATE_HINT = (
    "; to send webhooks to this machine or a private network, start vivavoce with "
    "VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE=true"
)


def refusal(address: IPAddress, allow_private: bool) -> str | None:
    """Why `address` may not be contacted, or None when it may.

    `allow_private` opens loopback and the private ranges (RFC 1918, shared address space,
    IPv6 unique-local) only: Python's `is_private` also covers documentation, benchmarking,
    reserved and broadcast ranges, which no webhook receiver lives on, so it is not used.
    """
    plain = _unwrap(address)
    if plain.is_link_local or plain in ipaddress.IPv4Network("169.254.0.0/16"):
        return f"{address} is a link-local address (cloud metadata lives there)"
    if plain.is_unspecified:
        return f"{address} is an unspecified address"
    if plain.is_multicast:
        return f"{address} is a multicast address"
    if plain.is_loopback:
        return None if allow_private else f"{address} is a loopback address{ALLOW_PRIVATE_HINT}"
    if _within(plain, _PRIVATE):
        return None if allow_private else f"{address} is a private address{ALLOW_PRIVATE_HINT}"
    if plain.is_reserved or not plain.is_global or _within(plain, _SPECIAL_PURPOSE):
        return f"{address} is a reserved address"
    return None


def _within(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks if network.version == address.version)


_PRIVATE: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
    ipaddress.IPv4Network("100.64.0.0/10"),  # shared address space (carrier-grade NAT)
    ipaddress.IPv6Network("fc00::/7"),  # unique-local
)
# Special-purpose ranges (RFC 6890) that Python's flags do not all catch on every version.
_SPECIAL_PURPOSE: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
        "2001:db8::/32",  # documentation
        "2001::/23",  # IETF protocol assignments
        "100::/64",  # discard-only
    )
)


async def resolve(url: str, allow_private: bool) -> Target:
    """Resolve and check `url`; the returned target connects to a checked address."""
    scheme, host, port = check_syntax(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise UnsafeTarget(f"the host {host} does not resolve ({exc.strerror})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not addresses:
            raise UnsafeTarget(f"the host {host} does not resolve")
    for address in addresses:
        reason = refusal(address, allow_private)
        if reason is not None:
            where = "" if literal is not None else f"{host} resolves to "
            raise UnsafeTarget(f"refused: {where}{reason}")
    chosen = addresses[0]
    parts = urlsplit(url)
    ip_host = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = ip_host if parts.port is None else f"{ip_host}:{parts.port}"
    connect_url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return Target(
        connect_url=connect_url,
        host_header=host_header,
        sni_hostname=host if scheme == "https" and literal is None else None,
        address=str(chosen),
    )
