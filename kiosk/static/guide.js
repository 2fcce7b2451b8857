// The general-reception guide console (/guide/{site}): issue on a visitor's behalf, check in reservations,
// watch the queue and the printers, reprint and cancel, reinstate a no-show whose visitor came back, and count
// the visitors only directed and the calls taken (tallies); pause a service during an outage and move, send home
// with a slip, or book the visitors who waited for it (guide-pause.js, guide-book.js).
//
// Live from the site socket (a staff session gets the staff projection): the snapshot lists the tickets waiting,
// called and the no-shows, and every event is applied to it (live.js): ticket events carry the ticket and the lines
// with the order the server will call them, so the queue never reads the state again after an event. Printer
// events update the printers and the alerts at once. Nothing polls.

import { api, ApiError, newKey } from "/static/web/api.js";
import { localParts, syncServerTime } from "/static/web/clock.js";
import { $, $all, debounce } from "/static/web/dom.js";
import { applyEvent } from "/static/web/live.js";
import { loadCatalogs, t } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";
import { LiveSocket } from "/static/web/ws.js";
import { TallyPanel } from "/static/office/tallies.js";
import { normalizeCode, validCode } from "./codes.js";
import { checkinText } from "./checkin.js";
import { BookingDialog } from "./guide-book.js";
import { IssuePanel } from "./guide-issue.js";
import { NoticesPanel } from "./guide-notices.js";
import { PausedServices, PauseForm } from "./guide-pause.js";
import { Printers } from "./guide-printers.js";
import { QueueView } from "./guide-queue.js";
import { Reservations } from "./guide-reservations.js";

const boot = JSON.parse(document.body.dataset.boot);
const SITE = boot.site;
const SITE_PATH = `/api/v1/sites/${encodeURIComponent(SITE)}`;
const LANG_KEY = "madoguchi.guide.lang";
const names = Object.fromEntries(boot.services.map((s) => [s.id, s.names]));

const guide = {
  lang: rememberedLanguage(LANG_KEY),
  state: null, // the staff snapshot, kept by the events
};

/** Today's tickets of the site with `status` (the staff snapshot lists those waiting, called or serving, and the
 * no-shows). */
function ticketsWith(status) {
  return (guide.state?.tickets ?? []).filter((ticket) => ticket.status === status);
}

const lang = () => guide.lang;
const serviceName = (id) => (guide.lang === "en" ? names[id]?.en : names[id]?.ja) ?? id;
/** A counter by its label ("3番窓口"), on English screens by its English name ("Counter 3"). */
const counterName = (id, label) => (guide.lang === "en" ? boot.counters?.[id]?.en : boot.counters?.[id]?.ja) ?? label ?? id;

// ---- actions ---------------------------------------------------------------------------------------------

function say(el, text, kind) {
  el.textContent = text;
  el.dataset.kind = kind;
}

/** A session that ended (timeout, logout elsewhere, account disabled): the page reloads into the login form. */
function failed(error) {
  if (error instanceof ApiError && error.status === 401) location.reload();
}

function ticketByNumber(number) {
  return [...ticketsWith("waiting"), ...ticketsWith("called")].find((ticket) => ticket.number === number);
}

async function reprint(ticket) {
  const result = $("#issue-result");
  try {
    const { data } = await api(`/api/v1/tickets/${encodeURIComponent(ticket.id)}/reprint`, { method: "POST" });
    printers.forget(ticket.number);
    say(result, t(guide.lang, "guide.reprinted", { number: ticket.number, printer: printers.name(data.print_job?.printer) }), "ok");
  } catch (error) {
    say(result, t(guide.lang, "guide.error", { detail: error.detail || error.code }), "error");
    failed(error);
  }
}

async function cancel(ticket) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = t(guide.lang, "guide.cancel_confirm", { number: ticket.number, service: serviceName(ticket.service) });
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  if (dialog.returnValue !== "yes") return;
  const result = $("#issue-result");
  try {
    await api(`/api/v1/tickets/${encodeURIComponent(ticket.id)}/cancel`, { method: "POST" });
    say(result, t(guide.lang, "guide.cancelled", { number: ticket.number }), "ok");
  } catch (error) {
    say(result, t(guide.lang, "guide.error", { detail: error.detail || error.code }), "error");
    failed(error);
  }
}

/** The visitor who missed the call came back to reception: the ticket waits again at its old place. */
const reinstating = new Set(); // ticket ids on their way back: a second click does nothing

async function reinstate(ticket) {
  if (reinstating.has(ticket.id)) return;
  reinstating.add(ticket.id);
  const result = $("#issue-result");
  try {
    await api(`/api/v1/tickets/${encodeURIComponent(ticket.id)}/reinstate`, { method: "POST", key: newKey("guide") });
    say(result, t(guide.lang, "guide.reinstated", { number: ticket.number }), "ok");
  } catch (error) {
    say(result, t(guide.lang, "guide.error", { detail: error.detail || error.code }), "error");
    failed(error);
  } finally {
    reinstating.delete(ticket.id);
  }
}

async function checkIn(rawCode) {
  const result = $("#checkin-result");
  const code = normalizeCode(rawCode);
  if (!validCode(code)) {
    say(result, t(guide.lang, "checkin.invalid"), "error");
    return;
  }
  say(result, t(guide.lang, "checkin.checking"), "info");
  try {
    const { data } = await api(`${SITE_PATH}/checkins`, { method: "POST", body: { code } });
    say(result, t(guide.lang, "guide.checkin_done", { number: data.number, code }), "ok");
    $("#checkin-code").value = "";
    reservations.load(guide.state?.business_date);
  } catch (error) {
    say(result, checkinText(guide.lang, error), "error");
    failed(error);
  }
}

// ---- views -----------------------------------------------------------------------------------------------

const issuePanel = new IssuePanel(
  {
    priority: $("#priority"),
    langs: $all("[data-visitor-lang]"),
    print: $("#print"),
    services: $("#issue-services"),
    closed: $("#issue-closed"),
    result: $("#issue-result"),
  },
  { site: SITE, lang, serviceName, onIssued: () => {}, onError: failed },
);
const queue = new QueueView($("#queue"), $("#calling"), $("#no-shows"), {
  lang,
  serviceName,
  counterName,
  onReprint: reprint,
  onCancel: cancel,
  onReinstate: reinstate,
});
const printers = new Printers($("#printers"), $("#alerts"), {
  lang,
  canReprint: (number) => Boolean(ticketByNumber(number)),
  onReprint: (number) => reprint(ticketByNumber(number)),
});
const reservations = new Reservations($("#reservations"), $("#reservation-search"), {
  lang,
  site: SITE,
  serviceName,
  onCheckIn: (code) => checkIn(code),
  onError: failed,
});

// a visitor only directed (案内のみ) or a phone call taken at the desk, counted with one touch
const tallies = new TallyPanel(
  { topics: $("#tally-topics"), kinds: $("#tally-kinds"), total: $("#tally-total"), undo: $("#tally-undo"), result: $("#tally-result") },
  { site: () => SITE, lang, kinds: ["guide", "phone"], onError: failed },
);

const pauseForm = new PauseForm(
  { form: $("#pause-form"), service: $("#pause-service"), reasonJa: $("#pause-reason-ja"), reasonEn: $("#pause-reason-en"), result: $("#pause-result") },
  { site: SITE, lang, serviceName, onError: failed },
);
const booking = new BookingDialog(
  {
    dialog: $("#book"), form: $("#book-form"), title: $("#book-title"), service: $("#book-service"), date: $("#book-date"),
    slot: $("#book-slot"), name: $("#book-name"), phone: $("#book-phone"), result: $("#book-result"), close: $("#book-close"),
    submit: $("#book-submit"),
  },
  {
    site: SITE, lang, serviceName, today: () => guide.state?.business_date, onError: failed,
    onDone: (text) => {
      if (text) say($("#paused-result"), text, "ok");
    },
  },
);
const pausedServices = new PausedServices($("#paused-services"), {
  site: SITE, lang, serviceName, onError: failed, onChanged: () => render(), onBook: (ticket) => booking.open(ticket),
  say: (text, kind) => say($("#paused-result"), text, kind),
});

// managers and admins only: the panel is in the page only for them
const notices = $("#notice-form")
  ? new NoticesPanel(
      { form: $("#notice-form"), text: $("#notice-text"), textEn: $("#notice-text-en"), list: $("#notices"), result: $("#notice-result") },
      { site: SITE, lang, onError: failed },
    )
  : null;

function render() {
  notices?.load(guide.state?.notices);
  tallies.render();
  issuePanel.render(guide.state);
  pauseForm.render(guide.state);
  pausedServices.render(guide.state, ticketsWith("waiting"));
  queue.render(guide.state, ticketsWith("waiting"), ticketsWith("no_show"));
  printers.render();
  reservations.render();
  const date = guide.state?.business_date;
  $("#business-date").textContent = date ? new Intl.DateTimeFormat(guide.lang === "en" ? "en-GB" : "ja-JP-u-ca-japanese", { dateStyle: "full", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`)) : "";
}

/** The staff language changed (the top bar is retranslated already): the site's name and what the views drew. */
function languageChanged(code) {
  guide.lang = code;
  $("#site-name").textContent = boot.site_names[code] ?? boot.site_names.ja;
  render();
}

// ---- data ------------------------------------------------------------------------------------------------

/** The staff snapshot of the socket (its connect, or a reconnect beyond the kept history). */
function useSnapshot(state) {
  const dateChanged = reservations.date !== state.business_date;
  guide.state = state;
  render();
  if (dateChanged) reservations.load(state.business_date);
}

const refreshPrinters = debounce(async () => {
  try {
    const { data } = await api(`/api/v1/printers?site=${encodeURIComponent(SITE)}`);
    printers.load(data);
  } catch (error) {
    failed(error);
  }
}, 300);

function onEvent(message) {
  guide.state = applyEvent(guide.state, message);
  if (message.type === "notice.changed") {
    notices?.load(message.notices);
    return;
  }
  if (message.type === "reservation.changed") {
    reservations.changed(message);
    return;
  }
  if (message.type === "tally.changed") {
    tallies.changed(message);
    return;
  }
  if (message.type === "printer.changed") {
    printers.changed(message);
    issuePanel.jobChanged(message.job);
    refreshPrinters();
    return;
  }
  if (message.type?.startsWith("ticket.") || ["counter.changed", "day.closed", "service.changed", "calendar.changed"].includes(message.type)) {
    render();
  }
}

/** The server's time of day (a training clock runs from its own start), in the site's time zone. */
function tick() {
  $("#clock").textContent = localParts().time;
}

function onStatus(status) {
  $("#connection").hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
  if (status === "live") {
    refreshPrinters();
    reservations.reload(); // bookings made while the socket was down
    tallies.load(); // and counts
  }
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  tick();
  setInterval(tick, 1000);
  await loadCatalogs(boot.languages);
  const setStaffLanguage = wireStaffHead(LANG_KEY, languageChanged);
  $("#checkin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    checkIn($("#checkin-code").value);
  });
  setStaffLanguage(guide.lang);
  new LiveSocket(`/ws/v1/sites/${encodeURIComponent(SITE)}`, {
    onSnapshot: useSnapshot,
    onEvent,
    onStatus,
    onDenied: () => location.reload(),
  }).start();
  document.body.dataset.ready = "true";
}

start();
