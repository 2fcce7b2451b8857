// The closed state: why no ticket can be taken now, and when the next opening is (from the calendar).

import { api } from "/static/web/api.js";
import { localParts } from "/static/web/clock.js";
import { formatDate, formatTime, t } from "/static/web/i18n.js";

const LOOKAHEAD_DAYS = 62;

function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Which message heads the closed screen: not open today, not open yet, or done for today. */
export function closedReason(today, nowTime) {
  if (!today || today.kind === "closed") return "closed.closed_today";
  if (today.opens_at && nowTime < today.opens_at) return "closed.before_open";
  return "closed.done_today";
}

/** The next opening after now: later today, or the first open day of the calendar. */
export async function nextOpening(site, today) {
  const now = localParts();
  if (today && today.kind !== "closed" && today.date === now.date && today.opens_at && now.time < today.opens_at) {
    return today;
  }
  const from = now.date;
  const to = addDays(from, LOOKAHEAD_DAYS);
  const { data } = await api(`/api/v1/calendar?site=${encodeURIComponent(site)}&from=${from}&to=${to}`);
  return data.find((o) => o.kind !== "closed" && (o.date > now.date || (o.date === now.date && o.opens_at > now.time))) ?? null;
}

export function renderClosed(elements, { lang, today, next }) {
  const now = localParts();
  elements.title.textContent = t(lang, closedReason(today, now.time));
  elements.next.hidden = !next;
  elements.ask.hidden = Boolean(next);
  if (next) {
    const date = next.date === now.date ? t(lang, "closed.today") : formatDate(lang, next.date);
    elements.nextAt.textContent = t(lang, "closed.next_at", { date, time: formatTime(next.opens_at) });
    elements.hours.textContent = t(lang, "closed.hours", {
      opens: formatTime(next.opens_at),
      last: formatTime(next.last_ticket_at ?? next.closes_at),
    });
  }
}
