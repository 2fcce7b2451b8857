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
    """Sites this person works at; empty means every site. An admin limited to sites is limited like anyone."""
    session_id: str
    csrf: str
    via_cookie: bool = True
    expires_in: int = 0
    """Seconds until the session ends (idle or absolute limit, whichever comes first): the cookies' Max-Age."""

    def may_use_site(self, site: str) -> bool:
        return not self.sites or site in self.sites

    def covers(self, sites: tuple[str, ...] | list[str]) -> bool:
        """Whether everything ``sites`` reaches (empty: every site) lies within this person's own sites.

        Nobody grants or touches more than they have: an account of every site is covered only by another."""
        if not self.sites:
            return True
        return bool(sites) and set(sites) <= set(self.sites)


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    site: str
    kind: DeviceKind
    name: str
    csrf: str
    via_cookie: bool = False


Principal = Staff | Device
