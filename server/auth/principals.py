"""Who is making a request: a staff member (session), a kiosk or board PC (device token), or nobody."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    OPERATOR = "operator"
    GUIDE = "guide"
    PHONE = "phone"


class DeviceKind(StrEnum):
    KIOSK = "kiosk"
    BOARD = "board"


@dataclass(frozen=True, slots=True)
class Staff:
    login: str
    name: str
    role: Role
    sites: tuple[str, ...]
    """Sites this person works at; empty means every site (admins)."""
    session_id: str
    csrf: str
    via_cookie: bool = True

    def may_use_site(self, site: str) -> bool:
        return self.role is Role.ADMIN or not self.sites or site in self.sites


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    site: str
    kind: DeviceKind
    name: str
    csrf: str
    via_cookie: bool = False


Principal = Staff | Device
