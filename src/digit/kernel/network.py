"""Who is on the other end of the socket: the client address every throttle and allow-list uses.

A request's client is the socket's peer, unless that peer is a proxy listed in
`DIGIT_TRUSTED_PROXIES`: then it is the right-most `X-Forwarded-For` entry that is not itself a
trusted proxy (the left-most entries are whatever the client chose to send, so they count for nothing).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection

UNKNOWN = "unknown"


def _is_listed(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in networks:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(connection: HTTPConnection, trusted_proxies: Iterable[str]) -> str:
    """The caller's address as a throttle should count it (see the module docstring)."""
    peer = connection.client.host if connection.client else UNKNOWN
    proxies = list(trusted_proxies)
    if not proxies or not _is_listed(peer, proxies):
        return peer
    forwarded = [hop.strip() for hop in ",".join(connection.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in forwarded if h]):
        if not _is_listed(hop, proxies):
            return hop if _is_valid(hop) else peer
    return peer


def is_address_in(address: str, networks: Iterable[str]) -> bool:
    """Whether an address falls in one of the networks (`127.0.0.1`, `10.0.0.0/8`, `::1`)."""
    return _is_listed(address, networks)


def _is_valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
