// The visitor's phone page (/t/{token}), opened from the QR code on the ticket: the number, the service, people
// ahead and the estimated wait, live; when the number is called, a full-screen 「番号が呼ばれました — 3番窓口へ
// お越しください」 with a vibration and a chime where the phone allows them; and what happened when it is over.
//
// Live from the ticket's own socket (/ws/v1/tickets/{token}): a snapshot of the ticket's status, then
// `ticket.status` whenever it changes and the ticket's own events (a recall changes no status, but is an
// event). A locked phone freezes the page and may keep a dead socket: when the page is shown again (visibility,
// focus, back-forward cache) it reconnects at once and gets a fresh snapshot. The token is the only key; the
// page shows no personal data. A no-show that reception reinstates (the visitor came back) waits again: the page
// says so under the place in line.

import { syncServerTime, serverNow } from "/static/web/clock.js";
import { $ } from "/static/web/dom.js";
import { htmlLang, loadCatalogs, loadCatalogsPatiently, t, translateTree } from "/static/web/i18n.js";
import { setPhrased } from "/static/web/linebreak.js";
import { pauseReasons } from "/static/web/paused.js";
import { LiveSocket } from "/static/web/ws.js";
import { scheduleChime } from "./voice.js";

const boot = JSON.parse(document.body.dataset.boot);
const counters = new Map(boot.counters.map((c) => [c.id, c]));
const services = new Map(boot.services.map((s) => [s.id, s]));
const FINAL = new Set(["done", "no_show", "cancelled", "unserved"]);
const VIBRATION = [400, 200, 400, 200, 800];
const RESYNC_GAP_MS = 1000;

const visitor = {
  lang: boot.lang,
  status: boot.status,
  socket: null,
  audio: null, // AudioContext, made on a touch (phones allow sound only after one)
  alerts: false,
  lastResync: 0,
  reinstated: false, // went from no-show back to waiting while this page was open
};

// ---- language ---------------------------------------------------------------------------------------------

function setLanguage(lang, { remember = true } = {}) {
  visitor.lang = lang;
  document.documentElement.lang = htmlLang(lang);
  for (const button of document.querySelectorAll(".v-lang")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
  if (remember) {
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
  }
  translateTree(document, lang);
  render();
}

// ---- rendering --------------------------------------------------------------------------------------------

function counterNumber(status) {
  const known = counters.get(status.counter)?.number;
  if (Number.isInteger(known)) return known;
  const digits = /\d+/.exec(status.counter_label ?? "");
  return digits ? Number(digits[0]) : "";
}

function serviceName(id, lang) {
  const names = services.get(id)?.names ?? {};
  return names[lang] ?? names.en ?? names.ja ?? id;
}

function text(el, value) {
  el.textContent = value ?? "";
  el.hidden = !value;
}

/** A sentence that may wrap: Japanese breaks between phrases (never 「、」 at the start of a line). */
function sentence(el, value) {
  setPhrased(el, value ?? "");
  el.hidden = !value;
}

/** A finished ticket's headline and what to do next, by its outcome (unknown or none: the generic ones). */
const OUTCOMES = {
  completed: ["visitor.outcome.completed", "visitor.next.completed"],
  missing_documents: ["visitor.outcome.missing_documents", "visitor.next.missing_documents"],
  referred_to_city: ["visitor.outcome.referred_to_city", "visitor.next.referred_to_city"],
  guidance_only: ["visitor.outcome.guidance_only", "visitor.next.guidance_only"],
  other: ["visitor.outcome.other", "visitor.next.other"],
};

const HEADLINES = {
  waiting: "visitor.waiting",
  serving: "visitor.serving",
  done: "visitor.done",
  no_show: "visitor.no_show",
  cancelled: "visitor.cancelled",
  unserved: "visitor.unserved",
};

function render() {
  const status = visitor.status;
  const lang = visitor.lang;
  document.body.dataset.status = status.status;
  $("#number").textContent = status.number;
  $("#called-number").textContent = status.number;
  setPhrased($("#service"), serviceName(status.service, "ja"));
  const local = $("#service-local");
  local.textContent = lang === "ja" ? "" : serviceName(status.service, lang);
  local.lang = htmlLang(lang);
  local.hidden = !local.textContent;
  const venue = status.venue; // an outreach event's venue names the place: 「出張申請会場：イオンモール福津」
  setPhrased($("#site"), venue ? t(lang, "kiosk.venue", { venue }) : (boot.site_names[lang] ?? boot.site_names.ja ?? ""));

  const waiting = status.status === "waiting";
  sentence($("#headline"), t(lang, headlineKey(status)));
  text($("#ahead"), waiting ? aheadText(status, lang) : status.status === "serving" ? t(lang, "visitor.serving_at", { counter: counterNumber(status) }) : "");
  sentence($("#estimate"), waiting ? estimateText(status, lang) : "");
  document.body.dataset.outcome = status.status === "done" ? (status.outcome ?? "") : "";
  sentence($("#more"), moreText(status, lang));
  renderPause(status, lang);
  $("#alert").hidden = FINAL.has(status.status) || status.status === "serving";
  $("#alert").textContent = t(lang, visitor.alerts ? "visitor.alert_on" : "visitor.alert_enable");
  $("#alert").setAttribute("aria-pressed", String(visitor.alerts));

  const called = status.status === "called";
  $("#called").hidden = !called;
  document.body.classList.toggle("v-is-called", called);
  if (called) {
    const counter = counterNumber(status);
    $("#called-go").textContent = t(lang, "visitor.go_to", { counter });
    text($("#called-ja"), lang === "ja" ? "" : `${t("ja", "visitor.called")} — ${t("ja", "visitor.go_to", { counter })}`);
  } else {
    $("#called-again").hidden = true;
  }
  $("#updated").textContent = t(lang, "visitor.updated", { time: clockText() });
}

/** The ticket's service is paused (an upstream outage): say so and why, while the ticket waits. */
function renderPause(status, lang) {
  const pause = status.status === "waiting" ? status.pause : null;
  $("#paused").hidden = !pause;
  if (!pause) return;
  $("#paused-title").textContent = t(lang, "visitor.paused", { service: serviceName(status.service, lang) });
  const [ja, local] = pauseReasons(pause, lang);
  text($("#paused-reason"), t(lang, "visitor.paused_reason", { reason: lang === "ja" || lang === "ja-easy" || !local ? ja : local }));
  text($("#paused-reason-ja"), local ? t("ja", "visitor.paused_reason", { reason: ja }) : "");
  $("#paused-wait").textContent = t(lang, "visitor.paused_wait");
}

function headlineKey(status) {
  if (status.status === "done") return OUTCOMES[status.outcome]?.[0] ?? "visitor.done";
  return HEADLINES[status.status] ?? "visitor.waiting";
}

/** No counter serving the service is open (`counters_open` 0): nobody is called "shortly", whatever the line. */
function noCounter(status) {
  return status.counters_open === 0;
}

function aheadText(status, lang) {
  if (status.waiting_ahead > 0) return t(lang, "ticket.ahead", { n: status.waiting_ahead });
  return noCounter(status) ? "" : t(lang, "ticket.ahead_none");
}

function estimateText(status, lang) {
  if (noCounter(status)) return t(lang, "ticket.no_counter");
  return status.waiting_ahead > 0 && status.estimated_wait_min > 0 ? t(lang, "ticket.estimate", { min: status.estimated_wait_min }) : "";
}

/** What happens next: for a finished ticket, by how it ended. */
function moreText(status, lang) {
  if (status.status === "waiting" && visitor.reinstated) return t(lang, "visitor.reinstated");
  if (status.status === "done") return t(lang, OUTCOMES[status.outcome]?.[1] ?? "visitor.done_body");
  if (status.status === "unserved") return t(lang, "visitor.unserved_body");
  if (status.status === "no_show") return t(lang, "visitor.next.no_show");
  if (status.status === "cancelled") return t(lang, "visitor.next.cancelled");
  return "";
}

function clockText() {
  return new Intl.DateTimeFormat("ja-JP", { hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone: boot.timezone }).format(
    serverNow(),
  );
}

// ---- alerts: vibration and chime --------------------------------------------------------------------------

function enableAlerts() {
  visitor.alerts = true;
  try {
    visitor.audio ??= new AudioContext();
    visitor.audio.resume().catch(() => {});
  } catch {
    visitor.audio = null; // no Web Audio: vibration only
  }
  navigator.vibrate?.(60); // a short buzz says it works (and unlocks vibration on some phones)
  render();
}

function alertVisitor() {
  document.body.dataset.alerted = String(Number(document.body.dataset.alerted ?? "0") + 1);
  try {
    navigator.vibrate?.(VIBRATION);
  } catch {
    // not allowed before a touch: the full-screen view is there anyway
  }
  const ctx = visitor.audio;
  if (ctx && ctx.state === "running") scheduleChime(ctx, ctx.destination, ctx.currentTime + 0.05);
}

// ---- live -------------------------------------------------------------------------------------------------

function apply(status, { recalled = false } = {}) {
  const before = visitor.status?.status;
  if (before === "no_show" && status.status === "waiting") visitor.reinstated = true;
  visitor.status = { ...visitor.status, ...status };
  render();
  if (status.status === "called" && (before !== "called" || recalled)) alertVisitor();
}

function onEvent(message) {
  if (message.type === "ticket.status" && message.state) {
    apply(message.state);
    return;
  }
  if (message.type === "ticket.recalled" && message.ticket?.number === visitor.status.number) {
    visitor.status = { ...visitor.status, status: "called", counter: message.ticket.counter, counter_label: message.ticket.counter_label };
    render();
    $("#called-again").hidden = false;
    alertVisitor();
  }
}

function onStatus(status) {
  $("#connection").hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
}

/** The page is shown again (phone unlocked, tab back): reconnect now and take a fresh snapshot. */
function resync() {
  if (document.visibilityState === "hidden" || !visitor.socket) return;
  const now = Date.now();
  if (now - visitor.lastResync < RESYNC_GAP_MS) return; // focus and visibilitychange come together
  visitor.lastResync = now;
  document.body.dataset.resyncs = String(Number(document.body.dataset.resyncs ?? "0") + 1);
  if (visitor.socket.status === "denied") return;
  visitor.socket.resync();
}

// ---- start ------------------------------------------------------------------------------------------------

async function loadTexts() {
  await loadCatalogsPatiently([...new Set(["ja", "en", visitor.lang])]);
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  await loadTexts();
  for (const button of document.querySelectorAll(".v-lang")) {
    button.addEventListener("click", async () => {
      await loadCatalogs([button.dataset.lang]).catch(() => {});
      setLanguage(button.dataset.lang);
    });
  }
  $("#alert").addEventListener("click", enableAlerts);
  setLanguage(visitor.lang, { remember: false });
  visitor.socket = new LiveSocket(
    `/ws/v1/tickets/${encodeURIComponent(boot.token)}`,
    {
      onSnapshot: (state) => apply(state),
      onEvent,
      onStatus,
      onDenied: () => setTimeout(() => location.reload(), 1000), // the ticket is gone: the page says so
    },
    { strictSeq: false },
  ).start();
  document.addEventListener("visibilitychange", resync);
  window.addEventListener("focus", resync);
  window.addEventListener("pageshow", (event) => event.persisted && resync());
  document.body.dataset.ready = "true";
}

start();
