"""Typed settings, built from the environment (``MADOGUCHI_*``) and the command line, passed to ``create_app``.

Nothing reads the environment at import time; tests build ``Settings`` directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from server.auth.client import Network, parse_networks
from server.config import Config, default_config_path
from server.storeurl import StoreUrlError, parse_store_url


class SettingsError(ValueError):
    """A bad setting; the message names the variable."""


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name}: expected true or false, got {value!r}")


def check_workers(name: str, value: str) -> int:
    """A number of server processes (``MADOGUCHI_WORKERS``, ``serve --workers``), or ``SettingsError``."""
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_WORKERS:
        raise SettingsError(f"{name}: expected a number of processes from 1 to {MAX_WORKERS}, got {value!r}")
    return int(value)


MAX_WORKERS = 64
_SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def parse_sites(name: str, value: str) -> tuple[str, ...]:
    """Site ids separated by commas (``MADOGUCHI_SITES=outreach-mall``), or ``SettingsError`` naming ``name``."""
    sites = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    bad = [s for s in sites if not _SITE_ID.fullmatch(s)]
    if bad:
        raise SettingsError(f"{name}: {bad[0]!r} is not a site id (lowercase words joined by '-')")
    return sites


def limit_sites(config: Config, sites: Sequence[str], name: str = "MADOGUCHI_SITES") -> Config:
    """The configuration as a process limited to ``sites`` sees it: only those sites (none given: all of them).

    Why the configuration itself and not a filter in each page: every part that walks the sites (the index, the
    sites list, kiosk, board and console routes, the fan-out, the print workers, the automatic day close, the
    banner) then serves the named sites only and answers ``unknown_site`` for the others, and the file stays the
    city's own (the same ids, services and names as the central installation, which the day archive relies on).
    """
    if not sites:
        return config
    known = {s.id for s in config.sites}
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise SettingsError(f"{name}: the configuration has no site {unknown[0]!r} (it has {', '.join(sorted(known))})")
    return msgspec.structs.replace(config, sites=tuple(s for s in config.sites if s.id in sites))


@dataclass(frozen=True)
class Settings:
    config_path: Path = field(default_factory=default_config_path)
    redis_url: str | None = None
    """External Redis/Valkey; None starts the embedded server under ``data_dir``."""
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    demo: bool = False
    clock_start: datetime | None = None
    """``--clock``: the server clock starts here (training mode)."""
    public_url: str | None = None
    """Base URL printed on tickets (status page QR); defaults to http://host:port."""
    strict_persistence: bool = False
    """Refuse to start against a Redis without AOF instead of warning."""
    print_workers: bool = True
    """Drive the sites' printers from this process (one process per printer holds its lock)."""
    secure_cookies: bool = False
    """Mark cookies Secure even when the server itself sees plain HTTP (TLS ends at a proxy)."""
    allowed_origins: tuple[str, ...] = ()
    """Extra origins allowed to open websockets (the server's own origin always is)."""
    trusted_proxies: tuple[Network, ...] = ()
    """Reverse proxies whose ``X-Forwarded-For`` names the client; nobody else's is believed."""
    workers: int = 1
    """Server processes ``serve`` runs on the one port (``--workers``); each is a whole server of its own."""
    sites: tuple[str, ...] = ()
    """The sites this server serves (``serve --site``, ``MADOGUCHI_SITES``): an outreach desk's laptop serves its
    site only. Empty: every site of the configuration."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        values: dict[str, Any] = {}
        if v := environ.get("MADOGUCHI_CONFIG"):
            values["config_path"] = Path(v)
        if v := environ.get("MADOGUCHI_REDIS_URL"):
            try:
                parse_store_url(v)
            except StoreUrlError as exc:
                raise SettingsError(f"MADOGUCHI_REDIS_URL: {exc}") from None
            values["redis_url"] = v
        if v := environ.get("MADOGUCHI_DATA_DIR"):
            values["data_dir"] = Path(v)
        if v := environ.get("MADOGUCHI_PUBLIC_URL"):
            values["public_url"] = v.rstrip("/")
        if v := environ.get("MADOGUCHI_HOST"):
            values["host"] = v
        if v := environ.get("MADOGUCHI_PORT"):
            try:
                values["port"] = int(v)
            except ValueError:
                raise SettingsError(f"MADOGUCHI_PORT: expected a port number, got {v!r}") from None
        if v := environ.get("MADOGUCHI_WORKERS"):
            values["workers"] = check_workers("MADOGUCHI_WORKERS", v)
        if v := environ.get("MADOGUCHI_SITES"):
            values["sites"] = parse_sites("MADOGUCHI_SITES", v)
        if (v := environ.get("MADOGUCHI_STRICT_PERSISTENCE")) is not None:
            values["strict_persistence"] = _bool("MADOGUCHI_STRICT_PERSISTENCE", v)
        if (v := environ.get("MADOGUCHI_PRINT_WORKERS")) is not None:
            values["print_workers"] = _bool("MADOGUCHI_PRINT_WORKERS", v)
        if (v := environ.get("MADOGUCHI_SECURE_COOKIES")) is not None:
            values["secure_cookies"] = _bool("MADOGUCHI_SECURE_COOKIES", v)
        if v := environ.get("MADOGUCHI_ALLOWED_ORIGINS"):
            values["allowed_origins"] = tuple(o.strip().rstrip("/") for o in v.split(",") if o.strip())
        if v := environ.get("MADOGUCHI_TRUSTED_PROXIES"):
            try:
                values["trusted_proxies"] = parse_networks(v)
            except ValueError as exc:
                raise SettingsError(f"MADOGUCHI_TRUSTED_PROXIES: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"
