// The reception kiosk (/kiosk/{site}): choose a service, get a numbered ticket; or check in a reservation.
//
// Live: the site socket's snapshot, then events, applied to it (live.js): ticket and counter events carry the
// waiting lines they changed, a calendar event today's opening, so the kiosk never reads the state again after an
// event. No polling: the only timers are the ones that change the screen at a known time (last ticket, next
// opening, inactivity); then the socket is asked for a fresh snapshot.
//
// One touch, one ticket: a touch makes an idempotency key, and any retry of that touch (no answer, store
// down, server restarting) sends the same key, so the server returns the same ticket instead of a second.
// Further touches are ignored while a ticket is being issued.

import { api, newKey, retryable } from "/static/web/api.js";
import { msUntil, localParts, syncServerTime } from "/static/web/clock.js";
import { $ } from "/static/web/dom.js";
import { htmlLang, loadCatalogsPatiently, t, translateTree } from "/static/web/i18n.js";
import { noticesOf, renderNotices } from "/static/web/notices.js";
import { applyEvent } from "/static/web/live.js";
import { pauseReasons } from "/static/web/paused.js";
import { withCountersOpen } from "/static/web/serving.js";
import { LiveSocket } from "/static/web/ws.js";
import { CheckInPanel, isCodeKey } from "./checkin.js";
import { nextOpening, renderClosed } from "./closed.js";
import { IdleTimer } from "./lockdown.js";
import { localName, ServiceGrid } from "./services.js";
import { TicketScreen } from "./ticket.js";

const boot = JSON.parse(document.body.dataset.boot);
const SITE = boot.site;
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];
const NOTICE_MS = 12000;
const RECENT_JOBS = 50;

const kiosk = {
  lang: "ja",
  state: null,
  live: false,
  busy: false,
  pending: null, // {service, key}: the touch whose answer has not come yet
  jobs: new Map(), // print job id -> latest state, for jobs whose events beat the issue answer
  next: undefined, // next opening (undefined: not looked up yet)
  timer: null,
  socket: null,
};

const names = Object.fromEntries(boot.services.map((s) => [s.id, s.names]));
const SITE_NAME = $("#site-name").textContent;
const inquiries = new Set(boot.services.filter((s) => s.inquiry).map((s) => s.id));
const grid = new ServiceGrid($("#services"), names, (id) => issue(id), { apart: $("#inquiries"), inquiries });
const ticketScreen = new TicketScreen(
  {
    root: $("#ticket"),
    title: $("#ticket-title"),
    number: $("#ticket-number"),
    service: $("#ticket-service"),
    serviceLocal: $("#ticket-service-local"),
    ahead: $("#ticket-ahead"),
    estimate: $("#ticket-estimate"),
    paused: $("#ticket-paused"),
    print: $("#ticket-print"),
    qr: $("#ticket-qr"),
    close: $("#ticket-close"),
  },
  { onClose: () => setLanguage("ja") },
);
const checkIn = new CheckInPanel(
  {
    root: $("#checkin"),
    form: $("#checkin-form"),
    input: $("#checkin-code"),
    keys: $("#checkin-keys"),
    message: $("#checkin-message"),
    back: $("#checkin-back"),
    submit: $("#checkin-submit"),
    walkIn: $("#checkin-walkin"),
  },
  {
    site: SITE,
    lang: () => kiosk.lang,
    serviceLabel: (id, lang) => localName(names[id] ?? {}, lang) || names[id]?.ja || id,
    onTicket: (data) => showTicket(data, "checked_in"),
    onWalkIn: (service) => issue(service), // too late for the reservation: a regular ticket of its service
    onClose: () => {},
  },
);

// ---- language -------------------------------------------------------------------------------------------

function setLanguage(lang) {
  kiosk.lang = lang;
  document.documentElement.lang = htmlLang(lang);
  for (const button of document.querySelectorAll(".k-lang")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
  translateTree(document, lang);
  render();
}

function onIdle() {
  if (ticketScreen.isOpen) return; // it closes by itself, and then returns to Japanese
  checkIn.close();
  if (kiosk.lang !== "ja") setLanguage("ja");
}

// ---- state ----------------------------------------------------------------------------------------------

/** The lines offered now, each with how many open counters serve it (the snapshot's counters, kept by events). */
function offered(state) {
  return withCountersOpen(
    (state?.services ?? []).filter((line) => line.available_now),
    state?.counters,
  );
}

/** The place in the heading: the site, or on an outreach event's day its venue (「出張申請会場：イオンモール福津」),
 * in Japanese and, below it, in the visitor's language. */
function renderPlace(venue) {
  const lang = kiosk.lang;
  $("#site-name").textContent = venue ? t("ja", "kiosk.venue", { venue }) : SITE_NAME;
  const local = $("#site-local");
  const name = venue ? t(lang, "kiosk.venue", { venue }) : (boot.site_names[lang] ?? boot.site_names.en ?? "");
  local.textContent = lang === "ja" ? "" : name;
  local.lang = htmlLang(lang);
  local.hidden = !local.textContent;
}

function render() {
  const state = kiosk.state;
  renderPlace(state?.today?.venue);
  $("#status").hidden = Boolean(state);
  if (!state) return;
  renderNotices($("#notices"), $("#notices-list"), noticesOf(state), kiosk.lang);
  const open = state.open && offered(state).length > 0;
  document.body.dataset.open = String(open);
  $("#services").hidden = !open;
  $("#choose").hidden = !open;
  $("#closed").hidden = open;
  $("#checkin-open").hidden = !open;
  $("#offline").hidden = kiosk.live;
  $("#inquiries").hidden = true; // until the grid knows it has some
  if (open) grid.render(offered(state), kiosk.lang);
  else renderClosedState();
  if (!open && checkIn.isOpen) checkIn.close();
}

function renderClosedState() {
  const elements = {
    title: $("#closed-title"),
    next: $("#closed-next"),
    nextAt: $("#closed-next-at"),
    hours: $("#closed-hours"),
    ask: $("#closed-ask"),
  };
  renderClosed(elements, { lang: kiosk.lang, today: kiosk.state.today, next: kiosk.next ?? null });
  if (kiosk.state.open) elements.title.textContent = t(kiosk.lang, "kiosk.no_services"); // open, but nothing offered
  if (kiosk.next === undefined) lookUpNextOpening();
}

async function lookUpNextOpening() {
  kiosk.next = null;
  try {
    kiosk.next = await nextOpening(SITE, kiosk.state.today);
  } catch {
    kiosk.next = undefined; // try again at the next render
    return;
  }
  render();
  scheduleChange();
}

function applyState(state) {
  const wasOpen = kiosk.state?.open;
  kiosk.state = state;
  if (wasOpen !== state.open) kiosk.next = undefined;
  render();
  scheduleChange();
}

/** Refresh by itself when the screen must change at a known time: the last ticket, the next opening, midnight. */
function scheduleChange() {
  clearTimeout(kiosk.timer);
  const today = kiosk.state?.today;
  let at = "24:00";
  if (kiosk.state?.open && today?.last_ticket_at) at = today.last_ticket_at;
  else if (kiosk.next && kiosk.next.date === localParts().date) at = kiosk.next.opens_at;
  const wait = Math.max(1000, msUntil(at) + 1000);
  kiosk.timer = setTimeout(() => {
    kiosk.next = undefined;
    refresh();
  }, wait);
}

/** A fresh snapshot from the socket: the day changed with the clock, or issuing was refused (closed, paused). */
function refresh() {
  kiosk.socket?.requestSnapshot();
}

// ---- live -----------------------------------------------------------------------------------------------

function onEvent(message) {
  if (message.type === "printer.changed" && message.job) {
    kiosk.jobs.set(message.job.id, message.job.state);
    if (kiosk.jobs.size > RECENT_JOBS) kiosk.jobs.delete(kiosk.jobs.keys().next().value);
    ticketScreen.jobChanged(message.job);
    return;
  }
  if (!kiosk.state) return;
  const next = applyEvent(kiosk.state, message);
  if (message.type === "calendar.changed") {
    kiosk.next = undefined; // an admin changed the calendar: today's hours or the next opening may have moved
    applyState(next);
  } else if (next.open !== kiosk.state.open) {
    applyState(next); // the day was closed
  } else {
    const changed = next.services !== kiosk.state.services || next.notices !== kiosk.state.notices || next.counters !== kiosk.state.counters;
    kiosk.state = next;
    if (changed) render();
  }
}

function onStatus(status) {
  kiosk.live = status === "live";
  const banner = $("#connection");
  banner.hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
  render();
}

// ---- issuing --------------------------------------------------------------------------------------------

let noticeTimer = null;

function notice(key, ...more) {
  const el = $("#notice");
  clearTimeout(noticeTimer);
  el.textContent = key ? [t(kiosk.lang, key), ...more].join("\n") : "";
  el.hidden = !key;
  if (key) noticeTimer = setTimeout(() => notice(""), NOTICE_MS);
}

/** The pause of `service` now ({reason_ja, reason_en, since}), or null while it issues tickets. */
function pauseOf(service) {
  const line = kiosk.state?.services?.find((l) => l.id === service);
  return line?.paused ? line.pause : null;
}

const ERRORS = {
  site_closed: "error.site_closed",
  service_unavailable: "error.service_unavailable",
  rate_limited: "error.rate_limited",
  service_paused: "error.service_paused",
};

/** Send the same request again while the server cannot answer; the idempotency key makes that safe. */
async function withRetries(send) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (!retryable(error) || attempt >= RETRY_DELAYS_MS.length) throw error;
      notice("kiosk.retrying");
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}

async function issue(service) {
  if (kiosk.busy || !kiosk.live || ticketScreen.isOpen) return;
  if (pauseOf(service)) {
    notice("error.service_paused", ...pauseReasons(pauseOf(service), kiosk.lang));
    return;
  }
  kiosk.busy = true;
  grid.setBusy(service, t(kiosk.lang, "kiosk.issuing"));
  const key = kiosk.pending?.service === service ? kiosk.pending.key : newKey("kiosk");
  kiosk.pending = { service, key };
  const body = { service, lang: kiosk.lang, idempotency_key: key, print: true };
  try {
    const { data } = await withRetries(() =>
      api(`/api/v1/sites/${encodeURIComponent(SITE)}/tickets`, { method: "POST", body }),
    );
    kiosk.pending = null;
    notice("");
    showTicket(data, "issued");
  } catch (error) {
    if (!retryable(error)) kiosk.pending = null; // refused: nothing was issued under that key
    notice(retryable(error) ? "error.network" : (ERRORS[error.code] ?? "error.generic"), ...pauseReasons(error.body?.reason_ja ? error.body : null, kiosk.lang));
    if (error.status === 401 || error.status === 403) location.reload();
    if (["site_closed", "service_unavailable", "service_paused"].includes(error.code)) refresh();
  } finally {
    kiosk.busy = false;
    grid.setBusy(null);
    render();
  }
}

function showTicket(data, kind) {
  const jobState = data.print_job ? (kiosk.jobs.get(data.print_job.id) ?? data.print_job.state) : "none";
  const pause = pauseOf(data.service); // a reservation is checked in while its service is paused
  ticketScreen.open(data, { lang: kiosk.lang, names: names[data.service] ?? { ja: data.service }, kind, jobState, pause });
}

// ---- keys: a scanner types the code and Enter --------------------------------------------------------

function onKey(event) {
  if (ticketScreen.isOpen) return;
  if (checkIn.isOpen) {
    checkIn.handleKey(event);
    return;
  }
  if (!$("#checkin-open").hidden && isCodeKey(event)) {
    event.preventDefault();
    checkIn.open(event.key);
  }
}

// ---- start ----------------------------------------------------------------------------------------------

async function loadTexts() {
  await loadCatalogsPatiently(boot.languages);
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  await loadTexts();
  for (const button of document.querySelectorAll(".k-lang")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  $("#checkin-open").addEventListener("click", () => checkIn.open());
  document.addEventListener("keydown", onKey);
  new IdleTimer(boot.idle_ms, onIdle);
  setLanguage("ja");
  kiosk.socket = new LiveSocket(`/ws/v1/sites/${encodeURIComponent(SITE)}`, {
    onSnapshot: applyState,
    onEvent,
    onStatus,
    onDenied: () => setTimeout(() => location.reload(), 2000),
  }).start();
  document.body.dataset.ready = "true";
}

start();
