"""The address a request comes from, for login throttling, rate limits and the audit log.

``X-Forwarded-For`` is believed only when the connection itself comes from a configured proxy
(``MADOGUCHI_TRUSTED_PROXIES``): anyone else could write any address there and slip past the per-address limits.
Behind trusted proxies the client is the right-most address that is not one of them (each proxy appends the
address it saw; whatever the client wrote itself stands further left and is ignored).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.5, 192.168.1.0/24"`` → networks; ``ValueError`` naming the bad entry."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {part!r}") from None
    return tuple(out)


def _trusted(host: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(scope: Any, trusted: Sequence[Network]) -> str:
    """The client's address as far as it can be known (``"unknown"`` when the server was not told)."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = b",".join(v for k, v in scope.get("headers", []) if bytes(k).lower() == b"x-forwarded-for")
    hops = [h.strip() for h in forwarded.decode("latin-1").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop if _is_ip(hop) else peer
    return hops[0] if hops and _is_ip(hops[0]) else peer


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
