"""What a ``MADOGUCHI_REDIS_URL`` names (DESIGN §1), read without importing a Redis client (settings check it).

- ``redis://``, ``rediss://``, ``unix://``: one server.
- ``redis+sentinel://[:pw@]h1:26379,h2:26379/SERVICE[/db]``: the master a Sentinel group names, with the query
  parameters ``replicas=N`` (replicas that confirm each change before it is answered; default 1, 0: none) and
  ``sentinel_password=...`` (when the sentinels ask for a password of their own; the URL's is the master's).
- ``redis+cluster://[:pw@]h1:6379,h2:6379``: a Redis Cluster (database 0 only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote

SINGLE_SCHEMES = ("redis", "rediss", "unix")
SENTINEL_SCHEME = "redis+sentinel"
CLUSTER_SCHEME = "redis+cluster"


class StoreUrlError(ValueError):
    """A ``MADOGUCHI_REDIS_URL`` that names no store madoguchi can use. The message never shows the password."""


@dataclass(frozen=True)
class Topology:
    """What a ``MADOGUCHI_REDIS_URL`` names (``parse_store_url``)."""

    kind: Literal["single", "sentinel", "cluster"]
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    """Sentinels (sentinel) or startup nodes (cluster); empty for one server (redis-py reads its URL)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    service: str = ""
    """The Sentinel group's master name."""
    db: int = 0
    replicas: int = 0
    """Replicas that confirm each change before it is answered (``WAIT``)."""
    sentinel_password: str | None = field(default=None, repr=False)

    @property
    def described(self) -> str:
        """Where the store is, without the password (for logs and the banner)."""
        where = ",".join(f"{h}:{p}" for h, p in self.nodes)
        if self.kind == "sentinel":
            return f"Sentinel {where} master {self.service!r} db {self.db}"
        if self.kind == "cluster":
            return f"Cluster {where}"
        return self.url.split("://", 1)[0] + "://" + self.url.rpartition("@")[2]


def parse_store_url(url: str) -> Topology:
    """The topology a URL names, or ``StoreUrlError`` saying what is wrong with it."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise StoreUrlError(f"expected a URL such as redis://host:6379/0, got {_redacted(url)!r}")
    if scheme in SINGLE_SCHEMES:
        return Topology("single", url)
    if scheme not in (SENTINEL_SCHEME, CLUSTER_SCHEME):
        forms = ", ".join(f"{s}://" for s in (*SINGLE_SCHEMES, SENTINEL_SCHEME, CLUSTER_SCHEME))
        raise StoreUrlError(f"unknown scheme {scheme}:// (expected one of {forms})")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, _, pw = userinfo.partition(":")
        username, password = unquote(user) or None, unquote(pw) or None
    default_port = 26379 if scheme == SENTINEL_SCHEME else 6379
    nodes = tuple(_node(h, default_port) for h in hosts.split(",") if h.strip())
    if not nodes:
        raise StoreUrlError(f"{scheme}:// needs at least one host:port")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    parts = [unquote(p) for p in path.split("/") if p]
    if scheme == CLUSTER_SCHEME:
        if params:
            raise StoreUrlError(f"{scheme}:// takes no query parameters (got {', '.join(sorted(params))})")
        if parts not in ([], ["0"]):
            raise StoreUrlError("a Redis Cluster has database 0 only: redis+cluster://[:pw@]h1:6379,h2:6379")
        return Topology("cluster", url, nodes, username, password)
    if not parts or len(parts) > 2:
        raise StoreUrlError("name the Sentinel group's master: redis+sentinel://[:pw@]h1:26379,h2:26379/SERVICE[/db]")
    unknown = set(params) - {"replicas", "sentinel_password"}
    if unknown:
        raise StoreUrlError(f"unknown query parameters {', '.join(sorted(unknown))} (replicas, sentinel_password)")
    db = _number(parts[1], "the database") if len(parts) == 2 else 0
    replicas = _number(params.get("replicas", "1"), "replicas")
    return Topology(
        "sentinel", url, nodes, username, password, service=parts[0], db=db, replicas=replicas,
        sentinel_password=params.get("sentinel_password") or None,
    )  # fmt: skip


def _node(text: str, default_port: int) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [::1]:26379
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise StoreUrlError(f"{text!r} is not host:port")
    return host, _number(port, f"the port of {host}") if port else default_port


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise StoreUrlError(f"{what} must be a number, got {text!r}")
    return int(text)


def _redacted(url: str) -> str:
    head, at, tail = url.rpartition("@")
    return f"{head.partition('://')[0]}://***@{tail}" if at else url
