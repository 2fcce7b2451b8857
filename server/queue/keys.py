"""Every Redis key name, built in one place.

All keys of one site carry the hash tag ``{site}`` so each Lua script touches a single cluster slot (every script
call is checked: ``server.storeclient.check_one_slot``). Keys outside a site (the visitor-token index and reservation
codes, written before the script that needs them runs; staff, sessions, devices, the global audit list) are never
given to a script: on a Cluster they may live on any node. Scripts receive the names (or prefixes) they need from
here; they never spell a key themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "mdg"


def token_key(token: str) -> str:
    """Visitor token -> ``site\\tticket id`` (the status page knows only the token)."""
    return f"{ROOT}:tok:{token}"


@dataclass(frozen=True, slots=True)
class SiteKeys:
    site: str

    @property
    def base(self) -> str:
        return f"{ROOT}:{{{self.site}}}"

    @property
    def seq(self) -> str:
        """Event sequence: INCR once per event; the stream entry id is ``<seq>-0``."""
        return f"{self.base}:seq"

    @property
    def events(self) -> str:
        return f"{self.base}:events"

    @property
    def order(self) -> str:
        """Site-wide issue order, the first-come-first-served score of every waiting line."""
        return f"{self.base}:order"

    @property
    def ticket_prefix(self) -> str:
        return f"{self.base}:t:"

    def ticket(self, ticket_id: str) -> str:
        return self.ticket_prefix + ticket_id

    def number(self, business_date: str, prefix: str) -> str:
        return f"{self.base}:num:{business_date}:{prefix}"

    def day(self, business_date: str) -> str:
        """Ticket ids of a business date, scored by issue order."""
        return f"{self.base}:day:{business_date}"

    def numbers(self, business_date: str) -> str:
        """Display number -> ticket id for a business date (call a given number)."""
        return f"{self.base}:bynum:{business_date}"

    @property
    def open_days(self) -> str:
        """Business dates that have tickets and were not closed yet."""
        return f"{self.base}:days"

    @property
    def queue_prefix(self) -> str:
        return f"{self.base}:q:"

    def queue(self, business_date: str, service: str, klass: str) -> str:
        return f"{self.queue_prefix}{business_date}:{service}:{klass}"

    def idempotency(self, key: str) -> str:
        return f"{self.base}:idem:{key}"

    @property
    def counter_prefix(self) -> str:
        return f"{self.base}:c:"

    def counter(self, counter_id: str) -> str:
        return self.counter_prefix + counter_id

    def calls(self, business_date: str) -> str:
        """The most recent calls of a business date (JSON), newest first, for boards' "last calls".

        One list per date: numbers restart every day, so an earlier date's P002 must never be read as today's.
        Day close deletes the date's list; it also expires on its own after the date.
        """
        return f"{self.base}:calls:{business_date}"

    @property
    def durations_prefix(self) -> str:
        return f"{self.base}:dur:"

    def durations(self, business_date: str, service: str) -> str:
        """Recent service durations in seconds, newest first, for the wait estimate."""
        return f"{self.durations_prefix}{business_date}:{service}"

    def audit(self, day: str) -> str:
        """Staff actions at this site on a date, appended by the same script as the change they record."""
        return f"{self.base}:audit:{day}"

    def print_job(self, job_id: str) -> str:
        return f"{self.base}:pjob:{job_id}"

    def print_queue(self, printer: str) -> str:
        """Job ids waiting for a printer, oldest first."""
        return f"{self.base}:pq:{printer}"

    def print_inflight(self, printer: str) -> str:
        """Jobs a worker took and has not settled; put back at the head of the queue after a crash."""
        return f"{self.base}:pq:{printer}:inflight"

    def printer(self, printer: str) -> str:
        """Last status a printer reported."""
        return f"{self.base}:printer:{printer}"

    def printer_lock(self, printer: str) -> str:
        """Held by the one server process that drives a printer."""
        return f"{self.base}:plock:{printer}"

    def agent(self, device_id: str) -> str:
        """Heartbeat of a kiosk's print agent (expires when the agent stops asking for jobs)."""
        return f"{self.base}:agent:{device_id}"

    @property
    def notices(self) -> str:
        """Notices shown on the site's boards and kiosks: notice id -> JSON."""
        return f"{self.base}:notices"

    @property
    def operator_prefix(self) -> str:
        return f"{self.base}:op:"

    def operator(self, login: str) -> str:
        """Login -> id of the ticket this operator holds (called or serving); set and cleared by the scripts."""
        return self.operator_prefix + login

    def action(self, key: str) -> str:
        """A console click's action key -> what it did, so a double click or a retry does it once."""
        return f"{self.base}:akey:{key}"

    @property
    def streak(self) -> str:
        """Reservation/priority calls made in a row while a walk-in waited (call-order ratio)."""
        return f"{self.base}:streak"

    # ---- reservations (server/reservations/store.py) ----

    @property
    def resv_prefix(self) -> str:
        return f"{self.base}:r:"

    def resv(self, code: str) -> str:
        """One reservation (hash): slot, contact (until purged), status, its ticket once checked in."""
        return self.resv_prefix + code

    def resv_idempotency(self, key: str) -> str:
        """A booking request's idempotency key -> the code it booked (a retried booking books once)."""
        return f"{self.base}:ridem:{key}"

    @property
    def resv_slot_prefix(self) -> str:
        return f"{self.base}:rslot:"

    def resv_slot(self, day: str, service: str, start: str) -> str:
        """Codes holding a place in a slot (booked or checked in); its size is checked against capacity."""
        return f"{self.resv_slot_prefix}{day}:{service}:{start}"

    @property
    def resv_day_prefix(self) -> str:
        return f"{self.base}:rday:"

    def resv_day(self, day: str) -> str:
        """Codes of the reservations on a date, scored by slot start (epoch ms)."""
        return f"{self.resv_day_prefix}{day}"

    @property
    def resv_all(self) -> str:
        """Every reservation code of the site scored by slot start: search across dates."""
        return f"{self.base}:rall"

    @property
    def resv_due(self) -> str:
        """Booked reservations scored by when they become no-shows (start + release time)."""
        return f"{self.base}:rdue"

    @property
    def resv_purge(self) -> str:
        """Reservations whose name and phone number are still kept, scored by when they are deleted."""
        return f"{self.base}:rpurge"

    # ---- the day archive (lua/day_close.lua writes it once; lua/archive_purge.lua deletes it) ----

    def archive_meta(self, day: str) -> str:
        """{archived_at, tickets, reservations, by} of an archived date. Its existence is what "archived" means:
        day close archives only when it is missing, issuing and check-in are refused while it exists."""
        return f"{self.base}:arch:{day}:meta"

    def archive_tickets(self, day: str) -> str:
        """The tickets of an archived date as they stood at the close (JSON, without token), in issue order."""
        return f"{self.base}:arch:{day}:tickets"

    def archive_reservations(self, day: str) -> str:
        """The reservations of an archived date at the close (JSON, no name or phone), by slot start."""
        return f"{self.base}:arch:{day}:resv"

    @property
    def archived_days(self) -> str:
        """Archived dates, scored by yyyymmdd (reads a month or a fiscal year by score)."""
        return f"{self.base}:archived"

    @property
    def closer_mark(self) -> str:
        """The last date the automatic day close has looked at (YYYY-MM-DD): it looks at later dates only."""
        return f"{self.base}:closer-mark"

    # ---- the office: tallies and incidents (server/office/store.py) ----

    def tallies(self, day: str) -> str:
        """Phone inquiries and visitors only directed on a date (hash): ``<kind>:<topic>`` -> count."""
        return f"{self.base}:tally:{day}"

    @property
    def tally_days(self) -> str:
        """Dates that have tallies (zset, score yyyymmdd): day close and the retention purge find them here."""
        return f"{self.base}:tally-days"

    @property
    def incident_prefix(self) -> str:
        return f"{self.base}:inc:"

    def incident(self, incident_id: str) -> str:
        """One incident report (hash): its text fields, status and who recorded and moved it when."""
        return self.incident_prefix + incident_id

    @property
    def incidents(self) -> str:
        """Incident ids of the site (zset) scored by when the incident occurred (epoch ms)."""
        return f"{self.base}:incidents"

    def incident_numbers(self, fiscal_year: int) -> str:
        """The last report number given in a fiscal year (報告番号 2026-0001, 2026-0002, ...)."""
        return f"{self.base}:incident-no:{fiscal_year}"

    # ---- handover (server/handover/: madoguchi import) ----

    @property
    def audit_imports(self) -> str:
        """Audit entries imported from handover archives (hash): date -> ``<n>:<sha1 of those n entries>``, so
        a re-run of an import appends none again (lua/audit_import.lua)."""
        return f"{self.base}:audit-imported"

    # ---- calendar overrides (server/calendar_store.py) ----

    @property
    def calendar_overrides(self) -> str:
        """The site's calendar overrides (hash): override id -> JSON of the override with the ``dates`` it covers."""
        return f"{self.base}:cal-overrides"

    # ---- service pause (lua/service_pause.lua writes it; issuing and moving tickets read it) ----

    @property
    def paused(self) -> str:
        """Services paused at the site (hash): service id -> JSON {service, reason_ja, reason_en, since, by}.

        Not per date: an upstream outage may last past the close, so a pause lasts until someone resumes it."""
        return f"{self.base}:paused"


# ---- staff, devices, sessions, audit: not per site -----------------------------------------------------------
# Changed one key at a time, or several in ``server.storeclient.transactions`` (one transaction per hash slot on a
# Cluster, in an order that never leaves a key pointing to one not written yet).


def staff_key(login: str) -> str:
    return f"{ROOT}:staff:{login}"


STAFF_INDEX = f"{ROOT}:staff-index"
"""Set of every login id."""


def staff_sessions_key(login: str) -> str:
    """Session ids of one login, so disabling the account ends them all."""
    return f"{ROOT}:staff-sessions:{login}"


def resv_code_key(code: str) -> str:
    """Reservation code -> its site (codes are unique across sites; written before the booking script)."""
    return f"{ROOT}:resv-code:{code}"


def session_key(session_id: str) -> str:
    return f"{ROOT}:session:{session_id}"


def device_key(device_id: str) -> str:
    return f"{ROOT}:device:{device_id}"


DEVICE_INDEX = f"{ROOT}:device-index"


def device_token_key(token_hash: str) -> str:
    """SHA-256 of a device token -> device id (the token itself is never stored)."""
    return f"{ROOT}:device-token:{token_hash}"


def pairing_key(code_hash: str) -> str:
    """One-time pairing code (hashed) -> device id; consumed when a kiosk/board PC pairs."""
    return f"{ROOT}:pairing:{code_hash}"


SETUP_TOKEN = f"{ROOT}:setup-token"
"""SHA-256 of the one-time token that creates the first admin (exists only while there is none)."""


def throttle_key(kind: str, who: str) -> str:
    """Failed logins per login id or per client address in the current window."""
    return f"{ROOT}:throttle:{kind}:{who}"


def rate_key(bucket: str, who: str, window: int) -> str:
    return f"{ROOT}:rate:{bucket}:{who}:{window}"


def audit_key(day: str) -> str:
    """Append-only list of the staff actions of one date (Asia/Tokyo)."""
    return f"{ROOT}:audit:{day}"


IMPORTED_STAFF_NAMES = f"{ROOT}:imported-staff-names"
"""Login -> display name of staff named in imported handover archives (no accounts: nobody signs in with them),
so the reports of imported days name their operators as the source installation did."""

CONTROL_CHANNEL = f"{ROOT}:control"
"""Pub/sub: revocations that every server process applies to its open websockets at once."""
