// A page's copy of its site's snapshot, kept current by the site socket's events (DESIGN §5, push only).
//
// The socket's first message is the snapshot (the public one, or the staff one for a staff session); every event
// after it carries what changed (server/views.py): a ticket event the ticket and the lines of the services it touched
// (people waiting, the estimate, for staff the call order), a counter event the counter and the lines whose estimates
// follow it, a calendar event today's opening. `applyEvent` folds one into the state, so no page reads the snapshot
// again after an event. Shared by the board, the kiosk, the consoles and the floor overview.

import { withServiceChanged } from "./paused.js";

/** A counter holds a ticket in these statuses. */
export const HELD = new Set(["called", "serving"]);
/** The tickets of the staff snapshot (`state.tickets`): what a console lists. */
const LISTED = new Set(["waiting", "called", "serving", "no_show"]);
const OPEN = ["waiting", "called", "serving"];

/** The service lines after an event that carries some (`message.services`), the others as they were. */
export function withLines(lines, message) {
  const updates = message.services ?? [];
  if (!updates.length) return lines ?? [];
  const byId = new Map(updates.map((line) => [line.id, line]));
  const out = (lines ?? []).map((line) => byId.get(line.id) ?? line);
  for (const line of updates) if (!out.some((l) => l.id === line.id)) out.push(line);
  return out;
}

/** The counters after a ticket event: a counter shows the number it called or serves, none once the ticket left it. */
export function withTicket(counters, ticket) {
  return (counters ?? []).map((c) => {
    const staff = "ticket" in c;
    if (HELD.has(ticket.status) && ticket.counter === c.id) {
      return staff ? { ...c, current_number: ticket.number, ticket } : { ...c, current_number: ticket.number };
    }
    const had = staff ? c.ticket?.id === ticket.id : c.current_number === ticket.number;
    if (!had) return c;
    return staff ? { ...c, current_number: null, ticket: null } : { ...c, current_number: null };
  });
}

/** The counters after counter.changed (a counter not in today's opening joins the list once it opens). */
export function withCounter(counters, counter) {
  const list = counters ?? [];
  if (list.some((c) => c.id === counter.id)) return list.map((c) => (c.id === counter.id ? { ...c, ...counter } : c));
  return counter.status === "closed" ? list : [...list, counter];
}

/** The numbers called now after a ticket event: the newest call first, one per counter and number. */
function withCalling(calling, message) {
  const ticket = message.ticket;
  const others = (calling ?? []).filter((call) => call.number !== ticket.number && call.counter !== (HELD.has(ticket.status) ? ticket.counter : null));
  if (ticket.status !== "called") return others;
  const call = { number: ticket.number, service: ticket.service, counter: ticket.counter, counter_label: ticket.counter_label, called_at: message.at };
  return [call, ...others];
}

/** Staff: today's totals after a ticket event, from the status it came from to the one it has now. */
function withTotals(totals, message) {
  if (!totals) return totals;
  const from = message.from_status;
  const to = message.ticket.status;
  if (from === to) return totals;
  const out = { ...totals };
  const key = (status) => (status === "done" ? "served" : status);
  if (from) out[key(from)] = Math.max(0, (out[key(from)] ?? 0) - 1);
  else out.issued = (out.issued ?? 0) + 1;
  out[key(to)] = (out[key(to)] ?? 0) + 1;
  return out;
}

function ticketEvent(state, message) {
  const ticket = message.ticket;
  const next = {
    ...state,
    services: withLines(state.services, message),
    counters: withTicket(state.counters, ticket),
    calling: withCalling(state.calling, message),
  };
  if (message.type === "ticket.called" || message.type === "ticket.recalled") {
    const call = { number: ticket.number, service: ticket.service, counter: ticket.counter, counter_label: ticket.counter_label, called_at: message.at };
    next.recent = [{ ...call, recall: message.type === "ticket.recalled" ? 1 : 0 }, ...(state.recent ?? [])];
  }
  if (Array.isArray(state.tickets)) {
    // the staff snapshot: the tickets a console lists, the totals, who served how many
    next.tickets = [...state.tickets.filter((t) => t.id !== ticket.id), ...(LISTED.has(ticket.status) ? [ticket] : [])];
    next.totals = withTotals(state.totals, message);
    if (message.type === "ticket.done" && ticket.operator) {
      next.served_by = { ...state.served_by, [ticket.operator]: (state.served_by?.[ticket.operator] ?? 0) + 1 };
    }
  }
  return next;
}

/** A business date closed: every ticket still open became unserved, the lines are empty, nobody is called. */
function closedDay(state) {
  const next = {
    ...state,
    open: false,
    closed: true,
    calling: [],
    recent: [],
    services: (state.services ?? []).map((line) => ({ ...line, waiting: 0, estimated_wait_min: 0, ...("order" in line ? { order: [], waiting_since: null } : {}) })),
    counters: (state.counters ?? []).map((c) => ({ ...c, current_number: null, ...("ticket" in c ? { ticket: null } : {}) })),
  };
  if (Array.isArray(state.tickets)) {
    next.tickets = state.tickets.filter((t) => !OPEN.includes(t.status));
    const totals = { ...state.totals };
    for (const status of OPEN) {
      totals.unserved = (totals.unserved ?? 0) + (totals[status] ?? 0);
      totals[status] = 0;
    }
    next.totals = totals;
  }
  return next;
}

/** The calendar changed: today's opening as it now stands, and which services it offers. */
function calendarChanged(state, message) {
  const offered = new Set(message.today.services);
  const services = (state.services ?? []).map((line) => ({ ...line, available_now: offered.has(line.id) }));
  return { ...state, today: message.today, open: message.open && !state.closed, services };
}

/**
 * The state after one event of the site socket (a new object; the page's state is never changed in place).
 * Events a snapshot does not show (printers, reservations, tallies) leave it as it is, `seq` apart.
 */
export function applyEvent(state, message) {
  if (!state) return state;
  const type = message.type ?? "";
  let next = state;
  if (type.startsWith("ticket.") && message.ticket) next = ticketEvent(state, message);
  else if (type === "counter.changed" && message.counter) {
    next = { ...state, counters: withCounter(state.counters, message.counter), services: withLines(state.services, message) };
  } else if (type === "service.changed") next = { ...state, services: withServiceChanged(state.services, message) };
  else if (type === "notice.changed") next = { ...state, notices: Array.isArray(message.notices) ? message.notices : [] };
  else if (type === "day.closed" && message.business_date === state.business_date) next = closedDay(state);
  else if (type === "calendar.changed" && message.today) next = calendarChanged(state, message);
  if (typeof message.seq === "number") next = next === state ? { ...state, seq: message.seq } : { ...next, seq: message.seq };
  return next;
}

/** Staff: the waiting tickets of a service line in the order the server will call them (the line's `order`). */
export function inCallOrder(line, tickets) {
  const byId = new Map(tickets.map((ticket) => [ticket.id, ticket]));
  const ordered = (line?.order ?? []).map((id) => byId.get(id)).filter(Boolean);
  // a ticket the order does not name yet (its event is on the way) goes last rather than nowhere
  return [...ordered, ...tickets.filter((ticket) => !line?.order?.includes(ticket.id))];
}
