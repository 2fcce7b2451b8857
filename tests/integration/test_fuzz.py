"""Every operation of the OpenAPI document, fuzzed against a live server: no request gets a 5xx.

Schemathesis turns each operation of ``GET /schema`` into a Hypothesis strategy. Requests that fit the
schema (positive) and requests that do not (negative) go over real HTTP to a server on loopback from four
callers: anonymous and a kiosk device (guards and refusals, the device routes), an admin (every staff guard
passes), and the admin again with real ids in the path (a ticket, an account, a device, a notice, a booking
that exist), so bodies and queries reach the handlers and the store instead of stopping at "not found".
Every answer must be below 500, and every 4xx of the API is JSON ``{"code", "detail"}`` (pages answer
their refusals in HTML).

Bounded and repeatable: a fixed number of examples per operation, mode and caller, derandomized, no example
database, no shrinking (a bad answer is reported as the request that got it, with a curl command).
``MADOGUCHI_FUZZ_EXAMPLES=100`` makes a deeper run by hand. The admin's logout has a session of its own,
logged in again after each logout, so it cannot end the other callers' sessions.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response

from tests.conftest import LiveServer, issue, open_counter

EXAMPLES = int(os.environ.get("MADOGUCHI_FUZZ_EXAMPLES", "12"))
"""Per operation, generation mode and caller: about 3,200 requests in all, under a minute on two cores."""
LOGOUT = ("POST", "/api/v1/auth/logout")
POLL = ("POST", "/api/v1/agent/poll")
TIMEOUT_S = 15.0  # a request that hangs fails the test instead of holding the suite


@dataclass
class Findings:
    requests: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    operations: set[tuple[str, str, str]] = field(default_factory=set)
    """(caller, method, path) of every request sent."""
    problems: list[str] = field(default_factory=list)

    def check(self, case: Case, who: str, response: Response, base_url: str) -> None:
        self.requests += 1
        self.statuses[who, response.status_code] += 1
        self.operations.add((who, case.method.upper(), case.path))
        problem = _problem(response)
        if problem:
            curl = case.as_curl_command(base_url=base_url)
            self.problems.append(f"{who} {case.method} {case.formatted_path}: {problem}\n    {curl[:600]}")


def _content_type(response: Response) -> str:
    return ", ".join(v for k, values in response.headers.items() if k.lower() == "content-type" for v in values)


def _problem(response: Response) -> str:
    """What is wrong with an answer, or "" when it is an acceptable one."""
    status = response.status_code
    if status >= 500:
        return f"{status} {response.text_lossy()[:300]}"
    if status < 400 or _content_type(response).startswith("text/html"):
        return ""
    try:
        body = response.json()
    except ValueError:
        return f"{status} not JSON: {response.text_lossy()[:200]}"
    if not (isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("detail"), str)):
        return f"{status} without code and detail: {response.text_lossy()[:200]}"
    return ""


def _session(base_url: str, cred: dict[str, str] | None) -> requests.Session:
    """A requests session; logged in (session cookie plus the CSRF header) when ``cred`` is given."""
    session = requests.Session()
    if cred is not None:
        r = session.post(f"{base_url}/api/v1/auth/login", json=cred, timeout=TIMEOUT_S)
        assert r.status_code == 200, r.text
        session.headers["x-csrf-token"] = r.json()["csrf"]
    return session


def _fuzz_operation(
    operation: Any, mode: GenerationMode, send: Callable[[Case], None], path_parameters: dict[str, str]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
    def run(case: Case) -> None:
        send(case)

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE, operation.label


@dataclass
class Caller:
    """Who sends an operation's examples, and the path parameters held fixed (real ids) if any."""

    name: str
    session: requests.Session
    real_ids: dict[str, str] = field(default_factory=dict)


def _no_long_poll(case: Case) -> None:
    """The print agent's poll waits up to ``wait`` seconds (20 when absent) for a job: ask it not to wait."""
    if (case.method.upper(), case.path) == POLL and isinstance(case.body, dict):
        wait = case.body.get("wait")
        if wait is None or (type(wait) in (int, float) and 0 <= wait <= 25):
            case.body["wait"] = 0


def fuzz(
    schema_doc: dict[str, Any], base_url: str, admin: dict[str, str], kiosk_token: str, real_ids: dict[str, str]
) -> Findings:
    """Send every operation's examples as each caller; collect what was wrong (runs in a worker thread).

    Generated path parameters almost never name a site, ticket or account that exists, so the admin also
    sends every operation with the test's real ids in the path: then the bodies and queries reach the
    handlers and the store instead of stopping at "not found".
    """
    schema = schemathesis.openapi.from_dict(schema_doc)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    # The admin's logout first: its own session logs in again after each logout, before logins are throttled.
    operations.sort(key=lambda op: (op.method.upper(), op.path) != LOGOUT)
    findings = Findings()
    admin_session = _session(base_url, admin)
    kiosk = _session(base_url, None)
    kiosk.headers["authorization"] = f"Bearer {kiosk_token}"
    callers = [
        Caller("anonymous", _session(base_url, None)),
        Caller("kiosk", kiosk),
        Caller("admin", admin_session),
        Caller("admin with real ids", admin_session, real_ids),
    ]
    for operation in operations:
        for caller in callers:
            own = caller.session is admin_session and (operation.method.upper(), operation.path) == LOGOUT
            holder = [_session(base_url, admin) if own else caller.session]

            def send(
                case: Case, who: str = caller.name, holder: list[requests.Session] = holder, own: bool = own
            ) -> None:
                _no_long_poll(case)
                response = case.call(base_url=base_url, session=holder[0], timeout=TIMEOUT_S)
                findings.check(case, who, response, base_url)
                if own and response.status_code == 200:
                    holder[0] = _session(base_url, admin)

            fixed = {k: v for k, v in caller.real_ids.items() if f"{{{k}}}" in operation.path}
            if caller.real_ids and not fixed:
                continue  # nothing to hold fixed: the plain admin sends the same
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(operation, mode, send, fixed)
    return findings


async def _real_ids(server: LiveServer) -> dict[str, str]:
    """Things that exist, for the path parameters: a ticket, a staff account, a device, a notice, a booking."""
    admin = await server.login("admin")
    ticket = await issue(admin, "pickup")
    await open_counter(admin, "ch-booth-1", "pickup")
    target = await server.add_staff("operator", ("city-hall",))
    device = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "fuzz"})).json()
    notice = (await admin.post("/api/v1/sites/city-hall/notices", json={"text": "お知らせ"})).json()
    booking = {"site": "city-hall", "service": "pickup", "date": "2026-11-25", "start": "10:00"}
    reservation = await admin.post(
        "/api/v1/reservations", json={**booking, "name": "フクツ タロウ", "phone": "090-1234-5678"}
    )
    assert reservation.status_code == 201, reservation.text
    return {
        "site": "city-hall",
        "counter": "ch-booth-1",
        "ticket_id": ticket["id"],
        "token": ticket["token"],
        "login": target["login"],
        "device_id": device["id"],
        "notice_id": notice["id"],
        "code": reservation.json()["code"],
    }


@pytest.mark.slow
async def test_no_request_from_the_schema_gets_a_server_error(server: LiveServer) -> None:
    anonymous = server.http()
    schema_doc = (await anonymous.get("/schema")).json()
    listed = {(m.upper(), p) for p, item in schema_doc["paths"].items() for m in item if m != "parameters"}
    admin = await server.add_staff("admin")
    kiosk_token = await server.device_token("kiosk", "city-hall")
    real_ids = await _real_ids(server)
    started = time.monotonic()
    findings = await asyncio.to_thread(fuzz, schema_doc, server.base_url, admin, kiosk_token, real_ids)
    took = time.monotonic() - started
    print(f"fuzzed {len(listed)} operations with {findings.requests} requests in {took:.1f} s")
    print("answers by caller and status:", sorted(findings.statuses.items()))
    for caller in ("anonymous", "kiosk", "admin"):
        sent = {(method, path) for who, method, path in findings.operations if who == caller}
        assert sent == listed, f"{caller} never sent {sorted(listed - sent)}"
    if findings.problems:
        pytest.fail(f"{len(findings.problems)} bad answers:\n" + "\n".join(findings.problems), pytrace=False)
    # The server is still itself afterwards.
    assert (await anonymous.get("/healthz")).status_code == 200
