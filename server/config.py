"""The site configuration: what a municipality's counters look like, typed and checked.

Everything customer-specific (sites, counters, services, hours, Sunday openings, outreach
events, queue settings) lives in one TOML file, `config/fukutsu.toml` for Fukutsu, so another
city runs the same code with its own file. The structs below are frozen: a loaded config is a
value that can be handed around without anyone changing it under the others' feet.

`load_config` checks far more than types: a clerk editing the file must learn about *every*
mistake at once, each named by its key path (`sites[0].counters[2].number: ...`), before the
server starts with a calendar that silently differs from the contract.
"""

import datetime as dt
import importlib.resources
import re
import tomllib
import types
import typing
import zoneinfo
from collections import Counter as _Tally
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import holidays
import msgspec

from printers.uri import parse_printer_uri

Lang = str
"""A UI language code: "ja", "en", "zh", "ko", "vi" or "ja-easy" (やさしい日本語)."""

LANGUAGES: tuple[Lang, ...] = ("ja", "en", "zh", "ko", "vi", "ja-easy")

MAX_TALLY_TOPICS = 16
"""Topics of the tally buttons: more would not fit as one-touch buttons on the guide and phone consoles."""

MAX_VENUE = 60
"""Characters of an outreach event's venue name: it heads the kiosk, the board and the printed ticket."""
MAX_ADDRESS = 120

BOARD_AUDIO = ("voice", "chime", "silent")
"""What a display board does on a call: chime and Japanese voice, the chime only, or nothing (text only)."""

_T = TypeVar("_T")

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MMDD_RE = re.compile(r"^(\d\d)-(\d\d)$")
_PREFIX_RE = re.compile(r"^[A-Z]$")
# Any leap year: "02-29" is a legal recurring day even though it exists only in leap years.
_LEAP_YEAR = 2024


def parse_hhmm(value: str) -> dt.time:
    """Turn a config time "HH:MM" into a `time`; ValueError when it is not one."""
    match = _HHMM_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a time in HH:MM form (e.g. '08:30')")
    return dt.time(int(match[1]), int(match[2]))


def parse_mmdd(value: str) -> tuple[int, int]:
    """Turn a recurring day "MM-DD" into (month, day); ValueError when no calendar has it."""
    match = _MMDD_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a day in MM-DD form (e.g. '11-01')")
    month, day = int(match[1]), int(match[2])
    try:
        dt.date(_LEAP_YEAR, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year") from None
    return month, day


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base: immutable, and a misspelt key in the file is an error rather than ignored."""


class Period(_Struct, frozen=True, kw_only=True):
    """A recurring stretch of the year, both ends inclusive; may wrap the year end."""

    start: str  # "MM-DD", e.g. "11-01"
    end: str  # "MM-DD", e.g. "03-31" (wraps: November to March)

    def contains(self, day: dt.date) -> bool:
        """Whether `day` falls in this period in its own year (wrapping periods included)."""
        start, end, key = parse_mmdd(self.start), parse_mmdd(self.end), (day.month, day.day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end


class Counter(_Struct, frozen=True, kw_only=True):
    """A counter (窓口): what the board shows, what the voice announces, and when it exists."""

    id: str  # unique across the whole config, e.g. "ch-booth-1"
    label: str  # shown on the board and spoken, e.g. "1番窓口"
    number: int  # the number announced ("3番窓口" -> 3), unique per site
    area: str  # "booth", "meeting-room", "desk", ...: a board may show one area only
    periods: tuple[Period, ...] = ()  # when the counter is set up; empty = all year
    name_en: str = ""  # the label on English screens; empty: "Counter 3" (as the board says it)

    @property
    def label_en(self) -> str:
        """The counter's name on English screens (consoles, guide), from `name_en` or its number."""
        return self.name_en.strip() or f"Counter {self.number}"

    def active_on(self, day: dt.date) -> bool:
        """Whether the counter is set up on `day` (City Hall's meeting room: Nov–Mar only)."""
        return not self.periods or any(period.contains(day) for period in self.periods)


class Service(_Struct, frozen=True, kw_only=True):
    """A service (業務) a visitor can take a ticket for."""

    id: str
    name: str  # Japanese, as on the kiosk button and the ticket
    name_en: str
    prefix: str  # one uppercase letter starting the ticket number ("A012"), unique
    minutes: int  # default service time, used for wait estimates until there is data
    names: dict[Lang, str] = msgspec.field(default_factory=dict)  # zh, ko, vi, ja-easy
    queue: bool = True  # False for a staff role that nobody queues for
    # Questions and new bookings (問い合わせ・予約受付): the kiosk shows it apart, below the other services, so that a
    # visitor who has a booking does not take it for the check-in, which comes first
    inquiry: bool = False

    def label(self, lang: Lang) -> str:
        """The name in `lang`; falls back to Japanese for "ja*" and to English otherwise."""
        if lang == "ja":
            return self.name
        if lang == "en":
            return self.name_en
        fallback = self.name if lang.startswith("ja") else self.name_en
        return self.names.get(lang) or fallback


class Hours(_Struct, frozen=True, kw_only=True):
    """Opening hours of a normal business day (平日開庁)."""

    opens_at: str = "08:30"
    closes_at: str = "17:00"
    # Last time the kiosk issues a ticket. Contract §5 requires finishing on the same day all
    # work accepted during opening hours; stopping tickets 30 minutes before closing lets the
    # counters clear the queue by about 17:00 instead of well after it.
    last_ticket_at: str = "16:30"

    def last_ticket_margin(self) -> dt.timedelta:
        """How long before closing tickets stop; the default for Sunday and outreach days."""
        return _minutes_between(parse_hhmm(self.last_ticket_at), parse_hhmm(self.closes_at))


class Area(_Struct, frozen=True, kw_only=True):
    """A part of a site with its own board, e.g. City Hall's booth and meeting room."""

    id: str
    name: str
    name_en: str


class Printer(_Struct, frozen=True, kw_only=True):
    """A ticket printer of a site, named by its URI (docs/PRINTING.md); the first is used first."""

    id: str
    name: str
    uri: str  # tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0, file:///dev/usb/lp0, preview:///DIR
    name_en: str = ""  # the name on English screens (the guide console); empty: the Japanese name


class Printing(_Struct, frozen=True, kw_only=True):
    """How tickets are printed: footer, retries and fail-over."""

    footer: tuple[str, ...] = ("番号が呼ばれるまでお待ちください",)
    failover_after: int = 2  # failed attempts on one printer before the site's next printer takes the job
    retry_max_s: float = 10.0  # longest wait between two attempts
    give_up_after_min: int = 15  # a job not printed by then is marked failed (the guide can reprint)


class Site(_Struct, frozen=True, kw_only=True):
    """A place with counters (拠点): an office open on business days or an outreach venue."""

    id: str
    name: str
    name_en: str
    address: str
    kind: Literal["office", "outreach"]
    counters: tuple[Counter, ...] = ()
    # Offices: the services of a normal weekday. Outreach venues: the services of an event
    # that lists none itself.
    services: tuple[str, ...] = ()
    names: dict[Lang, str] = msgspec.field(default_factory=dict)  # zh, ko, vi, ja-easy
    areas: tuple[Area, ...] = ()  # when given, every counter's area must be one of them
    hours: Hours | None = None  # weekday hours of this site when they differ from Config.hours
    printers: tuple[Printer, ...] = ()  # none: tickets are written as PNG previews under the data dir
    board_audio: str = "voice"  # one of BOARD_AUDIO; a board may override it with ?audio=

    def counter(self, counter_id: str) -> Counter | None:
        """This site's counter with that id, or None."""
        return next((counter for counter in self.counters if counter.id == counter_id), None)


class Closure(_Struct, frozen=True, kw_only=True):
    """An extra closed day (e.g. a typhoon, a system migration). Wins over every opening."""

    date: dt.date
    sites: tuple[str, ...] = ()  # empty = every site
    reason: str = ""


class SundayOpening(_Struct, frozen=True, kw_only=True):
    """A Sunday the city designates for opening (日曜開庁, contract §8)."""

    site: str
    date: dt.date
    opens_at: str
    closes_at: str
    last_ticket_at: str | None = None  # None = as long before closing as on weekdays
    services: tuple[str, ...]
    counters: tuple[str, ...] = ()  # empty = the site's counters active on that date
    note: str = ""


class OutreachEvent(_Struct, frozen=True, kw_only=True):
    """Outreach application desks (出張申請, contract §9 and §10) at an outreach site."""

    id: str
    site: str
    start: dt.date
    days: int = 1  # consecutive days from `start`, the same hours each day
    opens_at: str
    closes_at: str
    last_ticket_at: str | None = None  # None = as long before closing as on weekdays
    services: tuple[str, ...] = ()  # empty = the site's services
    counters: tuple[str, ...] = ()  # empty = all the site's counters
    note: str = ""
    # Where this event is held (the site is a generic venue kind, e.g. "出張申請会場（商業施設）"): shown on
    # the kiosk, the board, the ticket and the visitor page that day as 「出張申請会場：<venue>」, and in the reports.
    venue: str = ""  # e.g. "イオンモール福津"
    address: str = ""

    def dates(self) -> tuple[dt.date, ...]:
        """Every day the event runs."""
        return tuple(self.start + dt.timedelta(days=offset) for offset in range(max(self.days, 0)))

    def covers(self, day: dt.date) -> bool:
        """Whether the event runs on `day`."""
        return 0 <= (day - self.start).days < self.days


class QueueSettings(_Struct, frozen=True, kw_only=True):
    """Knobs of the call order, numbering and reservations."""

    reservation_ratio: int = 2  # reservations/priority calls in a row before a waiting walk-in
    reservation_early_min: int = 10  # a checked-in reservation is called this early
    recent_calls: int = 10  # calls the board keeps in its "recent" list
    number_digits: int = 3  # digits after the prefix: 3 -> "A012"
    reservation_slot_min: int = 30  # length of a reservation slot
    reservation_retention_days: int = 30  # personal data of past reservations is purged after


class ReservableService(_Struct, frozen=True, kw_only=True):
    """A service that takes reservations (予約), and at which sites."""

    service: str
    sites: tuple[str, ...] = ()  # empty = every site that offers the service
    capacity_per_counter: int | None = None  # None = Reservations.capacity_per_counter


class Reservations(_Struct, frozen=True, kw_only=True):
    """Reservations: which services take them, how many per slot, when visitors check in.

    A slot's capacity follows the counters active that day (City Hall: 3 in October, 6 in November):
    active counters x capacity per counter. Slot length and retention are in `QueueSettings`.
    """

    services: tuple[ReservableService, ...] = ()  # none: the operator takes no reservations
    capacity_per_counter: int = 1  # places per slot for each counter active that day
    horizon_days: int = 60  # bookable from today up to this many days ahead
    checkin_early_min: int = 30  # check-in opens this many minutes before the slot starts
    checkin_late_min: int = 15  # ... and closes this long after it starts (later: a walk-in ticket)
    release_after_min: int = 20  # a reservation not checked in this long after its start is a no-show

    def entry(self, service_id: str, site_id: str) -> ReservableService | None:
        """The entry saying `service_id` takes reservations at `site_id`, or None."""
        for entry in self.services:
            if entry.service == service_id and (not entry.sites or site_id in entry.sites):
                return entry
        return None

    def capacity(self, entry: ReservableService) -> int:
        """Places per counter and slot for a reservable service."""
        return entry.capacity_per_counter or self.capacity_per_counter


class TallyTopic(_Struct, frozen=True, kw_only=True):
    """What a phone inquiry or a visitor only directed was about (電話問い合わせ・案内のみの来庁者).

    The id is stored with every count: keep it once the system is in use (rename only the names)."""

    id: str
    name: str  # Japanese, on the console's button and in the reports
    name_en: str


class Office(_Struct, frozen=True, kw_only=True):
    """The office side: the topics the guide and phone consoles tally calls and directed visitors by."""

    tally_topics: tuple[TallyTopic, ...] = (TallyTopic(id="other", name="その他", name_en="Other"),)

    def topic(self, topic_id: str) -> TallyTopic | None:
        """The topic with that id, or None."""
        return next((topic for topic in self.tally_topics if topic.id == topic_id), None)


class Retention(_Struct, frozen=True, kw_only=True):
    """How long the archive of past business dates is kept (the usual keeping period of municipal records).

    A date is deleted, with its tallies and incidents, once its fiscal year (年度, April-March) plus
    `archive_fiscal_years` is before the current fiscal year: with 5, FY2026 is kept until March 31, 2032."""

    archive_fiscal_years: int = 5


class Config(_Struct, frozen=True, kw_only=True):
    """The whole configuration of one operator (one municipality)."""

    name: str
    timezone: str = "Asia/Tokyo"
    languages: tuple[Lang, ...] = LANGUAGES
    holiday_country: str = "JP"  # country code of the `holidays` package
    hours: Hours = Hours()
    year_end: Period = Period(start="12-29", end="01-03")  # 年末年始閉庁
    queue: QueueSettings = QueueSettings()
    reservations: Reservations = Reservations()
    retention: Retention = Retention()
    printing: Printing = Printing()
    office: Office = Office()
    services: tuple[Service, ...]
    sites: tuple[Site, ...]
    closures: tuple[Closure, ...] = ()
    sunday_openings: tuple[SundayOpening, ...] = ()
    outreach_events: tuple[OutreachEvent, ...] = ()

    def site(self, site_id: str) -> Site | None:
        """The site with that id, or None."""
        return next((site for site in self.sites if site.id == site_id), None)

    def service(self, service_id: str) -> Service | None:
        """The service with that id, or None."""
        return next((service for service in self.services if service.id == service_id), None)

    def counter(self, counter_id: str) -> tuple[Site, Counter] | None:
        """The counter with that id and its site, or None."""
        for site in self.sites:
            counter = site.counter(counter_id)
            if counter is not None:
                return site, counter
        return None

    def site_hours(self, site: Site) -> Hours:
        """The weekday hours of `site`: its own when it has them, else the config's."""
        return site.hours or self.hours


class ConfigError(Exception):
    """The config file is unusable; `errors` lists every problem, each with its key path."""

    def __init__(self, errors: list[str], path: str | Path | None = None) -> None:
        self.errors = errors
        self.path = path
        where = f" {path}" if path is not None else ""
        super().__init__(f"invalid config{where}:\n" + "\n".join(f"  {error}" for error in errors))


def default_config_path() -> Path:
    """The shipped `config/fukutsu.toml`, from a source checkout or else an installed package."""
    beside_source = Path(__file__).resolve().parent.parent / "config" / "fukutsu.toml"
    if beside_source.is_file():
        return beside_source
    return Path(str(importlib.resources.files("config") / "fukutsu.toml"))


def load_config(path: str | Path) -> Config:
    """Read and check a config file; raises ConfigError naming every problem found."""
    config, errors = _load(Path(path))
    if errors or config is None:
        raise ConfigError(errors or ["config could not be read"], path)
    return config


def check_config(path: str | Path) -> list[str]:
    """Every problem of a config file as "key.path: message" lines; [] when it is fine."""
    return _load(Path(path))[1]


def config_from_dict(raw: Mapping[str, Any]) -> Config:
    """Check and build a config from already-parsed data (tests, admin tools)."""
    config, errors = _from_raw(raw)
    if errors or config is None:
        raise ConfigError(errors or ["config could not be read"])
    return config


CalendarEntry = SundayOpening | OutreachEvent | Closure


def check_calendar_entry(config: Config, entry: CalendarEntry, path: str, *, sunday: bool = True) -> list[str]:
    """The checks `config check` applies to one Sunday opening, outreach event or closure, for an entry made
    outside the file (the calendar overrides of server/calendar_store.py): every problem as "path.key: message".

    ``sunday=False`` checks a Sunday opening's site, hours, services and counters on any day (an extra opening).
    """
    checker = _Checker(config, {}, {})
    if isinstance(entry, SundayOpening):
        checker.check_sunday_opening(path, entry, sunday=sunday)
    elif isinstance(entry, OutreachEvent):
        checker.check_outreach_event(path, entry)
    else:
        checker.check_refs(f"{path}.sites", entry.sites, checker.site_ids, "site")
    return checker.errors


def offered_at(config: Config, site: Site) -> set[str]:
    """Every service `site` offers on some day of the config: weekdays, Sunday openings, outreach events."""
    return _Checker(config, {}, {}).offered_at(site)


def _load(path: Path) -> tuple[Config | None, list[str]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [f"{path}: cannot read the file ({exc.strerror or exc})"]
    except UnicodeDecodeError:
        return None, [f"{path}: the file is not UTF-8 text"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path}: not valid TOML: {exc}"]
    return _from_raw(raw)


def _from_raw(raw: Mapping[str, Any]) -> tuple[Config | None, list[str]]:
    converter = _Converter()
    config = converter.struct(raw, Config, "")
    if not isinstance(config, Config):
        return None, converter.errors
    return config, converter.errors + _Checker(config, raw, converter.paths).run()


# --- typing: convert piece by piece so that one bad element does not hide the others ---------

_FAILED: Any = object()


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _Converter:
    """Types raw TOML data field by field and element by element, so one bad element does not
    hide the errors of its siblings. A bad element is left out of its array, a bad optional
    field falls back to its default; only a bad required field fails the whole table.

    It remembers the key path of every struct it builds (`paths`, by object id): after an
    element is left out, the checks that follow must still name the others by their index
    in the file.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.paths: dict[int, str] = {}

    def struct(self, raw: Any, cls: type[msgspec.Struct], path: str) -> Any:
        """Build `cls` from a table, reporting each bad field; _FAILED when it cannot be built."""
        if not isinstance(raw, Mapping):
            self.errors.append(f"{path or '(top level)'}: expected a table, got {_kind(raw)}")
            return _FAILED
        fields = msgspec.structs.fields(cls)
        known = {field.encode_name for field in fields}
        self.errors.extend(f"{_join(path, key)}: unknown key" for key in raw if key not in known)
        values: dict[str, Any] = {}
        ok = True
        for field in fields:
            key_path = _join(path, field.encode_name)
            if field.encode_name not in raw:
                if field.required:
                    self.errors.append(f"{key_path}: missing required key")
                    ok = False
                continue
            value = self.value(raw[field.encode_name], field.type, key_path)
            if value is not _FAILED:
                values[field.name] = value
            elif field.required:
                ok = False
        if not ok:
            return _FAILED
        built = cls(**values)
        self.paths[id(built)] = path
        return built

    def value(self, raw: Any, annotation: Any, path: str) -> Any:
        item_type = _struct_tuple_item(annotation)
        if item_type is not None:
            if not isinstance(raw, list):
                self.errors.append(f"{path}: expected an array, got {_kind(raw)}")
                return _FAILED
            items = (self.struct(item, item_type, f"{path}[{i}]") for i, item in enumerate(raw))
            return tuple(item for item in items if item is not _FAILED)
        struct_type = _struct_type(annotation)
        if struct_type is not None and isinstance(raw, Mapping):
            return self.struct(raw, struct_type, path)
        if isinstance(raw, dt.time) and str in (annotation, *typing.get_args(annotation)):
            self.errors.append(f'{path}: write times as quoted text, e.g. "{raw:%H:%M}"')
            return _FAILED
        try:
            return msgspec.convert(raw, annotation)
        except msgspec.ValidationError as exc:
            self.errors.append(_validation_message(path, exc))
            return _FAILED


def _struct_tuple_item(annotation: Any) -> type[msgspec.Struct] | None:
    """X for `tuple[X, ...]` when X is a Struct."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _struct_type(args[0])
    return None


def _struct_type(annotation: Any) -> type[msgspec.Struct] | None:
    """The Struct in `X` or `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    if isinstance(annotation, types.UnionType):
        structs = [arg for arg in typing.get_args(annotation) if _struct_type(arg) is not None]
        return structs[0] if len(structs) == 1 else None
    return None


_MSGSPEC_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<key>[^`]*)`$")
_CLEARER = {
    "Invalid RFC3339 encoded date": "not a valid date (write YYYY-MM-DD, e.g. 2026-04-05)",
    "Expected `date`, got `datetime`": "expected a date without a time (YYYY-MM-DD)",
}


def _validation_message(path: str, exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.a[0].b`" as "path.a[0].b: expected int, got str"."""
    match = _MSGSPEC_AT.match(str(exc))
    message, inner = (match["message"], match["path"] or "") if match else (str(exc), "")
    full = path + inner.replace("[...]", "")
    for pattern, text in ((_UNKNOWN_FIELD, "unknown key"), (_MISSING_FIELD, "missing required key")):
        found = pattern.match(message)
        if found:
            return f"{_join(full, found['key'])}: {text}"
    message = _CLEARER.get(message, message).replace("`", "")
    return f"{full}: {message[:1].lower()}{message[1:]}"


def _kind(value: Any) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean", int: "an integer"}
    return names.get(type(value), type(value).__name__)


# --- meaning: what types cannot say -----------------------------------------------------------


def _duplicates(values: Iterable[Any]) -> set[Any]:
    return {value for value, count in _Tally(values).items() if count > 1}


def _minutes_between(start: dt.time, end: dt.time) -> dt.timedelta:
    return dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)


def _raw_ids(raw: Any) -> set[str]:
    """Ids of the tables in a raw array, typed or not: a reference to an element that failed
    its own type check must not be reported a second time as unknown."""
    if not isinstance(raw, list):
        return set()
    return {item["id"] for item in raw if isinstance(item, Mapping) and isinstance(item.get("id"), str)}


class _Checker:
    """Collects every semantic error of a typed config, using the raw data for references."""

    def __init__(self, config: Config, raw: Mapping[str, Any], paths: dict[int, str]) -> None:
        self.config = config
        self.paths = paths
        self.errors: list[str] = []
        self.service_ids = {service.id for service in config.services} | _raw_ids(raw.get("services"))
        self.site_ids = {site.id for site in config.sites} | _raw_ids(raw.get("sites"))
        self.counter_ids = {site.id: self._raw_counter_ids(site, raw) for site in config.sites}

    @staticmethod
    def _raw_counter_ids(site: Site, raw: Mapping[str, Any]) -> set[str]:
        raw_sites = raw.get("sites")
        raw_site: Any = {}
        if isinstance(raw_sites, list):
            matching = (item for item in raw_sites if isinstance(item, Mapping) and item.get("id") == site.id)
            raw_site = next(matching, {})
        return {counter.id for counter in site.counters} | _raw_ids(raw_site.get("counters"))

    def run(self) -> list[str]:
        self.check_general()
        self.check_services()
        self.check_sites()
        self.check_printing()
        self.check_closures()
        self.check_sunday_openings()
        self.check_outreach_events()
        self.check_reservations()
        self.check_retention()
        self.check_office()
        return self.errors

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def elements(self, items: Iterable[_T], prefix: str) -> list[tuple[str, _T]]:
        """Each element with its key path in the file (indexes count left-out elements too)."""
        return [(self.paths.get(id(item), f"{prefix}[{index}]"), item) for index, item in enumerate(items)]

    def check_unique(self, items: Iterable[tuple[str, Any]], key: str) -> None:
        """Report each element whose `key` repeats an earlier element's."""
        first: dict[Any, str] = {}
        for path, value in items:
            if value in first:
                self.error(f"{path}.{key}", f"{value!r} already used by {first[value]}")
            else:
                first[value] = path

    # general ------------------------------------------------------------------------------------

    def check_general(self) -> None:
        config = self.config
        if not config.name.strip():
            self.error("name", "must not be empty")
        try:
            zoneinfo.ZoneInfo(config.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.error("timezone", f"unknown time zone {config.timezone!r}")
        if config.holiday_country not in holidays.list_supported_countries():
            self.error("holiday_country", f"the holidays package does not know {config.holiday_country!r}")
        self.check_languages()
        self.check_hours("hours", config.hours.opens_at, config.hours.closes_at, config.hours.last_ticket_at)
        self.check_period("year_end", config.year_end)
        self.check_queue()

    def check_languages(self) -> None:
        languages = self.config.languages
        for code in sorted(_duplicates(languages)):
            self.error("languages", f"{code!r} listed twice")
        for index, code in enumerate(languages):
            if code not in LANGUAGES:
                self.error(f"languages[{index}]", f"unsupported language {code!r} (known: {', '.join(LANGUAGES)})")
        if "ja" not in languages:
            self.error("languages", "must include 'ja'")

    def check_queue(self) -> None:
        queue = self.config.queue
        minimums = {
            "reservation_ratio": (queue.reservation_ratio, 1),
            "reservation_early_min": (queue.reservation_early_min, 0),
            "recent_calls": (queue.recent_calls, 1),
            "number_digits": (queue.number_digits, 1),
            "reservation_slot_min": (queue.reservation_slot_min, 5),
            "reservation_retention_days": (queue.reservation_retention_days, 0),
        }
        self.check_minimums("queue", minimums)
        if queue.number_digits > 6:
            self.error("queue.number_digits", f"must be at most 6, got {queue.number_digits}")

    def check_minimums(self, table: str, minimums: Mapping[str, tuple[int, int]]) -> None:
        """Each `key: (value, minimum)` of a table whose value is below its minimum is an error."""
        for key, (value, minimum) in minimums.items():
            if value < minimum:
                self.error(f"{table}.{key}", f"must be at least {minimum}, got {value}")

    def check_period(self, path: str, period: Period) -> None:
        for key in ("start", "end"):
            try:
                parse_mmdd(getattr(period, key))
            except ValueError as exc:
                self.error(f"{path}.{key}", str(exc))

    def check_hours(self, path: str, opens: str, closes: str, last_ticket: str | None) -> None:
        """Times parse, closing follows opening, and the last ticket falls inside the hours."""
        parsed: dict[str, dt.time] = {}
        for key, value in (("opens_at", opens), ("closes_at", closes), ("last_ticket_at", last_ticket)):
            if value is None:
                continue
            try:
                parsed[key] = parse_hhmm(value)
            except ValueError as exc:
                self.error(f"{path}.{key}", str(exc))
        if "opens_at" not in parsed or "closes_at" not in parsed:
            return
        opens_at, closes_at = parsed["opens_at"], parsed["closes_at"]
        if closes_at <= opens_at:
            self.error(f"{path}.closes_at", f"closes at {closes} but opens at {opens}")
            return
        self.check_last_ticket(path, opens_at, closes_at, parsed.get("last_ticket_at"))

    def check_last_ticket(self, path: str, opens_at: dt.time, closes_at: dt.time, last: dt.time | None) -> None:
        if last is None:
            derived = dt.datetime.combine(dt.date.min, closes_at) - self.weekday_margin()
            if derived.time() < opens_at:
                self.error(f"{path}.last_ticket_at", "missing, and the weekday margin would put it before opening")
            return
        if not opens_at <= last <= closes_at:
            self.error(
                f"{path}.last_ticket_at",
                f"{last:%H:%M} is outside the hours {opens_at:%H:%M}-{closes_at:%H:%M}",
            )

    def weekday_margin(self) -> dt.timedelta:
        try:
            return self.config.hours.last_ticket_margin()
        except ValueError:
            return Hours().last_ticket_margin()

    def check_names(self, path: str, names: Mapping[str, str]) -> None:
        for code, text in names.items():
            if code in ("ja", "en"):
                self.error(f"{path}.{code}", f"goes in {'name' if code == 'ja' else 'name_en'}, not names")
            elif code not in self.config.languages:
                self.error(f"{path}.{code}", f"language {code!r} is not in languages")
            elif not text.strip():
                self.error(f"{path}.{code}", "must not be empty")

    def check_length(self, path: str, value: str, most: int) -> None:
        if len(value) > most:
            self.error(path, f"at most {most} characters, got {len(value)}")

    def check_id(self, path: str, value: str) -> None:
        if not _ID_RE.match(value):
            self.error(path, f"{value!r} is not an id (lowercase letters, digits and single '-')")

    def check_refs(self, path: str, values: tuple[str, ...], known: set[str], what: str) -> None:
        for index, value in enumerate(values):
            if value not in known:
                self.error(f"{path}[{index}]", f"unknown {what} {value!r}")
        for value in sorted(_duplicates(values)):
            self.error(path, f"{what} {value!r} listed twice")

    # services -----------------------------------------------------------------------------------

    def check_services(self) -> None:
        services = self.config.services
        if not services:
            self.error("services", "at least one service is needed")
        elements = self.elements(services, "services")
        for path, service in elements:
            self.check_service(path, service)
        self.check_unique(((path, service.id) for path, service in elements), "id")
        self.check_unique(((path, service.prefix) for path, service in elements), "prefix")

    def check_service(self, path: str, service: Service) -> None:
        self.check_id(f"{path}.id", service.id)
        for key in ("name", "name_en"):
            if not getattr(service, key).strip():
                self.error(f"{path}.{key}", "must not be empty")
        if not _PREFIX_RE.match(service.prefix):
            self.error(f"{path}.prefix", f"{service.prefix!r} is not one uppercase letter A-Z")
        if service.minutes <= 0:
            self.error(f"{path}.minutes", f"must be more than 0, got {service.minutes}")
        self.check_names(f"{path}.names", service.names)

    # sites ------------------------------------------------------------------------------------

    def check_sites(self) -> None:
        sites = self.config.sites
        if not sites:
            self.error("sites", "at least one site is needed")
        elements = self.elements(sites, "sites")
        for path, site in elements:
            self.check_site(path, site)
        self.check_unique(((path, site.id) for path, site in elements), "id")
        counters = [pair for path, site in elements for pair in self.elements(site.counters, f"{path}.counters")]
        self.check_unique(((path, counter.id) for path, counter in counters), "id")

    def check_site(self, path: str, site: Site) -> None:
        self.check_id(f"{path}.id", site.id)
        for key in ("name", "name_en", "address"):
            if not getattr(site, key).strip():
                self.error(f"{path}.{key}", "must not be empty")
        self.check_names(f"{path}.names", site.names)
        self.check_refs(f"{path}.services", site.services, self.service_ids, "service")
        if site.kind == "office" and not site.services:
            self.error(f"{path}.services", "an office needs the services of a normal weekday")
        if not site.counters and not self.counter_ids[site.id]:  # not even one that failed its type check
            self.error(f"{path}.counters", "a site needs at least one counter")
        if site.hours is not None:
            self.check_hours(f"{path}.hours", site.hours.opens_at, site.hours.closes_at, site.hours.last_ticket_at)
        if site.board_audio not in BOARD_AUDIO:
            self.error(f"{path}.board_audio", f"{site.board_audio!r} is not one of {', '.join(BOARD_AUDIO)}")
        self.check_unique(
            ((area_path, area.id) for area_path, area in self.elements(site.areas, f"{path}.areas")), "id"
        )
        counters = self.elements(site.counters, f"{path}.counters")
        for counter_path, counter in counters:
            self.check_counter(counter_path, counter, site)
        self.check_unique(((counter_path, counter.number) for counter_path, counter in counters), "number")
        printers = self.elements(site.printers, f"{path}.printers")
        for printer_path, printer in printers:
            self.check_printer(printer_path, printer)
        self.check_unique(((printer_path, printer.id) for printer_path, printer in printers), "id")

    def check_printer(self, path: str, printer: Printer) -> None:
        self.check_id(f"{path}.id", printer.id)
        if printer.id == "preview" or printer.id.startswith("agent-"):
            self.error(f"{path}.id", "'preview' and 'agent-…' are reserved printer ids")
        if not printer.name.strip():
            self.error(f"{path}.name", "must not be empty")
        try:
            parse_printer_uri(printer.uri)
        except ValueError as exc:
            self.error(f"{path}.uri", str(exc))

    def check_counter(self, path: str, counter: Counter, site: Site) -> None:
        self.check_id(f"{path}.id", counter.id)
        if not counter.label.strip():
            self.error(f"{path}.label", "must not be empty")
        if counter.number <= 0:
            self.error(f"{path}.number", f"must be more than 0, got {counter.number}")
        if not counter.area.strip():
            self.error(f"{path}.area", "must not be empty")
        elif site.areas and counter.area not in {area.id for area in site.areas}:
            self.error(f"{path}.area", f"unknown area {counter.area!r} (not in this site's areas)")
        for period_path, period in self.elements(counter.periods, f"{path}.periods"):
            self.check_period(period_path, period)

    # days -------------------------------------------------------------------------------------

    def check_printing(self) -> None:
        printing = self.config.printing
        if printing.failover_after < 1:
            self.error("printing.failover_after", "must be at least 1")
        if printing.retry_max_s <= 0:
            self.error("printing.retry_max_s", "must be more than 0")
        if printing.give_up_after_min < 1:
            self.error("printing.give_up_after_min", "must be at least 1")

    def check_closures(self) -> None:
        for path, closure in self.elements(self.config.closures, "closures"):
            self.check_refs(f"{path}.sites", closure.sites, self.site_ids, "site")

    def site_of_kind(self, path: str, site_id: str, kind: str) -> Site | None:
        """The referenced site when it exists and is of `kind`; reports it otherwise."""
        site = self.config.site(site_id)
        if site is None:
            if site_id not in self.site_ids:
                self.error(path, f"unknown site {site_id!r}")
            return None
        if site.kind != kind:
            self.error(path, f"site {site_id!r} is an {site.kind} site, not an {kind} site")
            return None
        return site

    def check_sunday_openings(self) -> None:
        elements = self.elements(self.config.sunday_openings, "sunday_openings")
        for path, opening in elements:
            self.check_sunday_opening(path, opening)
        self.check_unique(((path, f"{o.site} {o.date}") for path, o in elements), "date")

    def check_sunday_opening(self, path: str, opening: SundayOpening, *, sunday: bool = True) -> None:
        site = self.site_of_kind(f"{path}.site", opening.site, "office")
        if sunday and opening.date.weekday() != 6:
            self.error(f"{path}.date", f"{opening.date} is a {opening.date:%A}, not a Sunday")
        self.check_hours(path, opening.opens_at, opening.closes_at, opening.last_ticket_at)
        self.check_refs(f"{path}.services", opening.services, self.service_ids, "service")
        if not opening.services:
            self.error(f"{path}.services", "a Sunday opening needs at least one service")
        if site is not None:
            self.check_refs(f"{path}.counters", opening.counters, self.counter_ids[site.id], "counter of this site")

    def check_outreach_events(self) -> None:
        elements = self.elements(self.config.outreach_events, "outreach_events")
        for path, event in elements:
            self.check_outreach_event(path, event)
        self.check_unique(((path, event.id) for path, event in elements), "id")
        self.check_event_overlaps(elements)

    def check_outreach_event(self, path: str, event: OutreachEvent) -> None:
        self.check_id(f"{path}.id", event.id)
        site = self.site_of_kind(f"{path}.site", event.site, "outreach")
        if not 1 <= event.days <= 31:
            self.error(f"{path}.days", f"must be between 1 and 31, got {event.days}")
        self.check_hours(path, event.opens_at, event.closes_at, event.last_ticket_at)
        self.check_refs(f"{path}.services", event.services, self.service_ids, "service")
        self.check_length(f"{path}.venue", event.venue, MAX_VENUE)
        self.check_length(f"{path}.address", event.address, MAX_ADDRESS)
        if site is None:
            return
        self.check_refs(f"{path}.counters", event.counters, self.counter_ids[site.id], "counter of this site")
        if not event.services and not site.services:
            self.error(f"{path}.services", f"no services: list them here or in site {site.id!r}")

    def check_event_overlaps(self, elements: list[tuple[str, OutreachEvent]]) -> None:
        """Two events at one site on one day would make that day's hours ambiguous."""
        taken: dict[tuple[str, dt.date], str] = {}
        for path, event in elements:
            for day in event.dates():
                other = taken.setdefault((event.site, day), path)
                if other != path:
                    self.error(f"{path}.start", f"overlaps {other} on {day}")
                    break

    # reservations -------------------------------------------------------------------------------

    def check_reservations(self) -> None:
        r = self.config.reservations
        minimums = {
            "capacity_per_counter": (r.capacity_per_counter, 1),
            "horizon_days": (r.horizon_days, 1),
            "checkin_early_min": (r.checkin_early_min, 0),
            "checkin_late_min": (r.checkin_late_min, 0),
            "release_after_min": (r.release_after_min, 0),
        }
        self.check_minimums("reservations", minimums)
        if r.horizon_days > 366:
            self.error("reservations.horizon_days", f"must be at most 366, got {r.horizon_days}")
        if r.release_after_min < r.checkin_late_min:
            self.error(
                "reservations.release_after_min",
                f"{r.release_after_min} is before the end of check-in ({r.checkin_late_min} minutes after the start)",
            )
        elements = self.elements(r.services, "reservations.services")
        for path, entry in elements:
            self.check_reservable(path, entry)
        self.check_unique(((path, entry.service) for path, entry in elements), "service")

    def check_retention(self) -> None:
        self.check_minimums("retention", {"archive_fiscal_years": (self.config.retention.archive_fiscal_years, 1)})

    def check_reservable(self, path: str, entry: ReservableService) -> None:
        if entry.service not in self.service_ids:
            self.error(f"{path}.service", f"unknown service {entry.service!r}")
        self.check_refs(f"{path}.sites", entry.sites, self.site_ids, "site")
        if entry.capacity_per_counter is not None and entry.capacity_per_counter < 1:
            self.error(f"{path}.capacity_per_counter", f"must be at least 1, got {entry.capacity_per_counter}")
        for index, site_id in enumerate(entry.sites):
            site = self.config.site(site_id)
            if site is not None and entry.service not in self.offered_at(site):
                self.error(f"{path}.sites[{index}]", f"{site_id!r} never offers {entry.service!r}")

    def offered_at(self, site: Site) -> set[str]:
        """Every service the site offers on some day: weekdays, Sunday openings, outreach events."""
        offered = set(site.services)
        offered.update(s for o in self.config.sunday_openings if o.site == site.id for s in o.services)
        offered.update(s for e in self.config.outreach_events if e.site == site.id for s in e.services)
        return offered

    # office -------------------------------------------------------------------------------------

    def check_office(self) -> None:
        topics = self.config.office.tally_topics
        if not topics:
            self.error("office.tally_topics", "at least one topic is needed (e.g. その他)")
        if len(topics) > MAX_TALLY_TOPICS:
            self.error("office.tally_topics", f"at most {MAX_TALLY_TOPICS} topics fit on the consoles")
        elements = self.elements(topics, "office.tally_topics")
        for path, topic in elements:
            self.check_id(f"{path}.id", topic.id)
            for key in ("name", "name_en"):
                if not getattr(topic, key).strip():
                    self.error(f"{path}.{key}", "must not be empty")
        self.check_unique(((path, topic.id) for path, topic in elements), "id")
