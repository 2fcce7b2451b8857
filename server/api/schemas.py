"""Request bodies (msgspec): every field typed and bounded; unknown fields are rejected."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.queue.models import Outcome

Lang = Literal["ja", "en", "zh", "ko", "vi", "ja-easy"]
ServiceId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
TicketNumber = Annotated[str, msgspec.Meta(min_length=2, max_length=12, pattern=r"^[A-Z][0-9]{1,6}$")]
Note = Annotated[str, msgspec.Meta(max_length=500)]


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class IssueTicket(Body):
    service: ServiceId
    lang: Lang = "ja"
    priority: bool = False
    idempotency_key: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")] | None
    ) = None
    print: bool = True


class CheckIn(Body):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9-]+$")]


class OpenCounter(Body):
    services: Annotated[list[ServiceId], msgspec.Meta(min_length=1, max_length=32)]


class PauseCounter(Body):
    reason: Note = ""


class CallNumber(Body):
    number: TicketNumber


class Complete(Body):
    outcome: Outcome
    note: Note = ""


class Transfer(Body):
    service: ServiceId
    note: Note = ""


Login = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
SiteId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class LoginBody(Body):
    login: Login
    password: Password


class SetupBody(Body):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    login: Login
    name: DisplayName
    password: Password


class NewStaff(Body):
    login: Login
    name: DisplayName
    role: Literal["admin", "manager", "operator", "guide", "phone"]
    password: Password
    sites: Annotated[list[SiteId], msgspec.Meta(max_length=32)] = msgspec.field(default_factory=list)


class NewPassword(Body):
    password: Password


class NewDevice(Body):
    site: SiteId
    kind: Literal["kiosk", "board"]
    name: DisplayName


class AgentStatus(Body):
    """A printer's answer to DLE EOT as the print agent saw it (None: not answered)."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    detail: Annotated[str, msgspec.Meta(max_length=200)] = ""


class AgentPoll(Body):
    status: AgentStatus | None = None
    wait: Annotated[float, msgspec.Meta(ge=0, le=25)] = 20.0


class AgentResult(Body):
    state: Literal["printing", "printed", "retrying", "failed", "failover"]
    detail: Annotated[str, msgspec.Meta(max_length=200)] = ""


NoticeText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class NewNotice(Body):
    """A notice for the site's boards and kiosks: Japanese ``text``, translations in ``texts`` by language."""

    text: NoticeText
    texts: dict[Lang, NoticeText] = {}
