// The phone reservation console (/phone): choose a site, a service and a day, see the slots with their free
// places, book with a kana name and a phone number, read the code back, and find, move or cancel a booking;
// count every call by topic (電話問い合わせ, the tally panel) for the chosen site.
//
// Live: one socket on the chosen site. Every `reservation.changed` of the day on screen refetches the slots
// and the day's list (one debounced request each), so a place another operator just took disappears at
// once; so does every reconnect (events may have been missed). Nothing polls.

import { api, ApiError, newKey, retryable } from "/static/web/api.js";
import { localParts, syncServerTime } from "/static/web/clock.js";
import { $, $all, debounce, h } from "/static/web/dom.js";
import { formatTime, loadCatalogs, t } from "/static/web/i18n.js";
import { choiceButtons, rememberedLanguage, wireStaffHead } from "/static/web/staff.js";
import { LiveSocket } from "/static/web/ws.js";
import { TallyPanel } from "/static/office/tallies.js";
import { nameProblem, normalizePhone, phoneProblem, spacedCode, spelledCode, toKatakana } from "./text.js";
import { longDate, renderDates, renderFacts, renderRows, renderSlots, renderSpelling, slotText, useTimeZone } from "./views.js";

const boot = JSON.parse(document.body.dataset.boot);
const LANG_KEY = "madoguchi.phone.lang";
const SITE_KEY = "madoguchi.phone.site";
const SERVICE_KEY = "madoguchi.phone.service";
const serviceNames = Object.fromEntries(boot.services.map((s) => [s.id, s.names]));
const siteNames = Object.fromEntries(boot.sites.map((s) => [s.id, s.names]));

const state = {
  lang: rememberedLanguage(LANG_KEY),
  site: null,
  service: null,
  date: null,
  openings: [],
  slots: null, // null: loading; [] no slots; or the slots of (site, service, date)
  slotsError: "",
  slotsAt: "",
  list: null,
  search: null, // null: nothing searched yet; otherwise the results of `query`
  query: "",
  detail: null, // the reservation open in the detail dialog
  move: null, // the reservation whose new slot is being chosen
  socket: null,
  live: false,
};

const serviceName = (id) => serviceNames[id]?.[state.lang] ?? serviceNames[id]?.ja ?? id;
const siteName = (id) => siteNames[id]?.[state.lang] ?? siteNames[id]?.ja ?? id;
const enc = encodeURIComponent;

const tallies = new TallyPanel(
  { topics: $("#tally-topics"), kinds: null, total: $("#tally-total"), undo: $("#tally-undo"), result: $("#tally-result") },
  { site: () => state.site, lang: () => state.lang, kinds: ["phone"], onError: signedOut },
);

// ---- small helpers ---------------------------------------------------------------------------------------

function say(el, key, params = {}, kind = "info") {
  el.textContent = key ? t(state.lang, key, params) : "";
  el.dataset.kind = kind;
}

function errorText(error) {
  return t(state.lang, "phone.error", { detail: error?.detail || error?.code || String(error) });
}

/** The session ended (timeout, signed out elsewhere, account disabled): the page reloads into the login form. */
function signedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    location.reload();
    return true;
  }
  return false;
}

function today() {
  return localParts().date;
}

function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whether a slot of the day on screen has begun (the server offers no place in it any more). */
function isPast(slot) {
  const now = localParts();
  return state.date < now.date || (state.date === now.date && slot.start <= now.time);
}

let confirmResolve = null;

/** Ask before a change that cannot be undone by a touch; resolves true for "yes". */
function confirmDialog(text, yes, no) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = t(state.lang, yes);
  $("#confirm-no").textContent = t(state.lang, no);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    confirmResolve = resolve;
  });
}

// ---- site, service, date ---------------------------------------------------------------------------------

/** The services that take reservations at the site on at least one of the days ahead. */
function servicesOffered() {
  const reservable = new Set(boot.sites.find((s) => s.id === state.site)?.reservable ?? []);
  const ids = new Set(state.openings.flatMap((o) => o.services));
  return boot.services.filter((s) => ids.has(s.id) && reservable.has(s.id));
}

function datesOffering(service) {
  return state.openings.filter((o) => o.services.includes(service));
}

function renderSites() {
  const buttons = boot.sites.map((s) =>
    h(
      "button",
      {
        type: "button",
        class: "p-chip p-site",
        dataset: { site: s.id },
        "aria-pressed": String(s.id === state.site),
        disabled: Boolean(state.move) && s.id !== state.move.site,
        onclick: () => chooseSite(s.id),
      },
      s.names[state.lang] ?? s.names.ja,
    ),
  );
  $("#sites").replaceChildren(...buttons);
}

/** One button per service, its whole name (wrapping): English names are long, and there are only a few. */
function renderServices() {
  const choices = servicesOffered().map((s) => ({ id: s.id, name: s.names[state.lang] ?? s.names.ja }));
  const buttons = choiceButtons(choices, { chosen: state.service, onChoose: chooseService, className: "p-chip p-service" });
  $("#service").replaceChildren(...buttons);
}

async function chooseSite(site) {
  if (site === state.site && state.socket) return;
  state.site = site;
  localStorage.setItem(SITE_KEY, site);
  state.openings = [];
  state.slots = null;
  state.list = null;
  state.search = null;
  renderSites();
  $("#tally-site").textContent = siteName(site);
  watch(site);
  await loadCalendar();
}

async function loadCalendar() {
  const first = today();
  const site = state.site;
  try {
    const { data } = await api(`/api/v1/calendar?site=${enc(site)}&from=${first}&to=${addDays(first, boot.horizon_days)}`);
    if (site !== state.site) return;
    state.openings = data.filter((o) => o.kind !== "closed" && o.services.length);
  } catch (error) {
    if (signedOut(error)) return;
    say($("#slots-message"), "phone.error", { detail: error.detail || error.code }, "error");
    return;
  }
  const offered = servicesOffered().map((s) => s.id);
  const remembered = localStorage.getItem(SERVICE_KEY);
  if (!offered.includes(state.service)) state.service = offered.includes(remembered) ? remembered : (offered[0] ?? null);
  renderServices();
  pickDefaultDate();
  renderAll();
  await Promise.all([loadSlots(), loadList()]);
}

function pickDefaultDate() {
  const dates = datesOffering(state.service).map((o) => o.date);
  if (!dates.includes(state.date)) state.date = dates[0] ?? null;
}

function chooseService(service) {
  state.service = service;
  localStorage.setItem(SERVICE_KEY, service);
  pickDefaultDate();
  state.slots = null;
  renderAll();
  loadSlots();
  loadList();
}

function chooseDate(date) {
  if (date === state.date) return;
  state.date = date;
  state.slots = null;
  state.list = null;
  renderAll();
  loadSlots();
  loadList();
}

// ---- slots -----------------------------------------------------------------------------------------------

let slotsRequest = 0;

async function loadSlots() {
  const { site, service, date } = state;
  if (!site || !service || !date) {
    renderSlotsPanel();
    return;
  }
  const mine = ++slotsRequest;
  try {
    const { data } = await api(`/api/v1/sites/${enc(site)}/availability?date=${enc(date)}&service=${enc(service)}`);
    if (mine !== slotsRequest) return;
    state.slots = data;
    state.slotsError = "";
    state.slotsAt = localParts().time;
  } catch (error) {
    if (mine !== slotsRequest || signedOut(error)) return;
    state.slotsError = error.detail || error.code;
  }
  renderSlotsPanel();
}

const refreshSlots = debounce(loadSlots, 100);

function renderSlotsPanel() {
  const lang = state.lang;
  const title = state.date && state.service ? `${longDate(lang, state.date)} ${serviceName(state.service)}` : "";
  $("#slots-title").textContent = title;
  $("#slots-updated").textContent = state.slotsAt && state.slots ? t(lang, "phone.updated", { time: formatTime(state.slotsAt) }) : "";
  const message = $("#slots-message");
  const list = $("#slots");
  const pastNote = $("#slots-past");
  pastNote.hidden = true;
  document.body.dataset.slots = state.slots === null ? "loading" : "ready";
  if (!state.date) {
    say(message, state.openings.length ? "phone.dates_none_service" : "phone.dates_none");
    list.replaceChildren();
    return;
  }
  if (state.slotsError) {
    say(message, "phone.slots_error", { detail: state.slotsError }, "error");
    return;
  }
  if (state.slots === null) {
    if (!message.dataset.kind || message.dataset.kind === "info") say(message, "phone.loading");
    return;
  }
  if (!state.slots.length) {
    say(message, "phone.slots_none");
    list.replaceChildren();
    return;
  }
  if (message.dataset.kind !== "error" && message.dataset.kind !== "ok") say(message, "");
  // slots that have begun take no booking: today they are left out, so the next free one is at the top
  const ahead = state.slots.filter((slot) => !isPast(slot));
  const begun = state.slots.length - ahead.length;
  pastNote.hidden = begun === 0;
  pastNote.textContent = ahead.length ? t(lang, "phone.slots_past", { n: begun }) : t(lang, "phone.slots_all_past");
  const current = state.move && state.move.date === state.date && state.move.service === state.service ? state.move.start : null;
  renderSlots(list, ahead, { lang, current, onPick: pickSlot });
}

function pickSlot(slot) {
  say($("#slots-message"), "");
  if (state.move) moveTo(slot);
  else openBooking(slot);
}

// ---- booking ---------------------------------------------------------------------------------------------

let booking = null; // {site, service, date, start, end}
let bookingBusy = false;

function openBooking(slot) {
  booking = { site: state.site, service: state.service, date: state.date, start: slot.start, end: slot.end };
  $("#book-slot").textContent = `${siteName(booking.site)}　${serviceName(booking.service)}\n${slotText(state.lang, booking)}`;
  for (const id of ["book-name-error", "book-phone-error", "book-error"]) $(`#${id}`).textContent = "";
  for (const id of ["book-name", "book-phone"]) $(`#${id}`).removeAttribute("aria-invalid");
  $("#book-dialog").showModal();
  $("#book-name").focus();
}

function fieldProblem(input, errorEl, key) {
  errorEl.textContent = key ? t(state.lang, key) : "";
  if (key) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return Boolean(key);
}

function checkName() {
  const input = $("#book-name");
  input.value = toKatakana(input.value);
  return !fieldProblem(input, $("#book-name-error"), nameProblem(input.value));
}

function checkPhone() {
  const input = $("#book-phone");
  input.value = normalizePhone(input.value);
  return !fieldProblem(input, $("#book-phone-error"), phoneProblem(input.value));
}

/** A refused booking, said where it belongs: a validation_error names its `field` (name, phone), the rest under the form. */
function showRefusal(error) {
  const field = error.code === "validation_error" ? error.body?.field : null;
  if (field === "name") {
    fieldProblem($("#book-name"), $("#book-name-error"), "phone.name_kana");
  } else if (field === "phone") {
    fieldProblem($("#book-phone"), $("#book-phone-error"), "phone.phone_invalid");
  } else {
    const key = { site_closed: "phone.site_closed", service_unavailable: "phone.slots_none" }[error.code];
    $("#book-error").textContent = key ? t(state.lang, key) : errorText(error);
  }
}

// The idempotency key of the booking being sent: the same form sent again after a lost answer carries the same
// key, so the server answers with the booking it made (if it made one) instead of booking twice.
let attempt = null; // {fingerprint, key}

function bookingKey(body) {
  const fingerprint = JSON.stringify(body);
  if (attempt?.fingerprint !== fingerprint) attempt = { fingerprint, key: newKey("resv") };
  return attempt.key;
}

async function submitBooking(event) {
  event.preventDefault();
  if (bookingBusy || !booking) return;
  const nameOk = checkName();
  const phoneOk = checkPhone();
  if (!nameOk || !phoneOk) {
    $(nameOk ? "#book-phone" : "#book-name").focus();
    return;
  }
  bookingBusy = true;
  const submit = $("#book-submit");
  submit.disabled = true;
  $("#book-error").textContent = t(state.lang, "phone.booking");
  try {
    const body = { ...booking, name: $("#book-name").value, phone: $("#book-phone").value };
    delete body.end;
    body.idempotency_key = bookingKey(body);
    const { data } = await api("/api/v1/reservations", { method: "POST", body });
    attempt = null;
    $("#book-dialog").close();
    $("#book-form").reset();
    showReadback(data, "phone.booked_title");
    refreshSlots();
    refreshList();
  } catch (error) {
    $("#book-error").textContent = "";
    if (signedOut(error)) return;
    if (error.code === "slot_full") {
      $("#book-dialog").close();
      say($("#slots-message"), "phone.slot_full_now", {}, "error");
      loadSlots();
    } else if (retryable(error)) {
      // no answer: the booking may have been made; sending the same form again is safe (same key)
      $("#book-error").textContent = t(state.lang, "phone.book_unknown");
      refreshSlots();
      refreshList();
    } else {
      attempt = null;
      showRefusal(error);
    }
  } finally {
    bookingBusy = false;
    submit.disabled = false;
  }
}

// ---- read-back, slip -------------------------------------------------------------------------------------

function slipActions(container, code, messageEl) {
  const url = `/api/v1/reservations/${enc(code)}/slip?format=png`;
  container.replaceChildren(
    h("a", { class: "p-button", href: url, target: "_blank", rel: "noopener", id: `${container.id}-png` }, t(state.lang, "phone.slip_open")),
    h("button", { type: "button", class: "p-button", id: `${container.id}-print`, onclick: () => printSlip(code, messageEl) }, t(state.lang, "phone.slip_print")),
  );
}

async function printSlip(code, messageEl) {
  say(messageEl, "phone.slip_sending");
  try {
    await api(`/api/v1/reservations/${enc(code)}/slip`, { method: "POST", body: {} });
    say(messageEl, "phone.slip_sent", {}, "ok");
  } catch (error) {
    if (signedOut(error)) return;
    messageEl.textContent = errorText(error);
    messageEl.dataset.kind = "error";
  }
}

function showReadback(r, titleKey) {
  const lang = state.lang;
  $("#readback-title").textContent = t(lang, titleKey);
  $("#readback-code").textContent = spacedCode(r.code);
  $("#readback-code").dataset.code = r.code;
  renderSpelling($("#readback-spell"), spelledCode(r.code, lang));
  renderFacts($("#readback-facts"), r, { lang, serviceName, siteName, full: false });
  let message = $("#readback-slip-message");
  if (!message) message = h("p", { class: "p-message", id: "readback-slip-message", role: "status" });
  say(message, "");
  slipActions($("#readback-slip"), r.code, message);
  $("#readback-slip").append(message);
  $("#readback").showModal();
  $("#readback-close").focus();
}

// ---- the day's list, search, one reservation -------------------------------------------------------------

let listRequest = 0;

async function loadList() {
  const { site, date } = state;
  if (!site || !date) return;
  const mine = ++listRequest;
  try {
    const { data } = await api(`/api/v1/reservations?site=${enc(site)}&date=${enc(date)}`);
    if (mine !== listRequest) return;
    state.list = sortBySlot(data);
  } catch (error) {
    if (mine !== listRequest || signedOut(error)) return;
    state.list = null;
    $("#day-list").replaceChildren(h("p", { class: "p-message", dataset: { kind: "error" } }, errorText(error)));
    return;
  }
  renderList();
}

const refreshList = debounce(loadList, 100);

function sortBySlot(list) {
  return [...list].sort((a, b) => `${a.date}${a.start}${a.code}`.localeCompare(`${b.date}${b.start}${b.code}`));
}

function renderList() {
  const lang = state.lang;
  $("#list-date").textContent = state.date ? longDate(lang, state.date) : "";
  if (state.list === null) return;
  const counts = {};
  for (const r of state.list) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const active = (counts.booked ?? 0) + (counts.checked_in ?? 0);
  $("#list-counts").textContent = state.list.length
    ? t(lang, "phone.list_counts", { n: active, checked_in: counts.checked_in ?? 0, cancelled: counts.cancelled ?? 0 })
    : "";
  if (!state.list.length) {
    $("#day-list").replaceChildren(h("p", { class: "p-empty" }, t(lang, "phone.list_none")));
    return;
  }
  renderRows($("#day-list"), state.list, { lang, serviceName, onOpen: openDetail });
}

async function runSearch(event) {
  event?.preventDefault();
  const query = $("#search-q").value.trim();
  state.query = query;
  const message = $("#search-message");
  if (!query) {
    state.search = null;
    say(message, "phone.search_prompt");
    $("#search-results").replaceChildren();
    return;
  }
  say(message, "phone.loading");
  try {
    const { data } = await api(`/api/v1/reservations?site=${enc(state.site)}&q=${enc(query)}`);
    if (query !== state.query) return;
    state.search = sortBySlot(data);
  } catch (error) {
    if (signedOut(error)) return;
    message.textContent = errorText(error);
    message.dataset.kind = "error";
    return;
  }
  renderSearch();
}

const refreshSearch = debounce(() => state.search !== null && runSearch(), 150);

function renderSearch() {
  const message = $("#search-message");
  if (state.search === null) {
    say(message, "phone.search_prompt");
    return;
  }
  say(message, state.search.length ? "phone.search_found" : "phone.search_none", { n: state.search.length });
  renderRows($("#search-results"), state.search, { lang: state.lang, serviceName, withDate: true, onOpen: openDetail });
}

async function openDetail(code) {
  const message = $("#detail-message");
  say(message, "");
  try {
    const { data } = await api(`/api/v1/reservations/${enc(code)}`);
    state.detail = data;
  } catch (error) {
    if (signedOut(error)) return;
    state.detail = null;
    return;
  }
  renderDetail();
  if (!$("#detail").open) $("#detail").showModal();
}

function renderDetail() {
  const r = state.detail;
  if (!r) return;
  const lang = state.lang;
  $("#detail").dataset.status = r.status;
  $("#detail-code").textContent = spacedCode(r.code);
  $("#detail-code").dataset.code = r.code;
  renderSpelling($("#detail-spell"), spelledCode(r.code, lang));
  renderFacts($("#detail-facts"), r, { lang, serviceName, siteName, full: true });
  const booked = r.status === "booked";
  $("#detail-cancel").hidden = !booked;
  $("#detail-move").hidden = !booked;
  const slip = $("#detail-slip");
  slip.hidden = !booked;
  if (booked) slipActions(slip, r.code, $("#detail-message"));
}

async function refreshDetail(code) {
  if (!state.detail || state.detail.code !== code || !$("#detail").open) return;
  try {
    const { data } = await api(`/api/v1/reservations/${enc(code)}`);
    if (state.detail?.code === code) state.detail = data;
    renderDetail();
  } catch (error) {
    signedOut(error);
  }
}

async function cancelReservation() {
  const r = state.detail;
  if (!r) return;
  const sure = await confirmDialog(t(state.lang, "phone.cancel_confirm", { code: r.code, slot: slotText(state.lang, r) }), "phone.cancel_yes", "phone.cancel_no");
  if (!sure) return;
  const message = $("#detail-message");
  try {
    const { data } = await api(`/api/v1/reservations/${enc(r.code)}`, { method: "DELETE" });
    state.detail = data;
    renderDetail();
    say(message, "phone.cancelled", { code: r.code }, "ok");
    refreshSlots();
    refreshList();
    refreshSearch();
  } catch (error) {
    if (signedOut(error)) return;
    message.textContent = errorText(error);
    message.dataset.kind = "error";
  }
}

// ---- moving a reservation to another slot ----------------------------------------------------------------

function startMove() {
  const r = state.detail;
  if (!r) return;
  $("#detail").close();
  state.move = r;
  $("#move-text").textContent = t(state.lang, "phone.move_banner", { code: r.code, slot: slotText(state.lang, r) });
  $("#move-banner").hidden = false;
  document.body.dataset.moving = "true";
  showTab("book");
  state.service = r.service;
  state.date = r.date;
  state.slots = null;
  if (r.site !== state.site) chooseSite(r.site);
  else {
    renderServices();
    renderAll();
    loadSlots();
    loadList();
  }
}

function stopMove() {
  state.move = null;
  $("#move-banner").hidden = true;
  delete document.body.dataset.moving;
  renderAll();
}

async function moveTo(slot) {
  const r = state.move;
  const target = { date: state.date, start: slot.start, end: slot.end, service: state.service };
  const text = t(state.lang, "phone.move_confirm", { code: r.code, slot: `${serviceName(target.service)} ${slotText(state.lang, target)}` });
  if (!(await confirmDialog(text, "phone.move_yes", "phone.cancel_no"))) return;
  try {
    const { data } = await api(`/api/v1/reservations/${enc(r.code)}`, {
      method: "PATCH",
      body: { date: target.date, start: target.start, service: target.service },
    });
    stopMove();
    showReadback(data, "phone.moved_title");
    refreshSlots();
    refreshList();
    refreshSearch();
  } catch (error) {
    if (signedOut(error)) return;
    if (error.code === "slot_full") say($("#slots-message"), "phone.slot_full_now", {}, "error");
    else {
      const message = $("#slots-message");
      message.textContent = errorText(error);
      message.dataset.kind = "error";
    }
    loadSlots();
  }
}

// ---- live ------------------------------------------------------------------------------------------------

function onEvent(message) {
  if (message.type === "reservation.changed") {
    const r = message.reservation ?? {};
    if (r.date === state.date) {
      refreshSlots();
      refreshList();
    }
    refreshSearch();
    if (r.code) refreshDetail(r.code);
  } else if (message.type === "tally.changed") {
    tallies.changed(message);
  } else if (message.type === "day.closed" || message.type === "counter.changed") {
    refreshSlots(); // a day closing or a counter change may change what is still offered
  }
}

function onStatus(status) {
  const wasLive = state.live;
  state.live = status === "live";
  $("#connection").hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
  if (state.live && !wasLive) {
    // first connection or back after a gap: whatever changed meanwhile is fetched again
    refreshSlots();
    refreshList();
    refreshSearch();
    tallies.load(); // counts made on other consoles while the socket was down
  }
}

function watch(site) {
  state.socket?.stop();
  state.live = false;
  state.socket = new LiveSocket(`/ws/v1/sites/${enc(site)}`, { onEvent, onStatus, onDenied: () => location.reload() }).start();
}

// ---- tabs, language, start -------------------------------------------------------------------------------

function showTab(tab) {
  document.body.dataset.tab = tab;
  for (const button of $all(".p-tab")) button.setAttribute("aria-selected", String(button.dataset.tab === tab));
  if (tab === "search") $("#search-q").focus({ preventScroll: true });
}

function renderAll() {
  renderSites();
  renderServices();
  renderDates($("#dates"), datesOffering(state.service), { lang: state.lang, selected: state.date, today: today(), onPick: chooseDate });
  renderSlotsPanel();
  renderList();
  if (state.search !== null) renderSearch();
  if (state.move) $("#move-text").textContent = t(state.lang, "phone.move_banner", { code: state.move.code, slot: slotText(state.lang, state.move) });
  if (state.site) $("#tally-site").textContent = siteName(state.site);
  tallies.render();
}

/** The staff language changed (the top bar is retranslated already): redraw what the script drew. */
function languageChanged(code) {
  state.lang = code;
  renderAll();
  if ($("#detail").open) renderDetail();
}

function wire() {
  for (const button of $all(".p-tab")) button.addEventListener("click", () => showTab(button.dataset.tab));
  $("#book-form").addEventListener("submit", submitBooking);
  $("#book-back").addEventListener("click", () => $("#book-dialog").close());
  // Leaving a field shows how it will be sent (katakana, ASCII digits); what is wrong is said on "book" only,
  // and typing clears it, so nothing moves under the finger on its way to the button.
  const name = $("#book-name");
  const phone = $("#book-phone");
  name.addEventListener("blur", () => (name.value = toKatakana(name.value)));
  phone.addEventListener("blur", () => (phone.value = normalizePhone(phone.value)));
  name.addEventListener("input", () => fieldProblem(name, $("#book-name-error"), ""));
  phone.addEventListener("input", () => fieldProblem(phone, $("#book-phone-error"), ""));
  $("#readback-close").addEventListener("click", () => $("#readback").close());
  $("#detail-close").addEventListener("click", () => $("#detail").close());
  $("#detail-cancel").addEventListener("click", cancelReservation);
  $("#detail-move").addEventListener("click", startMove);
  $("#move-stop").addEventListener("click", stopMove);
  $("#search-form").addEventListener("submit", runSearch);
  $("#confirm").addEventListener("close", () => {
    confirmResolve?.($("#confirm").returnValue === "yes");
    confirmResolve = null;
  });
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  useTimeZone(boot.timezone);
  await loadCatalogs(["ja", "en"]);
  wire();
  const setLanguage = wireStaffHead(LANG_KEY, languageChanged);
  setLanguage(state.lang);
  const remembered = localStorage.getItem(SITE_KEY);
  const site = boot.sites.some((s) => s.id === remembered) ? remembered : boot.sites[0]?.id;
  document.body.dataset.ready = "true";
  if (site) await chooseSite(site);
}

start();
