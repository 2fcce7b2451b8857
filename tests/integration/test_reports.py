"""The reports over real HTTP and Redis: a day driven through the API (walk-ins, guide tickets with priority, a
reservation checked in, a transfer, a recall, a no-show, a cancellation, every outcome, tallies, an incident)
whose 日報 equals what the test did, live and after the day close, in JSON, CSV, XLSX and HTML; the monthly
report of the running month; a manager limited to Tsuyazaki sees Tsuyazaki only; bad requests are 4xx."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import LiveServer
from tests.integration.serving import MADOGUCHI, ROOT, cli_env

SITE = "city-hall"
COUNTER = "ch-booth-1"
DAILY = "/api/v1/reports/daily"


async def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def _issue(client: httpx.AsyncClient, service: str, **body: Any) -> dict[str, Any]:
    return await _ok(await client.post(f"/api/v1/sites/{SITE}/tickets", json={"service": service, **body}), 201)  # type: ignore[no-any-return]


async def _act(client: httpx.AsyncClient, ticket: dict[str, Any], action: str, **body: Any) -> None:
    await _ok(await client.post(f"/api/v1/tickets/{ticket['id']}/{action}", json=body or None))


async def _call(client: httpx.AsyncClient, ticket: dict[str, Any]) -> None:
    await _ok(await client.post(f"/api/v1/counters/{COUNTER}/call", json={"number": ticket["number"]}))


async def _serve(server: LiveServer, op: httpx.AsyncClient, ticket: dict[str, Any], outcome: str, minutes: int) -> None:
    await _call(op, ticket)
    await _act(op, ticket, "start")
    server.clock.advance(timedelta(minutes=minutes))
    await _act(op, ticket, "complete", outcome=outcome)


async def _simulated_day(server: LiveServer) -> dict[str, Any]:
    """Tuesday 2026-11-24 from 10:00 at City Hall; returns the clients and the operator's login."""
    admin = await server.login("admin")
    kiosk = await server.device("kiosk", SITE)
    guide = await server.login("guide", (SITE,))
    op_cred = await server.add_staff("operator", (SITE,))
    op = server.http()
    r = await op.post("/api/v1/auth/login", json=op_cred)
    op.headers["x-csrf-token"] = r.json()["csrf"]

    booking = {"site": SITE, "service": "pickup", "date": "2026-11-24", "start": "10:30", "name": "フクツ タロウ",
               "phone": "090-1234-5678"}  # fmt: skip
    code = (await _ok(await admin.post("/api/v1/reservations", json=booking), 201))["code"]
    w1, w2 = await _issue(kiosk, "pickup"), await _issue(kiosk, "pickup")
    w3 = await _issue(kiosk, "e-cert")
    g1 = await _issue(guide, "pickup", priority=True)
    g2 = await _issue(guide, "application")
    r1 = await _ok(await kiosk.post(f"/api/v1/sites/{SITE}/checkins", json={"code": code}), 201)
    w4, w5 = await _issue(kiosk, "pickup"), await _issue(kiosk, "pickup")

    await _ok(await op.post(f"/api/v1/counters/{COUNTER}/open", json={"services": ["pickup", "e-cert", "application"]}))
    server.clock.advance(timedelta(minutes=5))
    await _serve(server, op, r1, "completed", 10)  # wait 5, service 10
    await _serve(server, op, g1, "missing_documents", 5)  # wait 15
    await _call(op, w1)  # wait 20
    await _act(op, w1, "recall")
    await _act(op, w1, "start")
    server.clock.advance(timedelta(minutes=5))
    await _act(op, w1, "complete", outcome="referred_to_city")
    await _call(op, w2)  # wait 25
    await _act(op, w2, "no-show")
    await _call(op, w3)  # wait 25 (a second call after the transfer does not count)
    await _act(op, w3, "start")
    await _act(op, w3, "transfer", service="application")
    await _serve(server, op, w3, "guidance_only", 5)
    await _serve(server, op, g2, "other", 5)  # wait 30
    await _act(guide, w4, "cancel")

    for kind, topic in (("phone", "reservation"), ("phone", "reservation"), ("guide", "hours-place")):
        await _ok(await guide.post(f"/api/v1/sites/{SITE}/tallies", json={"kind": kind, "topic": topic}))
    incident = {"site": SITE, "category": "equipment", "title": "発券機の紙詰まり", "description": "約5分発券できなかった。",
                "occurred_at": "2026-11-24T10:20:00+09:00", "actions": "用紙を交換した。", "follow_up": ""}  # fmt: skip
    await _ok(await guide.post("/api/v1/incidents", json=incident), 201)
    return {"admin": admin, "operator": op_cred["login"], "waiting": w5}


def _check_totals(report: dict[str, Any], *, unserved: int, open_: int) -> None:
    t = report["totals"]
    assert (t["issued"], t["served"], t["no_show"], t["cancelled"], t["unserved"], t["open"]) == (
        8, 5, 1, 1, unserved, open_)  # fmt: skip
    assert t["outcomes"] == {"completed": 1, "missing_documents": 1, "referred_to_city": 1, "guidance_only": 1,
                             "other": 1}  # fmt: skip
    assert (t["priority"], t["recalls"], t["transferred"]) == (1, 1, 1)
    assert t["wait_max_min"] == pytest.approx(30, abs=0.2) and t["wait_avg_min"] == pytest.approx(20, abs=0.2)
    assert t["service_max_min"] == pytest.approx(10, abs=0.2) and t["service_avg_min"] == pytest.approx(6, abs=0.2)
    rows = {r["service"]: r for r in report["by_service"]}
    assert (rows["pickup"]["issued"], rows["pickup"]["served"], rows["pickup"]["no_show"]) == (6, 3, 1)
    assert (rows["application"]["issued"], rows["application"]["served"], rows["application"]["transferred_in"]) == (
        2,
        2,
        1,
    )
    assert (rows["e-cert"]["issued"], rows["e-cert"]["transferred_out"]) == (0, 1)
    assert report["by_channel"] == {"walk_in": 5, "guide": 2, "reservation": 1}
    assert report["reservations"]["booked"] == 1 and report["reservations"]["checked_in"] == 1
    assert report["phone_inquiries"]["total"] == 2 and report["phone_inquiries"]["by_topic"]["reservation"] == 2
    assert report["guide_tallies"]["total"] == 1
    assert [(i["category"], i["title"]) for i in report["incidents"]] == [("equipment", "発券機の紙詰まり")]
    assert sum(h["issued"] for h in report["by_hour"]) == 8
    assert [(c["counter"], c["served"]) for c in report["by_counter"]] == [(COUNTER, 5)]


async def test_a_day_driven_through_the_api_is_reported_as_it_happened(server: LiveServer) -> None:
    day = await _simulated_day(server)
    admin = day["admin"]
    live = await _ok(await admin.get(DAILY, params={"site": SITE, "date": "2026-11-24"}))
    assert live["title"] == "令和8年11月24日 日報" and live["site"] == SITE and live["from"] == "2026-11-24"
    _check_totals(live, unserved=0, open_=1)
    [op] = live["by_operator"]
    assert op["login"] == day["operator"] and op["name"] == f"operator {day['operator']}" and op["served"] == 5

    await _ok(await admin.post(f"/api/v1/sites/{SITE}/day-close"))
    closed = await _ok(await admin.get(DAILY, params={"site": SITE, "date": "2026-11-24"}))
    _check_totals(closed, unserved=1, open_=0)
    t = closed["totals"]
    assert t["served"] + t["no_show"] + t["cancelled"] + t["unserved"] == t["issued"]

    r = await admin.get(DAILY, params={"site": SITE, "date": "2026-11-24", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "令和8年11月24日 日報"
    header = rows.index(["【業務別】"]) + 1
    total = next(row for row in rows[header:] if row[0] == "合計")
    assert dict(zip(rows[header], total, strict=False))["発券数"] == "8"
    assert dict(zip(rows[header], total, strict=False))["未対応"] == "1"

    r = await admin.get(DAILY, params={"site": SITE, "date": "2026-11-24", "format": "xlsx"})
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="report-daily-city-hall-2026-11-24.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content))["業務別"]
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert values["合計"][1] == 8 and values["カード交付"][1] == 6 and sheet.freeze_panes == "A2"

    r = await admin.get(DAILY, params={"site": SITE, "date": "2026-11-24", "format": "html"})
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>令和8年11月24日 日報</h1>" in r.text and "福津市役所" in r.text and "責任者" in r.text
    assert "style-src 'sha256-" in r.headers["content-security-policy"]

    month = await _ok(await admin.get("/api/v1/reports/monthly", params={"site": SITE, "month": "2026-11"}))
    assert (
        month["title"] == "令和8年11月分 月報" and month["data_until"] == "2026-11-24" and month["to"] == "2026-11-30"
    )
    assert month["totals"]["issued"] == 8 and month["days"][-1]["date"] == "2026-11-24"
    year = await _ok(await admin.get("/api/v1/reports/annual", params={"site": "all", "fiscal_year": "2026"}))
    assert year["title"] == "令和8年度 年報" and year["months"][0]["month"] == "2026-04"
    assert year["totals"]["issued"] == 8 and {s["site"] for s in year["by_site"]} >= {"city-hall", "tsuyazaki"}


async def test_a_manager_limited_to_tsuyazaki_reports_on_tsuyazaki_only(server: LiveServer) -> None:
    admin = await server.login("admin")
    await _issue(admin, "pickup")
    manager = await server.login("manager", ("tsuyazaki",))
    mine = await _ok(await manager.get(DAILY, params={"site": "all", "date": "2026-11-24"}))
    assert mine["sites"] == ["tsuyazaki"] and mine["site"] == "tsuyazaki" and mine["totals"]["issued"] == 0
    everything = await _ok(await admin.get(DAILY, params={"site": "all", "date": "2026-11-24"}))
    assert everything["totals"]["issued"] == 1 and "city-hall" in everything["sites"]
    refused = await manager.get(DAILY, params={"site": SITE, "date": "2026-11-24"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    due = await _ok(await manager.get("/api/v1/reports/due"))
    assert due["today"] == "2026-11-24" and due["reports"]
    assert {r["site"] for r in due["reports"]} == {"tsuyazaki"}
    assert ("daily", "2026-11-20", "2026-11-24", "due_today") in [
        (r["kind"], r["period"], r["due"], r["state"]) for r in due["reports"]]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        (DAILY, {"site": SITE, "date": "2026-11-25"}, 400, "validation_error"),  # not begun
        (DAILY, {"site": SITE, "date": "24.11.2026"}, 400, "validation_error"),
        (DAILY, {"site": SITE}, 400, "validation_error"),
        (DAILY, {"site": "nowhere", "date": "2026-11-24"}, 404, "unknown_site"),
        (DAILY, {"site": SITE, "date": "1900-01-01"}, 400, "validation_error"),
        (DAILY, {"site": SITE, "date": "2026-11-24", "format": "pdf"}, 400, "validation_error"),
        ("/api/v1/reports/monthly", {"site": SITE, "month": "2026-13"}, 400, "validation_error"),
        ("/api/v1/reports/monthly", {"site": SITE, "month": "0000-01"}, 400, "validation_error"),
        ("/api/v1/reports/monthly", {"site": "0", "month": "0000-01"}, 404, "unknown_site"),
        ("/api/v1/reports/monthly", {"site": SITE, "month": "２０２６-11"}, 400, "validation_error"),
        ("/api/v1/reports/annual", {"site": SITE, "fiscal_year": "26"}, 400, "validation_error"),
        ("/api/v1/reports/annual", {"site": SITE, "fiscal_year": "2027"}, 400, "validation_error"),
    ],
)
async def test_bad_report_requests_are_4xx_with_a_code(
    server: LiveServer, path: str, params: dict[str, str], status: int, code: str
) -> None:
    manager = await server.login("manager")
    r = await manager.get(path, params=params)
    assert r.status_code == status and r.json()["code"] == code, r.text


async def test_counter_staff_get_no_reports(server: LiveServer) -> None:
    operator = await server.login("operator", (SITE,))
    r = await operator.get(DAILY, params={"site": SITE, "date": "2026-11-24"})
    assert r.status_code == 403
    assert (await operator.get("/api/v1/reports/due")).status_code == 403


async def test_the_cli_writes_the_same_report(server: LiveServer, redis_url: str, tmp_path: Path) -> None:
    await _simulated_day(server)
    env = {**cli_env(), "MADOGUCHI_REDIS_URL": redis_url}

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*MADOGUCHI, "report", *args], cwd=ROOT, env=env, capture_output=True, timeout=60)

    done = cli("daily", "--site", SITE, "--date", "2026-11-24")
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout)
    assert report["title"] == "令和8年11月24日 日報" and report["totals"]["issued"] == 8
    assert report["totals"]["served"] == 5 and report["phone_inquiries"]["total"] == 2

    as_csv = cli("monthly", "--site", "all", "--month", "2026-11", "--format", "csv")
    assert as_csv.returncode == 0 and as_csv.stdout.startswith(b"\xef\xbb\xbf")
    assert as_csv.stdout.decode("utf-8-sig").startswith("令和8年11月分 月報,全拠点")

    assert cli("annual", "--site", SITE, "--fiscal-year", "2026", "--format", "xlsx").returncode == 2
    out = tmp_path / "annual.xlsx"
    written = cli("annual", "--site", SITE, "--fiscal-year", "2026", "--format", "xlsx", "--output", str(out))
    assert written.returncode == 0, written.stderr.decode()
    months = list(load_workbook(out)["月別"].iter_rows(min_row=2, values_only=True))
    assert [m[0] for m in months][:1] == ["令和8年4月"] and sum(m[2] for m in months) == 8

    unknown = cli("daily", "--site", "nowhere", "--date", "2026-11-24")
    assert unknown.returncode == 1 and b"unknown_site" in unknown.stderr


# ---- the reports page (/reports) ---------------------------------------------------------------------


def _figure(page: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}"><dt>[^<]*</dt><dd><span class="r-value">([^<]*)</span>', page)
    assert found, f"no figure {key} on the page"
    return found.group(1)


def _site_options(page: str) -> list[str]:
    select = page[page.index('<select class="r-input" id="site"') :]
    return re.findall(r'<option value="([^"]+)"', select[: select.index("</select>")])


async def test_the_reports_page_shows_the_report_with_its_charts_and_downloads(server: LiveServer) -> None:
    await _simulated_day(server)
    manager = await server.login("manager")
    r = await manager.get("/reports", params={"kind": "daily", "site": SITE, "date": "2026-11-24"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    page = r.text
    assert '<h2 id="report-title">令和8年11月24日 日報</h2>' in page
    assert (_figure(page, "issued"), _figure(page, "served"), _figure(page, "no_show")) == ("8", "5", "1")
    assert page.count("<svg") == 2 and "時間帯別の発券数" in page  # the printed report's charts, drawn here
    assert 'value="2026-11-24"' in page and "令和8年11月24日" in page
    assert "script-src 'self'" in r.headers["content-security-policy"], "the app's policy: no inline script"
    assert "<script>" not in page and " style=" not in page
    links = dict(re.findall(r'id="download-(csv|xlsx|html)" href="([^"]+)"', page))
    assert set(links) == {"csv", "xlsx", "html"}
    csv_file = await manager.get(html.unescape(links["csv"]))
    assert csv_file.status_code == 200 and csv_file.content.startswith(b"\xef\xbb\xbf")
    assert csv_file.content.decode("utf-8-sig").startswith("令和8年11月24日 日報,福津市役所")
    printed = await manager.get(html.unescape(links["html"]))
    assert "<h1>令和8年11月24日 日報</h1>" in printed.text

    month = await manager.get("/reports", params={"kind": "monthly", "month": "2026-11"})
    assert month.status_code == 200 and '<h2 id="report-title">令和8年11月分 月報</h2>' in month.text
    assert _figure(month.text, "issued") == "8" and "2026-11-24 まで集計" in month.text
    assert month.text.count("<svg") == 4  # per hour and per day
    year = await manager.get("/reports", params={"kind": "annual", "fiscal_year": "2026", "site": "all"})
    assert '<h2 id="report-title">令和8年度 年報</h2>' in year.text and _figure(year.text, "issued") == "8"
    assert "2026年度（令和8年度）" in year.text


async def test_the_reports_page_of_a_manager_limited_to_tsuyazaki(server: LiveServer) -> None:
    admin = await server.login("admin")
    await _issue(admin, "pickup")
    manager = await server.login("manager", ("tsuyazaki",))
    r = await manager.get("/reports")
    assert r.status_code == 200, r.text
    assert _site_options(r.text) == ["all", "tsuyazaki"]
    assert '<span class="r-site-name">津屋崎行政センター</span>' in r.text and _figure(r.text, "issued") == "0"
    refused = await manager.get("/reports", params={"site": SITE})
    assert refused.status_code == 403 and 'id="problem"' in refused.text and 'id="report"' not in refused.text
    assert _site_options(refused.text) == ["all", "tsuyazaki"]
    assert _site_options((await admin.get("/reports")).text)[:3] == ["all", SITE, "tsuyazaki"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"kind": "weekly"}, 400),
        ({"date": "2026-11-25"}, 400),  # not begun
        ({"date": "24.11.2026"}, 400),
        ({"date": "2026-02-30"}, 400),
        ({"date": "1999-12-31"}, 400),
        ({"kind": "monthly", "month": "2026-13"}, 400),
        ({"kind": "monthly", "month": "0000-01"}, 400),
        ({"kind": "annual", "fiscal_year": "26"}, 400),
        ({"kind": "annual", "fiscal_year": "2027"}, 400),
        ({"site": "nowhere"}, 404),
        ({"site": "x" * 5000}, 404),
    ],
)
async def test_a_bad_choice_on_the_reports_page_is_a_4xx_page_saying_why(
    server: LiveServer, params: dict[str, str], status: int
) -> None:
    manager = await server.login("manager")
    r = await manager.get("/reports", params=params)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html"), r.text
    assert 'id="problem"' in r.text and 'id="report"' not in r.text
    assert 'id="choose"' in r.text, "the form is there to choose again"
    assert "<b>" not in r.text


async def test_the_reports_page_escapes_what_it_echoes(server: LiveServer) -> None:
    manager = await server.login("manager")
    r = await manager.get("/reports", params={"site": "<b>x</b>", "date": "<i>"})
    assert r.status_code == 400 and "&lt;i&gt;" in r.text and "<i>" not in r.text, r.text
    r = await manager.get("/reports", params={"site": "<b>x</b>"})
    assert r.status_code == 404 and "&lt;b&gt;x&lt;/b&gt;" in r.text and "<b>x" not in r.text


async def test_the_reports_page_is_for_managers_and_admins(server: LiveServer) -> None:
    anonymous = await server.http().get("/reports")
    assert anonymous.status_code == 401 and 'id="login-form"' in anonymous.text
    operator = await server.login("operator", (SITE,))
    refused = await operator.get("/reports")
    assert refused.status_code == 403 and "責任者・管理者" in refused.text
    manager = await server.login("manager", (SITE,))
    incidents = await manager.get("/incidents")
    assert 'id="reports-link" href="/reports"' in incidents.text
    guide = await server.login("guide", (SITE,))
    assert 'href="/reports"' not in (await guide.get("/incidents")).text
