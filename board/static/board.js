// The waiting-room display board (/board/{site}?area=&audio=): the numbers being called now with their counters
// (the newest highlighted, blinking for a few seconds), the last calls, people waiting and estimated waits per
// service, a notice ticker, the date and the server's clock; and every call announced (chime + Japanese voice,
// optionally English) through a queue, and also written on the screen.
//
// Live from the site socket only: the snapshot, then each event once in `seq` order; after a server or store
// restart the socket reconnects with `since` and receives the calls made meanwhile. Push only: ticket and counter
// events carry the waiting lines they changed (people waiting, the estimate), a calendar event today's opening, so
// the board never reads the state again after an event (live.js applies them). Nothing polls. With `?area=` only
// the counters of that area are shown and announced.
//
// The calls on screen are of one business date (numbers restart every day: yesterday's P002 is not today's). A
// board left on overnight lets them go when the date changes: at the first minute of a new date by the server's
// clock (it then asks its socket for the snapshot of the new date), on `day.closed` of its date, and with any
// snapshot.

import { localParts, serverNow, syncServerTime } from "/static/web/clock.js";
import { $, debounce, h } from "/static/web/dom.js";
import { loadCatalogsPatiently, t } from "/static/web/i18n.js";
import { phrased, setPhrased } from "/static/web/linebreak.js";
import { noticeText, noticesOf } from "/static/web/notices.js";
import { applyEvent } from "/static/web/live.js";
import { pausedLines } from "/static/web/paused.js";
import { NO_COUNTER, withCountersOpen } from "/static/web/serving.js";
import { LiveSocket } from "/static/web/ws.js";
import { Announcer } from "./announcer.js";
import { callParts, localEnglishVoice, speak, spokenNumber, VoicePlayer } from "./voice.js";

const boot = JSON.parse(document.body.dataset.boot);
const SITE = boot.site;
const AUDIO = boot.audio; // voice | chime | silent
const TICKER_PX_PER_S = 110;
const FIT_LEVELS = 5; // board.css "Fit levels"
const NAMES_SHOWN_MS = { ja: 8000, en: 5000 }; // how long each language's service names stay when they take turns

const counters = new Map(boot.counters.map((c) => [c.id, c]));
const serviceNames = new Map(boot.services.map((s) => [s.id, s]));

const board = {
  businessDate: null, // of the calls on screen
  calling: new Map(), // counter id -> {number, service, counter, counter_label, called_at, rank}
  recent: [], // newest first: {number, counter, counter_label, called_at, recall?}
  services: [],
  counters: [], // the snapshot's, kept by counter.changed: which services an open counter serves
  notices: [],
  pausesShown: "", // the paused services the ticker shows (pausesKey)
  rank: 0,
  live: false,
  blink: new Map(), // counter id -> {number, timer} of the call blinking there
  captioned: null, // {counter, number} of the call the caption says
  socket: null,
};

function inArea(counterId) {
  return !boot.area || counters.get(counterId)?.area === boot.area;
}

function counterNumber(counterId, label) {
  const known = counters.get(counterId)?.number;
  if (Number.isInteger(known)) return known;
  const digits = /\d+/.exec(label ?? "");
  return digits ? Number(digits[0]) : null;
}

function counterLabel(entry) {
  return entry.counter_label || counters.get(entry.counter)?.label || entry.counter;
}

/** The counter's English name from the configuration (`name_en`), or undefined when it has none. */
function counterNameEn(entry) {
  return counters.get(entry.counter)?.name_en;
}

/** The counter's English line: its `name_en`, or "Counter 3". */
function counterEnglish(entry) {
  return counterNameEn(entry) || t("en", "board.counter", { n: counterNumber(entry.counter, entry.counter_label) ?? "" });
}

// ---- sound ------------------------------------------------------------------------------------------------

const player =
  AUDIO === "silent"
    ? null
    : new VoicePlayer(boot.voice, {
        onBlocked: () => showSoundButton(true),
        onRunning: () => showSoundButton(false),
      });

function showSoundButton(visible) {
  $("#sound-enable").hidden = !visible;
  document.body.dataset.sound = visible ? "blocked" : "on";
}

async function playAnnouncement(item) {
  if (!player) return { ended: "silent" };
  const result = await player.play(item.parts, { voice: AUDIO === "voice" });
  if (AUDIO === "voice" && !result.muted) {
    const english = localEnglishVoice();
    if (english) await speak(item.speechEn, english);
  }
  return result;
}

function isCalling(item) {
  return board.calling.get(item.counter)?.number === item.number;
}

const announcer = new Announcer(
  { log: $("#announce-log"), body: document.body },
  { play: playAnnouncement, isCurrent: isCalling, onStart: (item) => caption(item) },
);

/** The sentence of a call (or recall) at its counter, in Japanese and English, and the English one to speak. */
function callTexts(entry, kind) {
  const number = counterNumber(entry.counter, entry.counter_label);
  const params = { number: entry.number, counter: number ?? counterLabel(entry) };
  const key = kind === "recall" ? "board.recall_text" : "board.call_text";
  // the English sentence names the counter as its English line does: by its name_en when it has one
  const nameEn = counterNameEn(entry);
  const [keyEn, paramsEn] = nameEn ? [`${key}_named`, { ...params, name: nameEn }] : [key, params];
  return {
    text: t("ja", key, params),
    textEn: t("en", keyEn, paramsEn),
    speechEn: t("en", keyEn, { ...paramsEn, number: spokenNumber(entry.number) }),
  };
}

/** Under the calls, the sentence being announced (`item`), or none. */
function caption(item) {
  board.captioned = item ? { counter: item.counter, number: item.number } : null;
  $("#caption-ja").textContent = item?.text ?? "";
  $("#caption-en").textContent = item?.textEn ?? "";
  $("#caption").hidden = !item;
}

/** The caption follows the calls: when the call it says is no longer being called (the visitor came, the ticket
 * went back to its line, a no-show, a cancel, another number called at that counter, a new date), it says the
 * newest call still on screen instead, or nothing when no number is being called. */
function followCalls() {
  if (board.captioned && isCalling(board.captioned)) return;
  const newest = callingInOrder()[0];
  caption(newest ? { counter: newest.counter, number: newest.number, ...callTexts(newest, "call") } : null);
}

function announce(entry, kind) {
  announcer.enqueue({
    number: entry.number,
    counter: entry.counter,
    kind,
    ...callTexts(entry, kind),
    parts: callParts(entry.number, counterNumber(entry.counter, entry.counter_label), kind),
  });
}

// ---- rendering --------------------------------------------------------------------------------------------

function callingInOrder() {
  return [...board.calling.values()].sort((a, b) => b.rank - a.rank);
}

function callItem(entry) {
  return h(
    "li",
    { class: "b-call", dataset: { number: entry.number, counter: entry.counter } },
    h("span", { class: "b-call-number" }, entry.number),
    h("span", { class: "b-call-arrow", "aria-hidden": "true" }, "→"),
    h(
      "span",
      { class: "b-call-counter" },
      h("span", { class: "b-call-label" }, counterLabel(entry)),
      h("span", { class: "b-call-en", lang: "en" }, counterEnglish(entry)),
    ),
  );
}

/** One item per call, kept while the call is on screen (re-made items would restart their blinking). */
function renderCalls() {
  const list = $("#calls");
  const calls = callingInOrder();
  const items = new Map([...list.children].map((li) => [`${li.dataset.counter} ${li.dataset.number}`, li]));
  const wanted = calls.map((entry, index) => {
    const key = `${entry.counter} ${entry.number}`;
    const li = items.get(key) ?? callItem(entry);
    items.delete(key);
    li.classList.toggle("newest", index === 0);
    li.classList.toggle("blink", board.blink.get(entry.counter)?.number === entry.number);
    li.dataset.newest = String(index === 0);
    return li;
  });
  for (const li of items.values()) li.remove();
  if (wanted.some((li, index) => list.children[index] !== li)) list.replaceChildren(...wanted);
  list.dataset.count = String(calls.length);
  $("#calls-none").hidden = calls.length > 0 || !board.live;
  followCalls();
}

/** Earlier calls, newest first, one per number: the numbers being called now are already on the screen. */
function recentCalls() {
  const onScreen = new Set([...board.calling.values()].map((entry) => entry.number));
  const seen = new Set();
  const out = [];
  for (const call of board.recent) {
    if (!inArea(call.counter) || seen.has(call.number) || onScreen.has(call.number)) continue;
    seen.add(call.number);
    out.push(call);
    if (out.length >= boot.recent) break;
  }
  return out;
}

function renderRecent() {
  const calls = recentCalls();
  $("#recent").replaceChildren(
    ...calls.map((call) =>
      h(
        "li",
        { class: "b-recent-call", dataset: { number: call.number, counter: call.counter } },
        h("span", { class: "b-recent-number" }, call.number),
        h("span", { class: "b-recent-counter" }, counterLabel(call)),
      ),
    ),
  );
  if (!calls.length && board.calling.size === 0) {
    $("#recent").append(h("li", { class: "b-recent-none" }, t("ja", "board.recent_none")));
  }
  fitRecent();
}

/** Only whole calls in the recent list: the ones past its width are left out, not cut in half. */
function fitRecent() {
  const list = $("#recent");
  while (list.children.length > 1 && list.scrollWidth > list.clientWidth) list.lastElementChild.remove();
}

function waitText(lang, line) {
  if (!line.waiting) return t(lang, "board.wait_none");
  return t(lang, "board.wait_about", { min: Math.max(1, line.estimated_wait_min ?? 0) });
}

/** A line no open counter serves: 「窓口はまだ開いていません」 and "Counter closed" (as the kiosk says), not
 * 「待ちなし」 or an estimate; from fit level 1 on the two take turns like the service names. */
function closedCell() {
  return h(
    "td",
    { class: "b-wait b-closed" },
    h("span", { class: "b-alt" }, h("span", { lang: "ja" }, phrased(t("ja", NO_COUNTER))), h("span", { class: "b-alt-en", lang: "en" }, t("en", NO_COUNTER))),
  );
}

function waitCell(line) {
  if (line.paused) return pausedCell();
  if (line.counters_open === 0) return closedCell();
  return h("td", { class: "b-wait" }, waitText("ja", line));
}

function renderWaits() {
  const lines = withCountersOpen(board.services, board.counters).filter((line) => line.available_now || line.waiting > 0);
  $("#waits").replaceChildren(
    ...lines.flatMap((line) => {
      const names = serviceNames.get(line.id)?.names ?? { ja: line.id };
      const ja = names.ja ?? line.id;
      const row = h(
        "tr",
        { dataset: { service: line.id, waiting: String(line.waiting) }, class: line.waiting ? "" : "idle" },
        h(
          "th",
          { scope: "row", class: "b-service" },
          h("span", { class: "b-prefix", "aria-hidden": "true" }, serviceNames.get(line.id)?.prefix ?? ""),
          h("span", { class: "b-service-names" }, h("span", { lang: "ja" }, phrased(ja)), h("span", { class: "b-service-en", lang: "en" }, names.en ?? "")),
        ),
        h("td", { class: "b-waiting" }, t("ja", "board.waiting", { n: line.waiting })),
        waitCell(line),
      );
      return line.paused ? [row, pausedRow(line)] : [row];
    }),
  );
  // nothing offered today (a closed day, an outreach venue between its events): say so instead of an empty table
  const closed = $("#waits-closed");
  closed.hidden = lines.length > 0 || !board.today;
  if (!closed.hidden) {
    const key = board.today.kind === "closed" ? "board.closed_today" : "board.no_service_now";
    closed.replaceChildren(t("ja", key), " ", h("span", { class: "b-en", lang: "en" }, t("en", key)));
  }
  fitWaits();
}

/** Step the waits panel through its fit levels (board.css) until every service fits (City Hall offers nine). */
function fitWaits() {
  const panel = $(".b-waits");
  panel.dataset.fit = "0";
  for (let level = 1; level <= FIT_LEVELS && panel.scrollHeight > panel.clientHeight; level += 1) {
    panel.dataset.fit = String(level);
  }
}

/** From fit level 1 on, the service names (and the column heads) show Japanese, then English, in turn. */
function alternateNames() {
  const panel = $(".b-waits");
  const next = panel.dataset.names === "ja" ? "en" : "ja";
  panel.dataset.names = next;
  setTimeout(alternateNames, NAMES_SHOWN_MS[next]);
}

/** A paused service's wait column: 「受付休止中」 (why: in the row below it and in the ticker). */
function pausedCell() {
  return h("td", { class: "b-wait b-paused" }, t("ja", "board.paused"), h("span", { class: "b-en", lang: "en" }, t("en", "board.paused")));
}

/** Under a paused service's row, why (Japanese, then English): read without waiting for the ticker. */
function pausedRow(line) {
  const reason = h("td", { colspan: 3, class: "b-paused-reason" }, h("span", { lang: "ja" }, line.pause.reason_ja));
  if (line.pause.reason_en) reason.append(h("span", { class: "b-en", lang: "en" }, line.pause.reason_en));
  return h("tr", { class: "b-paused-row", dataset: { service: line.id } }, reason);
}

/** Each paused service, first in the ticker: the service and the reason, in Japanese and English. */
function pauseItems() {
  return pausedLines(board.services).map((line) => {
    const names = serviceNames.get(line.id)?.names ?? { ja: line.id };
    const en = { service: names.en ?? names.ja, reason: line.pause.reason_en || line.pause.reason_ja };
    return h(
      "li",
      { class: "b-ticker-paused", dataset: { service: line.id }, lang: "ja" },
      t("ja", "board.paused_notice", { service: names.ja, reason: line.pause.reason_ja }),
      h("span", { class: "b-ticker-en", lang: "en" }, t("en", "board.paused_notice", en)),
    );
  });
}

function pausesKey() {
  return JSON.stringify(pausedLines(board.services).map((line) => [line.id, line.pause]));
}

/** The ticker again when a pause began, ended or changed its reason (not on every event: it would restart). */
function renderPauses() {
  const shown = pausesKey();
  if (shown === board.pausesShown) return;
  board.pausesShown = shown;
  renderTicker();
}

function renderTicker() {
  const ticker = $("#ticker");
  const list = $("#notices-list");
  const notices = board.notices;
  const pauses = pauseItems();
  ticker.hidden = notices.length === 0 && pauses.length === 0;
  list.replaceChildren(
    ...pauses,
    ...notices.map((n) => {
      const english = n.texts?.en;
      return h(
        "li",
        { dataset: { id: n.id }, lang: "ja" },
        noticeText(n, "ja"),
        english ? h("span", { class: "b-ticker-en", lang: "en" }, english) : null,
      );
    }),
  );
  if (list.children.length === 0) return;
  list.classList.add("still");
  if (list.scrollWidth <= list.parentElement.clientWidth) return;
  // too long to stand still: scroll at a steady speed, the duration from the distance travelled
  list.classList.remove("still");
  const distance = list.offsetWidth; // its left padding is the window's width: it enters from the right
  list.style.animationDuration = `${Math.max(8, distance / TICKER_PX_PER_S)}s`;
}

/** The heading: the site, or on an outreach event's day its venue (「出張申請会場：イオンモール福津」). */
function renderPlace() {
  const venue = board.today?.venue;
  setPhrased($("#site-name"), venue ? t("ja", "kiosk.venue", { venue }) : (boot.site_names.ja ?? ""));
  $("#site-name-en").textContent = venue ? t("en", "kiosk.venue", { venue }) : (boot.site_names.en ?? "");
}

function render() {
  $("#status").hidden = board.live || board.calling.size > 0;
  renderCalls();
  renderRecent();
  renderWaits();
}

// ---- clock ------------------------------------------------------------------------------------------------

const dateJa = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", {
  era: "long",
  year: "numeric",
  month: "long",
  day: "numeric",
  weekday: "short",
  timeZone: boot.timezone,
});
const timeJa = new Intl.DateTimeFormat("ja-JP", { hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone: boot.timezone });

function tick() {
  const now = serverNow();
  $("#date").textContent = dateJa.format(now);
  $("#clock").textContent = timeJa.format(now);
  if (board.businessDate && localParts(now).date > board.businessDate) board.socket?.requestSnapshot(); // a new date
  setTimeout(tick, 60000 - (now.getTime() % 60000) + 50); // just after the next minute starts
}

// ---- state and events -------------------------------------------------------------------------------------

/** The calls of a snapshot (or of the state of a new business date): they replace all calls on screen. */
function applyCalls(state) {
  board.businessDate = state.business_date ?? null;
  board.calling = new Map();
  const calls = (state.calling ?? []).filter((c) => inArea(c.counter));
  calls.sort((a, b) => Date.parse(a.called_at ?? 0) - Date.parse(b.called_at ?? 0));
  for (const call of calls) board.calling.set(call.counter, { ...call, rank: ++board.rank });
  board.recent = state.recent ?? [];
}

function applySnapshot(state) {
  applyCalls(state);
  board.services = state.services ?? [];
  board.counters = state.counters ?? [];
  board.today = state.today ?? null;
  renderPlace();
  board.notices = noticesOf(state);
  board.pausesShown = pausesKey();
  render();
  renderTicker();
}

/** The call at `counterId` blinks for a few seconds (a recall blinks again). */
function blink(counterId, number) {
  clearTimeout(board.blink.get(counterId)?.timer);
  const timer = setTimeout(() => {
    board.blink.delete(counterId);
    renderCalls();
  }, boot.blink_ms);
  board.blink.set(counterId, { number, timer });
  const li = [...$("#calls").children].find((item) => item.dataset.counter === counterId && item.dataset.number === number);
  li?.classList.remove("blink"); // restart the animation of a recalled number
  void li?.offsetWidth;
}

function called(message, kind) {
  const ticket = message.ticket ?? {};
  if (!inArea(ticket.counter)) return;
  for (const [counterId, entry] of board.calling) {
    if (entry.number === ticket.number) board.calling.delete(counterId);
  }
  const entry = {
    number: ticket.number,
    service: ticket.service,
    counter: ticket.counter,
    counter_label: ticket.counter_label,
    called_at: message.at,
    rank: ++board.rank,
  };
  board.calling.set(ticket.counter, entry);
  board.recent = [{ ...entry, recall: kind === "recall" ? 1 : undefined }, ...board.recent].slice(0, boot.recent * 3);
  blink(ticket.counter, ticket.number);
  announce(entry, kind);
}

function released(message) {
  const number = message.ticket?.number;
  for (const [counterId, entry] of board.calling) {
    if (entry.number === number) board.calling.delete(counterId);
  }
}

function onEvent(message) {
  const type = message.type ?? "";
  if (type === "ticket.called") called(message, "call");
  else if (type === "ticket.recalled") called(message, "recall");
  else if (type.startsWith("ticket.") && type !== "ticket.issued") released(message);
  else if (type === "day.closed" && !(message.business_date < board.businessDate)) {
    // the calls on screen were of the closed date (a late close of an earlier date leaves today's alone)
    board.calling.clear();
    board.recent = [];
  }
  // the waiting lines, today's opening and the notices, as the event left them
  const state = { services: board.services, counters: board.counters, today: board.today, notices: board.notices, business_date: board.businessDate };
  ({ services: board.services, counters: board.counters, today: board.today, notices: board.notices } = applyEvent(state, message));
  if (type === "notice.changed") {
    renderTicker();
    return;
  }
  if (type === "calendar.changed") renderPlace(); // an admin changed the calendar: today's services, hours or venue
  if (type.startsWith("ticket.") || type === "day.closed") render();
  else renderWaits();
  renderPauses();
}

function onStatus(status) {
  board.live = status === "live";
  $("#connection").hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
  render();
}

// ---- start ------------------------------------------------------------------------------------------------

async function loadTexts() {
  await loadCatalogsPatiently(["ja", "en"]);
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  tick();
  await loadTexts();
  if (player) {
    $("#sound-enable").addEventListener("click", () => player.unlock());
    document.addEventListener("pointerdown", () => player.unlock());
    player.ready().then((running) => showSoundButton(!running));
    if (AUDIO === "voice") player.preload();
  }
  window.addEventListener("resize", debounce(() => (renderRecent(), renderTicker()), 200));
  // the panel changes size with the screen, the notice ticker coming or going, the sound prompt in the header
  new ResizeObserver(() => fitWaits()).observe($(".b-waits"));
  alternateNames();
  board.socket = new LiveSocket(`/ws/v1/sites/${encodeURIComponent(SITE)}`, {
    onSnapshot: applySnapshot,
    onEvent,
    onStatus,
    onDenied: () => setTimeout(() => location.reload(), 2000),
  }).start();
  document.body.dataset.ready = "true";
}

start();
