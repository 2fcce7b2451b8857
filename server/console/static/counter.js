// The counter console (/console/{counter}): the ticket this counter holds with its status and timers, the
// actions on it (buttons and one-key shortcuts), the waiting lines, today's no-shows (reinstate one whose visitor
// came back), the other counters and today's own count.
//
// Live from the site socket (staff projection): the snapshot, then every event applied to it (live.js): ticket
// events carry the ticket and the waiting lines with the order the server will call them, counter events the
// counter, so two consoles on the same counter show the same thing without reading anything again. Every click
// sends an Idempotency-Key; when the answer does not come (server restarting, store down:
// 503) the message offers "retry", which sends the same key again: the server does the action at most once.

import { api, newKey, retryable } from "/static/web/api.js";
import { serverNow, syncServerTime } from "/static/web/clock.js";
import { $, $all, h } from "/static/web/dom.js";
import { setPhrased } from "/static/web/linebreak.js";
import { applyEvent } from "/static/web/live.js";
import { LiveSocket } from "/static/web/ws.js";
import { boot, counterName, errorText, formatBusinessDate, nameOf, say, serviceName, signedOut, startPage } from "./common.js";
import { ask, chosen, normalizeNumber } from "./dialogs.js";
import { QueueView } from "./queue.js";

const SITE = boot.site.id;
const COUNTER = boot.counter.id;
const COUNTER_PATH = `/api/v1/counters/${encodeURIComponent(COUNTER)}`;
const ME = boot.staff.login;

const KEYS = {
  N: "call-next",
  R: "recall",
  S: "start",
  C: "complete",
  B: "return",
  X: "no-show",
  T: "transfer",
  G: "call-number",
  P: "pause",
  Q: "close",
};

const desk = {
  state: null, // the staff snapshot, kept by the events
  busy: false,
  pending: null, // the last action that got no answer: retried with the same key
  message: null, // {text: () => string, kind, retry, offer}: said again in the language chosen later
};

/** Today's tickets of the site with `status` (the staff snapshot lists the waiting ones and the no-shows). */
function ticketsWith(status) {
  return (desk.state?.tickets ?? []).filter((ticket) => ticket.status === status);
}

// ---- what the counter is doing -------------------------------------------------------------------------

function counter() {
  return desk.state?.counters.find((c) => c.id === COUNTER) ?? { id: COUNTER, status: "closed", services: [], ticket: null };
}

function held() {
  return counter().ticket ?? null;
}

function can(action) {
  const c = counter();
  const ticket = held();
  if (!desk.state) return false;
  switch (action) {
    case "call-next":
    case "call-number":
      return c.status === "open" && !ticket;
    case "recall":
    case "start":
    case "return":
    case "no-show":
      return ticket?.status === "called";
    case "complete":
    case "transfer":
      return ticket?.status === "serving";
    case "pause":
      return c.status === "paused" || (c.status === "open" && !ticket);
    case "close":
      return c.status !== "closed" && !ticket;
    default:
      return false;
  }
}

// ---- drawing ---------------------------------------------------------------------------------------------

function elapsed(iso) {
  if (!iso) return "–";
  const seconds = Math.max(0, Math.floor((serverNow().getTime() - Date.parse(iso)) / 1000));
  const h_ = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h_ ? `${h_}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function tick() {
  const ticket = held();
  $("#since-called").textContent = elapsed(ticket?.called_at);
  $("#since-serving").textContent = ticket?.status === "serving" ? elapsed(ticket.serving_at) : "–";
  $("#clock").textContent = new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: boot.timezone }).format(serverNow());
}

function renderTicket() {
  const ticket = held();
  document.body.dataset.ticketStatus = ticket?.status ?? "";
  $("#no-ticket").hidden = Boolean(ticket);
  $("#held").hidden = !ticket;
  $("#ticket-number").textContent = ticket?.number ?? "";
  if (!ticket) {
    $("#ticket-status").textContent = "";
    $("#ticket-service").textContent = "";
    return;
  }
  const status = $("#ticket-status");
  status.textContent = say(`console.ticket_status.${ticket.status}`);
  status.dataset.status = ticket.status;
  setPhrased($("#ticket-service"), serviceName(ticket.service));
  const badges = [];
  if (ticket.priority) badges.push(say("console.badge.priority"));
  if (ticket.channel === "reservation") badges.push(say("console.badge.reservation"));
  if (ticket.recall_count) badges.push(say("console.badge.recalled", { n: ticket.recall_count }));
  if (ticket.transfers?.length) badges.push(say("console.badge.transferred"));
  $("#ticket-badges").replaceChildren(...badges.map((text) => h("span", { class: "k-badge" }, text)));
  tick();
}

function renderCounter() {
  const c = counter();
  document.body.dataset.status = c.status;
  const state = $("#counter-state");
  state.dataset.status = c.status;
  state.textContent = c.status === "paused" && c.reason ? `${say("console.status.paused")}（${c.reason}）` : say(`console.status.${c.status}`);
  $("#serves").replaceChildren(...(c.services ?? []).map((id) => h("span", { class: "k-serve", dataset: { service: id } }, serviceName(id))));
  $("#change-services").textContent = say(c.status === "closed" ? "console.open_this_counter" : "console.change_services");
  $("#site-name").textContent = nameOf(boot.site);
  $("#counter-label").textContent = counterName(COUNTER, boot.counter.label);
  $("#business-date").textContent = formatBusinessDate(desk.state?.business_date);
  $("#own-count").textContent = desk.state ? say("console.own_count_n", { n: desk.state.served_by?.[ME] ?? 0 }) : "–";
}

function renderButtons() {
  for (const button of $all("[data-action]")) {
    button.disabled = desk.busy || !can(button.dataset.action);
  }
  const pause = $("[data-action=pause] .k-action-label");
  const paused = counter().status === "paused";
  pause.dataset.i18n = paused ? "console.action.resume" : "console.action.pause";
  pause.textContent = say(pause.dataset.i18n);
}

const queue = new QueueView($("#queue"), $("#counters"), COUNTER, {
  canPick: () => can("call-number") && !desk.busy,
  onPick: (ticket) => callNumber(ticket.number),
  canReinstate: () => Boolean(desk.state) && !desk.busy,
  onReinstate: (ticket) => reinstate(ticket),
  noShowsBox: $("#no-shows-box"),
  noShowsList: $("#no-shows"),
});

/**
 * An unanswered action that the counter's state shows as done after all (its answer was lost, the event came)
 * or as moot (another console acted) needs no retry: forget it, so its key is never reused for a new click.
 */
function settlePending() {
  if (desk.pending && !(desk.pending.needed ?? (() => can(desk.pending.action)))()) {
    desk.pending = null;
    if (!$("#retry").hidden) showMessage(null);
  }
}

function render() {
  settlePending();
  renderCounter();
  renderTicket();
  renderButtons();
  drawMessage();
  queue.render(desk.state, ticketsWith("waiting"), counter().services ?? [], ticketsWith("no_show"));
}

/**
 * `text`: a function giving the words in the current language (the staff may switch while it shows); `offer`: a
 * no-show ticket the message offers to reinstate (its number was called but it is a no-show).
 */
function showMessage(text, { kind = "error", retry = false, offer = null } = {}) {
  desk.message = text ? { text, kind, retry, offer } : null;
  drawMessage();
}

function drawMessage() {
  const message = desk.message;
  const box = $("#message");
  box.hidden = !message;
  box.dataset.kind = message?.kind ?? "error";
  $("#message-text").textContent = message ? message.text() : "";
  $("#retry").hidden = !message?.retry;
  const offer = message?.offer;
  const button = $("#reinstate-offer");
  button.hidden = !offer;
  button.textContent = offer ? say("console.reinstate_number", { number: offer.number }) : "";
  button.onclick = offer ? () => reinstate(offer) : null;
}

// ---- data ------------------------------------------------------------------------------------------------

/** Patch the counter from an action's answer at once (the events that follow bring the rest). */
function holdTicket(ticket) {
  const c = desk.state?.counters.find((x) => x.id === COUNTER);
  if (!c) return;
  const live = ticket && (ticket.status === "called" || ticket.status === "serving") && ticket.counter === COUNTER;
  c.ticket = live ? ticket : null;
  c.current_number = live ? ticket.number : null;
}

function setCounter(view) {
  const c = desk.state?.counters.find((x) => x.id === COUNTER);
  if (c) Object.assign(c, { status: view.status, services: view.services, reason: view.reason });
}

// ---- actions ---------------------------------------------------------------------------------------------

/**
 * POST one action. `spec.id` names the intention (action and ticket): a retry of the same intention after an
 * unanswered try reuses its key, so the server does it once however often it was sent.
 */
async function send(spec) {
  if (desk.busy) return;
  const key = desk.pending?.id === spec.id ? desk.pending.key : newKey("console");
  desk.busy = true;
  document.body.dataset.busy = "true";
  renderButtons();
  showMessage(null);
  try {
    const { data } = await api(spec.path, { method: "POST", body: spec.body, key });
    desk.pending = null;
    spec.after?.(data);
    if (spec.done) showMessage(() => spec.done(data), { kind: "ok" });
  } catch (error) {
    if (signedOut(error)) return;
    if (retryable(error)) {
      desk.pending = { ...spec, key };
      showMessage(() => errorText(error), { retry: true });
    } else {
      desk.pending = null;
      if (!(await spec.refused?.(error))) showMessage(() => errorText(error));
    }
  } finally {
    desk.busy = false;
    delete document.body.dataset.busy;
    render();
  }
}

function ticketAction(action, extra = {}) {
  const ticket = held();
  if (!ticket) return;
  send({
    action,
    id: `${action}:${ticket.id}`,
    path: `/api/v1/tickets/${encodeURIComponent(ticket.id)}/${action}`,
    after: holdTicket,
    ...extra,
  });
}

function callNext() {
  send({
    action: "call-next",
    id: "call-next",
    path: `${COUNTER_PATH}/call-next`,
    after: holdTicket,
    done: (ticket) => say("console.done.called", { number: ticket.number }),
  });
}

async function callNumber(prefill = "") {
  if (!can("call-number") || desk.busy) return;
  const dialog = $("#number-dialog");
  const input = $("#call-number");
  input.value = prefill;
  $("#number-message").textContent = "";
  let number = null;
  const validate = () => {
    number = normalizeNumber(input.value, boot.number_digits);
    if (!number) $("#number-message").textContent = say("console.error.number_format");
    return Boolean(number);
  };
  if ((await ask(dialog, { validate, focus: input })) !== "ok") return;
  send({
    action: "call-number",
    id: `call:${number}`,
    path: `${COUNTER_PATH}/call`,
    body: { number },
    after: holdTicket,
    done: (ticket) => say("console.done.called", { number: ticket.number }),
    refused: (error) => offerReinstate(number, error),
  });
}

/**
 * The number asked for is a no-show of today (409 invalid_transition): say so, and offer to reinstate it rather
 * than "the ticket's state changed". False when the refusal was about something else.
 */
async function offerReinstate(number, error) {
  if (error.code !== "invalid_transition") return false;
  const ticket = ticketsWith("no_show").find((t) => t.number === number);
  if (!ticket) return false;
  showMessage(() => say("console.error.no_show", { number }), { offer: ticket });
  return true;
}

/** A no-show's visitor came back: the ticket waits again at its old place (then it can be called). */
function reinstate(ticket) {
  send({
    action: "reinstate",
    id: `reinstate:${ticket.id}`,
    path: `/api/v1/tickets/${encodeURIComponent(ticket.id)}/reinstate`,
    needed: () => ticketsWith("no_show").some((t) => t.id === ticket.id),
    done: () => say("console.done.reinstated", { number: ticket.number }),
  });
}

async function complete() {
  const ticket = held();
  const dialog = $("#complete-dialog");
  $("#complete-title").textContent = say("console.complete_title", { number: ticket.number });
  $("#complete-message").textContent = "";
  $("#complete-note").value = "";
  dialog.querySelector("input[name=outcome][value=completed]").checked = true;
  const validate = () => {
    const ok = chosen(dialog, "outcome") !== "other" || $("#complete-note").value.trim() !== "";
    $("#complete-message").textContent = ok ? "" : say("console.error.note_required");
    return ok;
  };
  if ((await ask(dialog, { validate })) !== "ok") return;
  ticketAction("complete", {
    body: { outcome: chosen(dialog, "outcome"), note: $("#complete-note").value.trim() },
    done: () => say("console.done.completed", { number: ticket.number }),
  });
}

async function transfer() {
  const ticket = held();
  const dialog = $("#transfer-dialog");
  $("#transfer-title").textContent = say("console.transfer_title", { number: ticket.number });
  $("#transfer-message").textContent = "";
  $("#transfer-note").value = "";
  const offered = (desk.state?.services ?? []).filter((line) => line.available_now && line.id !== ticket.service);
  const legend = dialog.querySelector("#transfer-services legend");
  $("#transfer-services").replaceChildren(
    legend,
    ...offered.map((line, i) =>
      h(
        "label",
        { class: "k-choice", dataset: { service: line.id } },
        h("input", { type: "radio", name: "service", value: line.id, checked: i === 0 }),
        i < 9 ? h("kbd", {}, String(i + 1)) : null,
        " ",
        h("span", {}, serviceName(line.id)),
      ),
    ),
  );
  const validate = () => {
    const ok = chosen(dialog, "service") !== "";
    $("#transfer-message").textContent = ok ? "" : say("console.error.choose_service");
    return ok;
  };
  if ((await ask(dialog, { validate })) !== "ok") return;
  const service = chosen(dialog, "service");
  ticketAction("transfer", {
    body: { service, note: $("#transfer-note").value.trim() },
    done: () => say("console.done.transferred", { number: ticket.number, service: serviceName(service) }),
  });
}

async function pauseOrResume() {
  const c = counter();
  if (c.status === "paused") {
    send({ action: "pause", id: "resume", path: `${COUNTER_PATH}/open`, body: { services: c.services }, after: setCounter });
    return;
  }
  const dialog = $("#pause-dialog");
  $("#pause-note").value = "";
  $("#pause-message").textContent = "";
  dialog.querySelector("input[name=reason][value=break]").checked = true;
  if ((await ask(dialog)) !== "ok") return;
  const choice = chosen(dialog, "reason");
  const note = $("#pause-note").value.trim();
  const reason = choice === "other" ? note || say("console.pause.other") : [say(`console.pause.${choice}`), note].filter(Boolean).join(" ");
  send({ action: "pause", id: "pause", path: `${COUNTER_PATH}/pause`, body: { reason }, after: setCounter });
}

async function closeCounter() {
  if ((await ask($("#close-dialog"))) !== "ok") return;
  send({ action: "close", id: "close", path: `${COUNTER_PATH}/close`, after: () => location.assign("/console") });
}

const RUN = {
  "call-next": callNext,
  recall: () => ticketAction("recall", { done: (t) => say("console.done.recalled", { number: t.number }) }),
  start: () => ticketAction("start"),
  complete,
  return: () => ticketAction("return", { done: (t) => say("console.done.returned", { number: t.number }) }),
  "no-show": () => ticketAction("no-show", { done: (t) => say("console.done.no_show", { number: t.number }) }),
  transfer,
  "call-number": () => callNumber(),
  pause: pauseOrResume,
  close: closeCounter,
};

function trigger(action) {
  if (desk.busy || !can(action)) return;
  RUN[action]();
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (document.querySelector("dialog[open]")) return; // a dialog takes its own keys
  if (event.target instanceof Element && event.target.closest("input, textarea, select")) return;
  const action = KEYS[event.key.length === 1 ? event.key.toUpperCase() : ""];
  if (!action) return;
  event.preventDefault();
  trigger(action);
}

// ---- live ------------------------------------------------------------------------------------------------

function onEvent(message) {
  const before = desk.state;
  desk.state = applyEvent(desk.state, message);
  // while an action is on its way the page waits for its answer (which redraws): the ticket it shows is then one
  // the buttons and keys act on, never one they would ignore because the console is still busy
  if (desk.busy) return;
  if (desk.state?.tickets !== before?.tickets || desk.state?.counters !== before?.counters || desk.state?.services !== before?.services) render();
}

function onStatus(status) {
  $("#connection").hidden = status !== "reconnecting";
  document.body.dataset.connection = status;
}

syncServerTime(document.body.dataset.serverNow, boot.timezone);
await startPage(render);
for (const button of $all("[data-action]")) button.addEventListener("click", () => trigger(button.dataset.action));
$("#retry").addEventListener("click", () => desk.pending && send(desk.pending));
document.addEventListener("keydown", onKey);
setInterval(tick, 1000);
new LiveSocket(`/ws/v1/sites/${encodeURIComponent(SITE)}`, {
  onSnapshot: (state) => {
    desk.state = state;
    render();
  },
  onEvent,
  onStatus,
  onDenied: () => location.reload(),
}).start();
document.body.dataset.ready = "true";
