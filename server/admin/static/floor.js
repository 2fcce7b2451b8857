// The floor overview (/admin/floor?site=): every counter of a site live (open, paused with its reason, closed), who
// works at it, the number it has called or serves and for how long; per service the people waiting and the longest
// current wait; today's totals. The timers tick in the browser from the server's clock (clock.js), not the PC's.
//
// Push only: the site's socket (the staff projection, shared with the other sections through kit.watchSite) gives
// the snapshot when it connects (or resyncs beyond the kept history), then every event, applied to it (live.js):
// counter.changed sets a counter's state, operator and services; ticket events carry the ticket (the number a
// counter holds, with the times of its call and its start) and the lines of the services they touched (people
// waiting, the longest wait, the estimate), and the status the ticket came from (the totals follow it); a day close
// or a calendar change carry what changed too. The page never reads the state after an event; kit.watchSite keeps
// the snapshot it hands a section that opens later current the same way.

import { serverNow } from "/static/web/clock.js";
import { $, h } from "/static/web/dom.js";
import { applyEvent } from "/static/web/live.js";
import { boot, say, siteName, ui, watchSite } from "/static/admin/kit.js";

const COUNTER_STATUS = {
  open: "staff.admin.floor.status.open",
  paused: "staff.admin.floor.status.paused",
  closed: "staff.admin.floor.status.closed",
};
const TICKET_STATUS = { called: "staff.admin.floor.ticket.called", serving: "staff.admin.floor.ticket.serving" };
const TOTALS = [
  ["issued", "staff.admin.floor.issued"],
  ["waiting", "staff.admin.floor.waiting"],
  ["served", "staff.admin.floor.served"],
  ["no_show", "staff.admin.floor.no_show"],
  ["cancelled", "staff.admin.floor.cancelled"],
];

const floors = new Map(); // site -> the staff snapshot, kept current by the events
const watched = new Set(); // sites whose socket this section listens to
let shown = null; // the site on screen

// ---- words and times -------------------------------------------------------------------------------------

function serviceName(id) {
  const names = boot.services?.[id];
  return names ? names[ui.lang] ?? names.ja : id;
}

function operatorName(login) {
  return login ? boot.names?.[login] ?? login : "";
}

function secondsSince(iso) {
  return Math.max(0, Math.floor((serverNow().getTime() - Date.parse(iso)) / 1000));
}

/** "2:05", "1:02:05": the time since `iso` by the server's clock. */
function elapsed(iso) {
  const seconds = secondsSince(iso);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

function waited(iso) {
  return say("staff.admin.floor.minutes", { n: Math.floor(secondsSince(iso) / 60) });
}

/** The clock, the counters' timers and the longest waits, every second. */
function tick() {
  if (!shown) return;
  $("#floor-clock").textContent = new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: boot.timezone }).format(serverNow());
  for (const el of document.querySelectorAll("#section-floor [data-since]")) el.textContent = elapsed(el.dataset.since);
  for (const el of document.querySelectorAll("#section-floor [data-waiting-since]")) el.textContent = waited(el.dataset.waitingSince);
}

// ---- drawing ---------------------------------------------------------------------------------------------

function ticketView(ticket) {
  if (!ticket) return h("p", { class: "f-idle" }, say("staff.admin.floor.idle"));
  const since = ticket.status === "serving" ? ticket.serving_at : ticket.called_at;
  const badges = [];
  if (ticket.priority) badges.push(h("span", { class: "a-tag" }, say("staff.admin.floor.priority")));
  if (ticket.channel === "reservation") badges.push(h("span", { class: "a-tag" }, say("staff.admin.floor.reservation")));
  return h(
    "div",
    { class: "f-ticket", dataset: { status: ticket.status } },
    h("span", { class: "f-number" }, ticket.number),
    h(
      "span",
      { class: "f-ticket-meta" },
      h("span", { class: "f-ticket-status" }, say(TICKET_STATUS[ticket.status] ?? "staff.admin.floor.ticket.called")),
      since ? h("span", { class: "f-timer", dataset: { since } }, elapsed(since)) : null,
    ),
    h("span", { class: "f-ticket-service" }, serviceName(ticket.service), ...badges),
  );
}

function counterCard(counter) {
  const status = counter.status ?? "closed";
  const operator = operatorName(counter.operator);
  return h(
    "article",
    { class: "f-counter", dataset: { counter: counter.id, status, ticketStatus: counter.ticket?.status ?? "" } },
    h("header", { class: "f-counter-head" }, h("h4", {}, counter.label ?? counter.id), h("span", { class: "f-state" }, say(COUNTER_STATUS[status] ?? COUNTER_STATUS.closed))),
    h("p", { class: `f-operator${operator ? "" : " a-faint"}` }, operator || say("staff.admin.floor.no_operator")),
    status === "paused" && counter.reason ? h("p", { class: "f-reason" }, counter.reason) : null,
    status === "closed" ? null : ticketView(counter.ticket),
    counter.services?.length && status !== "closed" ? h("p", { class: "f-serves" }, counter.services.map(serviceName).join("・")) : null,
  );
}

function lineRow(line) {
  const since = line.waiting > 0 ? line.waiting_since : null;
  return h(
    "tr",
    { dataset: { service: line.id, waiting: String(line.waiting) }, class: line.waiting ? "" : "f-none" },
    h("td", {}, serviceName(line.id), line.paused ? h("span", { class: "a-badge a-warn f-paused" }, say("staff.admin.floor.paused")) : null),
    h("td", { class: "f-num f-waiting" }, String(line.waiting)),
    h("td", { class: "f-num f-longest" }, since ? h("span", { dataset: { waitingSince: since } }, waited(since)) : "–"),
    h("td", { class: "f-num" }, line.waiting ? say("staff.admin.floor.about_minutes", { n: line.estimated_wait_min }) : "–"),
  );
}

function dayText(state) {
  const [y, m, d] = (state.business_date ?? "").split("-").map(Number);
  const date = y ? new Intl.DateTimeFormat(ui.lang === "en" ? "en-GB" : "ja-JP", { month: "long", day: "numeric", weekday: "short", timeZone: "UTC" }).format(Date.UTC(y, m - 1, d)) : "";
  const venue = state.today?.venue ? ` ${state.today.venue}` : "";
  return `${date}${venue}　${say(state.open ? "staff.admin.floor.open_now" : "staff.admin.floor.closed_now")}`;
}

export function render() {
  const state = floors.get(shown);
  const select = $("#floor-site");
  select.replaceChildren(...boot.sites.map((s) => h("option", { value: s.id }, siteName(s.id))));
  select.value = shown;
  if (!state) return;
  const day = $("#floor-day");
  day.textContent = dayText(state);
  day.dataset.open = String(Boolean(state.open));
  const totals = state.totals ?? {};
  $("#floor-totals").replaceChildren(
    ...TOTALS.map(([key, label]) => h("div", { class: "f-total", dataset: { total: key } }, h("dt", {}, say(label)), h("dd", {}, String(totals[key] ?? 0)))),
  );
  const counters = state.counters ?? [];
  $("#floor-counters").replaceChildren(...(counters.length ? counters.map(counterCard) : [h("p", { class: "a-empty" }, say("staff.admin.floor.no_counters"))]));
  const lines = (state.services ?? []).filter((line) => line.available_now || line.waiting > 0);
  const none = h("tr", {}, h("td", { colspan: "4", class: "a-empty" }, say("staff.admin.floor.no_lines")));
  $("#floor-lines").replaceChildren(...(lines.length ? lines.map(lineRow) : [none]));
  tick();
}

function redraw(site) {
  if (site === shown) render();
}

// ---- the state, kept by the events -----------------------------------------------------------------------

function watch(site) {
  if (watched.has(site)) return;
  watched.add(site);
  watchSite(site, {
    snapshot: (state) => {
      floors.set(site, state);
      redraw(site);
    },
    event: (message) => {
      const state = floors.get(site);
      if (!state) return;
      floors.set(site, applyEvent(state, message));
      redraw(site);
    },
  });
}

function choose(site) {
  shown = site;
  watch(site);
  const url = new URL(location.href);
  if (url.pathname === "/admin/floor" && url.searchParams.get("site") !== site) {
    url.searchParams.set("site", site);
    history.replaceState(history.state, "", url);
  }
  render();
}

export async function mount() {
  const asked = boot.sites.find((s) => s.id === boot.site);
  $("#floor-site-row").hidden = boot.sites.length < 2;
  $("#floor-site").addEventListener("change", (event) => choose(event.target.value));
  setInterval(tick, 1000);
  choose((asked ?? boot.sites[0])?.id ?? null);
}
