"""Who may reach each group of routes. Every route handler takes its group's list from here (the public
and staff decorators in ``server.api.public`` and ``server.api.staff``), so access rules are stated in one
place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Guard = Callable[..., Any]

PUBLIC: list[Guard] = []
"""Anyone on the LAN: boards, kiosks, visitors' phones (read-only views and issuing)."""

STAFF: list[Guard] = []
"""Counter and reception staff actions."""
