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
