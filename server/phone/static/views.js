// Pieces of the phone console drawn from data: the date strip, the slots, reservation rows and their facts.
// Pure rendering (no requests): the controller (phone.js) decides what to draw and what a touch does.

import { h } from "/static/web/dom.js";
import { formatTime, locale, t } from "/static/web/i18n.js";

let zone = "Asia/Tokyo";

/** The site's time zone, for instants (booked at, checked in at); dates and slot times are already local. */
export function useTimeZone(timeZone) {
  zone = timeZone || zone;
}

/** "11/24" and "火" (or "24 Nov" and "Tue") for a date button; no time zone shift. */
function dateParts(lang, isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  const at = new Date(Date.UTC(y, m - 1, d));
  const day = new Intl.DateTimeFormat(locale(lang), { month: lang === "ja" ? "numeric" : "short", day: "numeric", timeZone: "UTC" });
  const weekday = new Intl.DateTimeFormat(locale(lang), { weekday: "short", timeZone: "UTC" });
  return { day: day.format(at), weekday: weekday.format(at), sunday: at.getUTCDay() === 0, saturday: at.getUTCDay() === 6 };
}

/** "11月24日(火)" / "Tue 24 Nov 2026": a date in a sentence or a heading. */
export function longDate(lang, isoDate) {
  if (!isoDate) return "";
  const [y, m, d] = isoDate.split("-").map(Number);
  const options = { month: "long", day: "numeric", weekday: "short", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(lang), options).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "11月24日(火) 10:00〜10:30": the slot of a reservation as it is read out. */
export function slotText(lang, r) {
  const range = lang === "ja" ? `${formatTime(r.start)}〜${formatTime(r.end)}` : `${formatTime(r.start)}–${formatTime(r.end)}`;
  return `${longDate(lang, r.date)} ${range}`;
}

export function renderDates(container, openings, { lang, selected, today, onPick }) {
  if (!openings.length) {
    container.replaceChildren(h("p", { class: "p-empty" }, t(lang, "phone.dates_none")));
    return;
  }
  const buttons = openings.map((o) => {
    const parts = dateParts(lang, o.date);
    const kind = o.kind === "weekday" ? "" : t(lang, `phone.kind.${o.kind}`);
    return h(
      "button",
      {
        type: "button",
        class: "p-date",
        dataset: { date: o.date, kind: o.kind, sunday: String(parts.sunday) },
        "aria-pressed": String(o.date === selected),
        onclick: () => onPick(o.date),
      },
      h("span", { class: "p-date-day" }, parts.day),
      h("span", { class: "p-date-weekday" }, o.date === today ? t(lang, "phone.today") : parts.weekday),
      kind ? h("span", { class: "p-date-kind" }, kind) : null,
    );
  });
  container.replaceChildren(...buttons);
  const current = container.querySelector('[aria-pressed="true"]');
  current?.scrollIntoView({ block: "nearest", inline: "nearest" });
}

/**
 * @param {{lang: string, current: ?string, onPick: Function}} options
 *   current: the start of the reservation being moved (shown, not offered), when it is on this day and service.
 */
export function renderSlots(container, slots, { lang, current, onPick }) {
  const items = slots.map((slot) => {
    const isCurrent = slot.start === current;
    const full = slot.available <= 0;
    let state = "open";
    if (isCurrent) state = "current";
    else if (full) state = "full";
    else if (slot.available <= Math.max(1, Math.floor(slot.capacity / 4))) state = "few";
    let label;
    if (state === "current") label = t(lang, "phone.current");
    else if (state === "full") label = t(lang, "phone.slot_full");
    else label = t(lang, "phone.slot_left", { n: slot.available });
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: "p-slot",
          disabled: state === "current" || state === "full",
          dataset: { start: slot.start, available: String(slot.available), capacity: String(slot.capacity), state },
          onclick: () => onPick(slot),
        },
        h("span", { class: "p-slot-time" }, `${formatTime(slot.start)}–${formatTime(slot.end)}`),
        h("span", { class: "p-slot-left" }, label),
        h("span", { class: "p-slot-count" }, t(lang, "phone.slot_count", { booked: slot.booked, capacity: slot.capacity })),
        h("span", { class: "p-slot-bar", "aria-hidden": "true" }, h("span", { class: "p-slot-fill", dataset: { pct: String(fillStep(slot)) } })),
      ),
    );
  });
  container.replaceChildren(...items);
}

/** How full a slot is, in steps of 10 % (the CSP allows no inline style: CSS draws each step). */
function fillStep(slot) {
  if (!slot.capacity) return 100;
  return Math.min(100, Math.round((slot.booked / slot.capacity) * 10) * 10);
}

function lastDigits(phone) {
  const digits = String(phone ?? "").replace(/\D/g, "");
  return digits ? `…${digits.slice(-4)}` : "";
}

/**
 * Rows of reservations (the day list, search results): a touch opens the reservation.
 * @param {{lang: string, serviceName: Function, withDate?: boolean, onOpen: Function}} options
 */
export function renderRows(container, list, { lang, serviceName, withDate = false, onOpen }) {
  const rows = list.map((r) =>
    h(
      "button",
      { type: "button", class: "p-row", dataset: { code: r.code, status: r.status, dated: String(withDate) }, onclick: () => onOpen(r.code) },
      h("span", { class: "p-row-time" }, withDate ? slotText(lang, r) : `${formatTime(r.start)}–${formatTime(r.end)}`),
      h("span", { class: "p-row-code" }, r.code),
      h("span", { class: "p-row-name" }, r.purged ? t(lang, "phone.purged") : r.name),
      h("span", { class: "p-row-phone" }, lastDigits(r.phone)),
      h("span", { class: "p-row-service" }, serviceName(r.service)),
      h("span", { class: "p-status", dataset: { status: r.status } }, t(lang, `phone.status.${r.status}`)),
    ),
  );
  container.replaceChildren(...rows);
}

/** The facts of one reservation as a definition list (read-back and detail). */
export function renderFacts(container, r, { lang, serviceName, siteName, full }) {
  const facts = [
    ["phone.fact.slot", slotText(lang, r)],
    ["phone.fact.service", serviceName(r.service)],
    ["phone.fact.site", siteName(r.site)],
    ["phone.fact.name", r.purged ? t(lang, "phone.purged") : r.name],
    ["phone.fact.phone", r.purged ? "" : r.phone],
  ];
  if (full) {
    facts.unshift(["phone.fact.status", t(lang, `phone.status.${r.status}`)]);
    if (r.ticket_number) facts.push(["phone.fact.ticket", r.ticket_number]);
    if (r.checked_in_at) facts.push(["phone.fact.checked_in_at", clockTime(lang, r.checked_in_at)]);
    facts.push(["phone.fact.created_at", clockTime(lang, r.created_at)], ["phone.fact.created_by", r.created_by]);
  }
  container.replaceChildren(
    ...facts
      .filter(([, value]) => value)
      .flatMap(([key, value]) => [h("dt", {}, t(lang, key)), h("dd", { dataset: { fact: key.split(".").pop() } }, value)]),
  );
}

/** "11/20 14:05" of an ISO instant, in the site's zone. */
function clockTime(lang, iso) {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(lang), {
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: zone,
  }).format(at);
}

/** The code one character at a time, each with how to say it, for reading it out over the phone. */
export function renderSpelling(container, spelled) {
  container.replaceChildren(
    ...spelled.map(({ ch, word }) => h("li", {}, h("span", { class: "p-spell-ch" }, ch), h("span", { class: "p-spell-word" }, word))),
  );
}
