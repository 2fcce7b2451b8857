"""Every route the app registers × every kind of caller, checked against the access table below.

The test enumerates the app's routes: a new route that is not in ``ROUTES`` fails it, so nothing can be
added without saying who may reach it. "ok" means the guard let the request through (the route may still
answer 404 or 409 for its own reasons); 401 means no or invalid credentials; 403 wrong role, wrong
device kind or another site's device or staff.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from litestar.routes import HTTPRoute, WebSocketRoute
from websockets.exceptions import ConnectionClosed

from server.auth.client import parse_networks
from server.handover.exporter import Exporter, ExportRequest
from server.settings import Settings
from tests.conftest import issue

OK, U, F = "ok", 401, 403

# Every role once with all sites (or City Hall) and once limited to Tsuyazaki: a principal limited to a site
# reaches nothing of City Hall, whatever its role.
PRINCIPALS = [
    "anonymous", "kiosk", "kiosk-tsuyazaki", "board", "board-tsuyazaki", "admin", "admin-tsuyazaki", "manager",
    "manager-tsuyazaki", "operator", "operator-tsuyazaki", "guide", "guide-tsuyazaki", "phone", "phone-tsuyazaki",
]  # fmt: skip

# Who gets through each policy, in PRINCIPALS order, for a resource of City Hall.
POLICIES: dict[str, list[Any]] = {
    #                anon kiosk k-tz board b-tz admin a-tz mgr  m-tz op   op-tz guide g-tz phone p-tz
    "public":       [OK,  OK,   OK,  OK,   OK,  OK,   OK,  OK,  OK,  OK,  OK,   OK,   OK,  OK,   OK],
    # reached by everyone, but the answer depends on who asks (/login sends a signed-in staff member on to /)
    "anyone":       [OK,  OK,   OK,  OK,   OK,  OK,   OK,  OK,  OK,  OK,  OK,   OK,   OK,  OK,   OK],
    "site_read":    [U,   OK,   F,   OK,   F,   OK,   F,   OK,  F,   OK,  F,    OK,   F,   OK,   F],
    "issue":        [U,   OK,   F,   F,    F,   OK,   F,   OK,  F,   F,   F,    OK,   F,   F,    F],
    "counter":      [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   OK,  F,    F,    F,   F,    F],
    "desk":         [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   OK,  F,    OK,   F,   F,    F],
    "site_staff":   [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   OK,  F,    OK,   F,   OK,   F],
    "site_manager": [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    F,    F,   F,    F],
    # lists of no one site: a person limited to a site gets that site's part (tests/integration/test_security.py)
    "managers":     [U,   F,    F,   F,    F,   OK,   OK,  OK,  OK,  F,   F,    F,    F,   F,    F],
    # creating an account of every site, changing one of City Hall: only who has City Hall (or every site)
    "staff_change": [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    F,    F,   F,    F],
    "admins":       [U,   F,    F,   F,    F,   OK,   OK,  F,   F,   F,   F,    F,    F,   F,    F],
    # a device of City Hall (adding, pairing, revoking): an admin who has City Hall
    "device_admin": [U,   F,    F,   F,    F,   OK,   F,   F,   F,   F,   F,    F,    F,   F,    F],
    # a calendar override of City Hall (adding, changing, removing): an admin who has City Hall
    "calendar_admin": [U, F,    F,   F,    F,   OK,   F,   F,   F,   F,   F,    F,    F,   F,    F],
    # a handover archive of City Hall sent over HTTP (madoguchi sync): an admin who has City Hall
    "import_admin": [U,   F,    F,   F,    F,   OK,   F,   F,   F,   F,   F,    F,    F,   F,    F],
    "any_staff":    [U,   F,    F,   F,    F,   OK,   OK,  OK,  OK,  OK,  OK,   OK,   OK,  OK,   OK],
    "agent":        [U,   OK,   OK,  F,    F,   F,    F,   F,   F,   F,   F,    F,    F,   F,    F],
    # pages answer HTML: the kiosk page a paired kiosk of the site; the guide console issuing staff of the site
    "kiosk_page":   [U,   OK,   F,   F,    F,   F,    F,   F,   F,   F,   F,    F,    F,   F,    F],
    "guide_page":   [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    OK,   F,   F,    F],
    # the counter console: counter staff; /console itself is of no one site, /console/{counter} of its site
    "console_setup": [U,  F,    F,   F,    F,   OK,   OK,  OK,  OK,  OK,  OK,   F,    F,   F,    F],
    "console_page": [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   OK,  F,    F,    F,   F,    F],
    # the display board a paired board of the site or staff of the site
    "board_page":   [U,   F,    F,   OK,   F,   OK,   F,   OK,  F,   OK,  F,    OK,   F,   OK,   F],
    # the phone reservation console (of no one site): phone operators, the guide, managers and admins
    "phone_page":   [U,   F,    F,   F,    F,   OK,   OK,  OK,  OK,  F,   F,    OK,   OK,  OK,   OK],
    # changing reservations (and their CSV and slips): phone, guide, managers and admins of the site
    "reservations": [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    OK,   F,   OK,   F],
    # counting phone inquiries and directed visitors: the guide, phone operators, managers and admins of the site
    "tally":        [U,   F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    OK,   F,   OK,   F],
    # pausing a service of the site (an outage) and the guide's answers for its waiting tickets: the guide, managers
    # and admins of the site
    "service_pause": [U,  F,    F,   F,    F,   OK,   F,   OK,  F,   F,   F,    OK,   F,   F,    F],
}  # fmt: skip

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/metrics"): "public",
    ("GET", "/pair/{code:str}"): "public",
    ("GET", "/api/v1/sites"): "public",
    ("GET", "/api/v1/calendar"): "public",
    # calendar overrides: admins (the list: each of their own sites); a City Hall override an admin who has City Hall
    ("GET", "/api/v1/calendar/overrides"): "admins",
    ("POST", "/api/v1/calendar/overrides"): "calendar_admin",
    ("PATCH", "/api/v1/calendar/overrides/{override_id:str}"): "calendar_admin",
    ("DELETE", "/api/v1/calendar/overrides/{override_id:str}"): "calendar_admin",
    # the admin calendar page: admins (each sees and changes the calendar of their own sites)
    ("GET", "/admin/calendar"): "admins",
    ("GET", "/api/v1/tickets/by-token/{token:str}"): "public",
    ("POST", "/api/v1/auth/login"): "public",
    ("POST", "/api/v1/setup"): "public",
    ("GET", "/api/v1/sites/{site:str}/state"): "site_read",
    ("WS", "/ws/v1/sites/{site:str}"): "site_read",
    ("WS", "/ws/v1/tickets/{token:str}"): "public",
    ("POST", "/api/v1/sites/{site:str}/tickets"): "issue",
    ("POST", "/api/v1/sites/{site:str}/checkins"): "issue",
    ("POST", "/api/v1/counters/{counter:str}/open"): "counter",
    ("POST", "/api/v1/counters/{counter:str}/pause"): "counter",
    ("POST", "/api/v1/counters/{counter:str}/close"): "counter",
    ("POST", "/api/v1/counters/{counter:str}/call-next"): "counter",
    ("POST", "/api/v1/counters/{counter:str}/call"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/recall"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/start"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/return"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/no-show"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/complete"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/transfer"): "counter",
    ("POST", "/api/v1/tickets/{ticket_id:str}/reinstate"): "desk",
    ("POST", "/api/v1/tickets/{ticket_id:str}/cancel"): "desk",
    ("POST", "/api/v1/tickets/{ticket_id:str}/reprint"): "desk",
    ("POST", "/api/v1/sites/{site:str}/services/{service:str}/pause"): "service_pause",
    ("POST", "/api/v1/sites/{site:str}/services/{service:str}/resume"): "service_pause",
    ("POST", "/api/v1/tickets/{ticket_id:str}/move"): "service_pause",
    ("POST", "/api/v1/tickets/{ticket_id:str}/cancel-with-slip"): "service_pause",
    ("GET", "/api/v1/printers"): "site_staff",
    ("POST", "/api/v1/agent/poll"): "agent",
    ("POST", "/api/v1/agent/status"): "agent",
    ("POST", "/api/v1/agent/jobs/{job_id:str}"): "agent",
    ("GET", "/api/v1/sites/{site:str}/tickets"): "site_staff",
    # an earlier date's tickets, from the day archive: managers and admins of the site (a row of its own per query)
    ("GET", "/api/v1/sites/{site:str}/tickets?date=2026-11-20"): "site_manager",
    ("POST", "/api/v1/sites/{site:str}/day-close"): "site_manager",
    ("GET", "/api/v1/staff"): "managers",
    ("POST", "/api/v1/staff"): "staff_change",
    ("POST", "/api/v1/staff/{login:str}/password"): "staff_change",
    ("POST", "/api/v1/staff/{login:str}/{change:str}"): "staff_change",
    ("GET", "/api/v1/audit"): "managers",
    ("GET", "/api/v1/sites/{site:str}/notices"): "site_read",
    ("POST", "/api/v1/sites/{site:str}/notices"): "site_manager",
    ("DELETE", "/api/v1/sites/{site:str}/notices/{notice_id:str}"): "site_manager",
    ("GET", "/api/v1/sites/{site:str}/availability"): "site_staff",
    ("POST", "/api/v1/reservations"): "reservations",
    ("GET", "/api/v1/reservations"): "site_staff",
    ("GET", "/api/v1/reservations/export"): "reservations",
    ("POST", "/api/v1/reservations/import"): "reservations",
    ("GET", "/api/v1/reservations/{code:str}"): "site_staff",
    ("PATCH", "/api/v1/reservations/{code:str}"): "reservations",
    ("DELETE", "/api/v1/reservations/{code:str}"): "reservations",
    ("GET", "/api/v1/reservations/{code:str}/slip"): "reservations",
    ("POST", "/api/v1/reservations/{code:str}/slip"): "reservations",
    ("GET", "/api/v1/devices"): "admins",
    ("POST", "/api/v1/devices"): "device_admin",
    ("POST", "/api/v1/devices/{device_id:str}/pairing"): "device_admin",
    ("POST", "/api/v1/devices/{device_id:str}/revoke"): "device_admin",
    ("GET", "/api/v1/auth/me"): "any_staff",
    ("POST", "/api/v1/auth/logout"): "any_staff",
    ("GET", "/kiosk/{site:str}"): "kiosk_page",
    ("GET", "/guide/{site:str}"): "guide_page",
    ("GET", "/console"): "console_setup",
    ("GET", "/console/{counter:str}"): "console_page",
    ("GET", "/static/console/{file_path:path}"): "public",
    ("GET", "/api/v1/tickets/by-token/{token:str}/qr.svg"): "public",
    ("GET", "/static/web/{file_path:path}"): "public",
    ("GET", "/static/i18n/{file_path:path}"): "public",
    ("GET", "/static/kiosk/{file_path:path}"): "public",
    ("GET", "/board/{site:str}"): "board_page",
    ("GET", "/t/{token:str}"): "public",
    ("GET", "/static/board/{file_path:path}"): "public",
    ("GET", "/phone"): "phone_page",
    ("GET", "/static/phone/{file_path:path}"): "public",
    ("GET", "/api/v1/sites/{site:str}/tallies"): "site_staff",
    ("POST", "/api/v1/sites/{site:str}/tallies"): "tally",
    # every staff of a site records an incident report there; managers and admins of the site read and move them
    ("POST", "/api/v1/incidents"): "site_staff",
    ("GET", "/api/v1/incidents"): "site_manager",
    ("GET", "/api/v1/incidents/{incident_id:str}"): "site_manager",
    ("PATCH", "/api/v1/incidents/{incident_id:str}"): "site_manager",
    ("GET", "/incidents"): "any_staff",
    ("GET", "/incidents/{incident_id:str}/print"): "site_manager",
    ("GET", "/static/office/{file_path:path}"): "public",
    # reports: managers and admins of the site (site=all: the caller's own sites, tests/integration/test_reports.py)
    ("GET", "/api/v1/reports/daily"): "site_manager",
    ("GET", "/api/v1/reports/monthly"): "site_manager",
    ("GET", "/api/v1/reports/annual"): "site_manager",
    ("GET", "/api/v1/reports/due"): "managers",
    # administration: the admin page (its sections follow the same rules) and changing accounts, passwords, printers
    ("GET", "/login"): "anyone",
    ("GET", "/admin"): "managers",
    ("GET", "/admin/{section:str}"): "managers",
    # a section with a site chosen (the floor overview: /admin/floor?site=city-hall): only who has that site
    ("GET", "/admin/{section:str}?site=city-hall"): "site_manager",
    ("GET", "/password"): "any_staff",
    ("GET", "/static/admin/{file_path:path}"): "public",
    ("PATCH", "/api/v1/staff/{login:str}"): "staff_change",
    ("POST", "/api/v1/auth/password"): "any_staff",
    ("POST", "/api/v1/printers/{printer:str}/test"): "site_manager",
    # the reports page: managers and admins (of no one site: "all" is the caller's own sites); a site by name only
    # for who has it (the page answers 403 with the reason)
    ("GET", "/reports"): "managers",
    ("GET", "/reports?site=city-hall"): "site_manager",
    ("GET", "/static/reports/{file_path:path}"): "public",
    ("POST", "/api/v1/imports"): "import_admin",
}
SCHEMA_PREFIX = "/schema"  # the OpenAPI document: public


def app_routes(app: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(SCHEMA_PREFIX):
            continue
        if isinstance(route, WebSocketRoute):
            found.add(("WS", route.path))
        elif isinstance(route, HTTPRoute):
            found |= {(m, route.path) for m in route.methods if m not in ("HEAD", "OPTIONS")}
    return found


async def test_every_route_is_in_the_table(server: Any) -> None:
    app = server._server.config.app
    missing = app_routes(app) - set(ROUTES)
    assert not missing, f"routes without an access rule in the table: {sorted(missing)}"
    stale = {(method, path.partition("?")[0]) for method, path in ROUTES} - app_routes(app)
    assert not stale, f"table rows for routes that no longer exist: {sorted(stale)}"


async def test_route_by_principal_table(create_server: Any, open_ws: Any, tmp_path: Path) -> None:
    # Each principal calls from an address of its own (through a trusted proxy), so the per-address rate limits
    # of public routes do not depend on how many principals the table has.
    server = create_server(settings=Settings(trusted_proxies=parse_networks("127.0.0.1")))
    admin = await server.login("admin")
    ticket = await issue(admin, "pickup")
    target = await server.add_staff("operator", ("city-hall",), login="target-op")
    device = await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "target"})
    device_id = device.json()["id"]
    booking = {"site": "city-hall", "service": "pickup", "date": "2026-11-25", "start": "11:00", "name": "テスト",
               "phone": "090-0000-0001"}  # fmt: skip
    booked = await admin.post("/api/v1/reservations", json=booking)
    assert booked.status_code == 201, booked.text
    incident = {"site": "city-hall", "category": "trouble", "title": "紙詰まり", "occurred_at": "2026-11-24T09:00:00",
                "description": "発券機の紙詰まり"}  # fmt: skip
    recorded = await admin.post("/api/v1/incidents", json=incident)
    assert recorded.status_code == 201, recorded.text
    closure = {"kind": "closure", "site": "city-hall", "date": "2026-12-02"}
    override = await admin.post("/api/v1/calendar/overrides", json=closure)
    assert override.status_code == 201, override.text

    clients: dict[str, Any] = {"anonymous": server.http()}
    clients["kiosk"] = await server.device("kiosk", "city-hall")
    clients["kiosk-tsuyazaki"] = await server.device("kiosk", "tsuyazaki")
    clients["board"] = await server.device("board", "city-hall")
    clients["board-tsuyazaki"] = await server.device("board", "tsuyazaki")
    clients["admin"] = admin
    clients["manager"] = await server.login("manager")
    clients["operator"] = await server.login("operator", ("city-hall",))
    clients["guide"] = await server.login("guide", ("city-hall",))
    clients["phone"] = await server.login("phone", ("city-hall",))
    for role in ("admin", "manager", "operator", "guide", "phone"):
        clients[f"{role}-tsuyazaki"] = await server.login(role, ("tsuyazaki",))
    for n, who in enumerate(PRINCIPALS):
        clients[who].headers["x-forwarded-for"] = f"10.1.0.{n + 1}"

    params = {
        "site": "city-hall", "counter": "ch-booth-1", "ticket_id": ticket["id"], "token": ticket["token"],
        "login": target["login"], "change": "enable", "device_id": device_id, "code": booked.json()["code"],
        "job_id": "pj-none", "notice_id": "no-such-notice", "incident_id": recorded.json()["id"],
        "section": "staff", "printer": "preview",
    }  # fmt: skip
    params["override_id"] = override.json()["id"]
    day = date(2026, 11, 20)
    archive = ExportRequest(sites=["city-hall"], first=day, last=day, output=tmp_path / "city-hall.zip",
                            personal_data=False, by="cli:test")  # fmt: skip
    await server.call(Exporter(server.runtime.store, server.runtime.accounts).export(archive))
    bodies: dict[str, Any] = {
        "/api/v1/calendar/overrides": {**closure, "date": "2026-12-03"},
        "/api/v1/calendar/overrides/{override_id:str}": {"note": "点検のため"},
        "/api/v1/auth/login": target,
        "/api/v1/setup": {"token": "wrong", "login": "someone", "name": "x", "password": "long-enough-pass"},
        "/api/v1/sites/{site:str}/tickets": {"service": "pickup"},
        "/api/v1/sites/{site:str}/checkins": {"code": "ABCD2345"},
        "/api/v1/counters/{counter:str}/open": {"services": ["pickup"]},
        "/api/v1/counters/{counter:str}/call": {"number": "P999"},
        "/api/v1/tickets/{ticket_id:str}/complete": {"outcome": "completed"},
        "/api/v1/tickets/{ticket_id:str}/transfer": {"service": "e-cert"},
        "/api/v1/staff": {"login": "new-one", "name": "new", "role": "guide", "password": "long-enough-pass"},
        "/api/v1/staff/{login:str}/password": {"password": "another-long-pass"},
        "/api/v1/staff/{login:str}": {"name": "renamed"},
        "/api/v1/auth/password": {"old": "not-the-password", "new": "another-long-pass"},
        "/api/v1/reservations/{code:str}": {"start": "11:30"},
        "/api/v1/devices": {"site": "city-hall", "kind": "kiosk", "name": "spare"},
        "/api/v1/agent/poll": {"wait": 0},
        "/api/v1/agent/status": {"online": True, "paper_out": False},
        "/api/v1/agent/jobs/{job_id:str}": {"state": "printed"},
        "/api/v1/sites/{site:str}/notices": {"text": "本日は混み合っています"},
        "/api/v1/sites/{site:str}/tallies": {"kind": "guide", "topic": "other"},
        "/api/v1/incidents": incident,
        "/api/v1/incidents/{incident_id:str}": {"status": "reported"},
        "/api/v1/sites/{site:str}/services/{service:str}/pause": {"reason_ja": "システム障害のため"},
        "/api/v1/tickets/{ticket_id:str}/move": {"service": "e-cert"},
        "/api/v1/imports": archive.output.read_bytes(),
        "/api/v1/reservations": {
            "site": "city-hall",
            "service": "pickup",
            "date": "2026-11-25",
            "start": "10:00",
            "name": "テスト",
            "phone": "090-0000-0000",
        },
    }
    params["service"] = "pickup"  # paused, then resumed (the table runs the routes in path order)
    queries = {
        "/api/v1/printers": "?site=city-hall",
        "/api/v1/sites/{site:str}/availability": "?service=pickup",
        "/api/v1/reservations": "?site=city-hall",
        "/api/v1/reservations/export": "?site=city-hall",
        "/api/v1/reservations/import": "?site=city-hall",
        "/api/v1/incidents": "?site=city-hall",
        "/api/v1/reports/daily": "?site=city-hall&date=2026-11-24",
        "/api/v1/reports/monthly": "?site=city-hall&month=2026-11",
        "/api/v1/reports/annual": "?site=city-hall&fiscal_year=2026",
        "/api/v1/printers/{printer:str}/test": "?site=city-hall",
    }

    failures = []
    # logout last: it ends the session the other rows use
    for (method, path), policy in sorted(ROUTES.items(), key=lambda kv: kv[0][1].endswith("/logout")):
        url = path
        for name, value in params.items():
            url = url.replace(f"{{{name}:str}}", value)
        url += queries.get(path, "")
        statuses = []
        for who in PRINCIPALS:
            statuses.append(await _attempt(server, clients[who], method, url, bodies.get(path), open_ws))
        expected = POLICIES[policy]
        if policy == "public":
            # the answer of a public route never depends on who asks
            if len({s for s in statuses}) != 1 or (statuses[0] in (401, 403) and path != "/api/v1/setup"):
                failures.append(f"{method} {path}: public but answered {dict(zip(PRINCIPALS, statuses, strict=True))}")
            continue
        got = [OK if s not in (401, 403) else s for s in statuses]
        if got != expected:
            diff = {p: (g, e) for p, g, e in zip(PRINCIPALS, got, expected, strict=True) if g != e}
            failures.append(f"{method} {path} ({policy}): got/expected {diff}")
    assert not failures, "\n".join(failures)


async def _attempt(server: Any, client: Any, method: str, url: str, body: Any, open_ws: Any) -> int:
    if method == "WS":
        headers = {}
        if "authorization" in client.headers:
            headers["Authorization"] = client.headers["authorization"]
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        if cookie:
            headers["Cookie"] = cookie
        ws = await open_ws(server.ws_url + url, additional_headers=headers)
        try:
            msg = await ws.recv()
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 0
            return {4401: 401, 4403: 403}.get(code, code)
        assert msg["type"] == "snapshot"
        return 200
    if url == "/api/v1/auth/login":
        # logging in replaces (and ends) the session a client has: log in beside it, not on it
        copy = server.http()
        copy.headers.update(client.headers)
        client = copy
    if body is None:
        r = await client.request(method, url)
    elif isinstance(body, bytes):
        r = await client.request(method, url, content=body)
    else:
        r = await client.request(method, url, json=body)
    return int(r.status_code)
