// /console: choose the site (when the account works at several), the counter (those active in today's
// opening, with their status, live), and the services it serves today (by default what the counter served
// last, else every service offered today); "open" opens the counter and goes to its console. Live from the site
// socket: its snapshot, then every event applied to it (live.js), never a read of the state after an event.

import { api, newKey } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { phrased } from "/static/web/linebreak.js";
import { applyEvent } from "/static/web/live.js";
import { LiveSocket } from "/static/web/ws.js";
import { boot, counterName, errorText, formatBusinessDate, nameOf, say, serviceName, signedOut, startPage } from "./common.js";

const setup = {
  site: null,
  state: null,
  counter: boot.counter,
  chosen: new Set(),
  socket: null,
  opening: false,
};

function siteOf(id) {
  return boot.sites.find((s) => s.id === id);
}

function counterSite(counterId) {
  return boot.sites.find((s) => s.counters.some((c) => c.id === counterId));
}

function offeredToday() {
  return (setup.state?.services ?? []).filter((line) => line.available_now);
}

function counterState(id) {
  return setup.state?.counters.find((c) => c.id === id);
}

// ---- drawing ---------------------------------------------------------------------------------------------

function renderSites() {
  $("#sites").replaceChildren(
    ...boot.sites.map((site) =>
      h(
        "button",
        {
          type: "button",
          role: "radio",
          class: "s-card s-site",
          dataset: { site: site.id },
          "aria-checked": String(site.id === setup.site),
          onclick: () => chooseSite(site.id),
        },
        h("span", { class: "s-card-title" }, nameOf(site)),
      ),
    ),
  );
  $("#site-step").hidden = boot.sites.length < 2;
  $("#site-name").textContent = setup.site ? nameOf(siteOf(setup.site)) : "";
  $("#business-date").textContent = formatBusinessDate(setup.state?.business_date);
}

function statusText(counter) {
  if (counter.status === "open") return counter.operator ? say("console.status.open_by", { name: counter.operator }) : say("console.status.open");
  if (counter.status === "paused") return say("console.status.paused");
  return say("console.status.closed");
}

function renderCounters() {
  const site = siteOf(setup.site);
  const counters = setup.state?.counters ?? [];
  $("#counter-step").hidden = !setup.site;
  $("#no-counters").hidden = !setup.state || counters.length > 0;
  $("#counters").replaceChildren(
    ...counters.map((counter) =>
      h(
        "button",
        {
          type: "button",
          role: "radio",
          class: "s-card s-counter",
          dataset: { counter: counter.id, status: counter.status },
          "aria-checked": String(counter.id === setup.counter),
          onclick: () => chooseCounter(counter.id),
        },
        h("span", { class: "s-card-title" }, counterName(counter.id, counter.label)),
        h("span", { class: "s-card-area" }, nameOf(site?.areas?.[counter.area]) || counter.area),
        h("span", { class: "s-card-status" }, statusText(counter)),
        counter.current_number ? h("span", { class: "s-card-ticket" }, say("console.holding", { number: counter.current_number })) : null,
      ),
    ),
  );
}

function renderServices() {
  const counter = counterState(setup.counter);
  $("#service-step").hidden = !counter;
  if (!counter) return;
  const waiting = Object.fromEntries((setup.state?.services ?? []).map((line) => [line.id, line.waiting]));
  $("#services").replaceChildren(
    ...offeredToday().map((line) =>
      h(
        "label",
        { class: "s-service", dataset: { service: line.id } },
        h("input", {
          type: "checkbox",
          value: line.id,
          checked: setup.chosen.has(line.id),
          onchange: (event) => {
            if (event.target.checked) setup.chosen.add(line.id);
            else setup.chosen.delete(line.id);
            renderButton();
          },
        }),
        h("span", { class: "s-service-name" }, phrased(serviceName(line.id))),
        h("span", { class: "s-service-waiting" }, say("console.waiting_n", { n: waiting[line.id] ?? 0 })),
      ),
    ),
  );
  renderButton();
}

function renderButton() {
  const counter = counterState(setup.counter);
  const button = $("#open-counter");
  button.disabled = !counter || setup.chosen.size === 0 || setup.opening;
  const name = counter ? counterName(counter.id, counter.label) : "";
  button.textContent = counter && counter.status !== "closed" ? say("console.join_counter", { counter: name }) : say("console.open_counter_named", { counter: name });
}

function render() {
  renderSites();
  renderCounters();
  renderServices();
}

// ---- choosing --------------------------------------------------------------------------------------------

function defaultServices(counter) {
  const offered = new Set(offeredToday().map((line) => line.id));
  const last = (counter?.services ?? []).filter((id) => offered.has(id));
  return new Set(last.length ? last : offered);
}

function chooseCounter(id) {
  setup.counter = id;
  setup.chosen = defaultServices(counterState(id));
  $("#setup-message").textContent = "";
  render();
}

/** The site's state: the socket's snapshot, or the snapshot with an event applied. */
function useState(state) {
  setup.state = state;
  if (setup.counter && !counterState(setup.counter)) setup.counter = null;
  if (setup.counter && setup.chosen.size === 0) setup.chosen = defaultServices(counterState(setup.counter));
  render();
}

function chooseSite(id) {
  if (setup.site === id) return;
  setup.site = id;
  setup.state = null;
  if (setup.counter && counterSite(setup.counter)?.id !== id) setup.counter = null;
  setup.chosen = new Set();
  setup.socket?.stop();
  render();
  setup.socket = watch(id);
}

/** Counter statuses change while the page is open (a colleague opens or closes one): follow them live. */
function watch(site) {
  return new LiveSocket(`/ws/v1/sites/${encodeURIComponent(site)}`, {
    onSnapshot: (state) => useState(state),
    onEvent: (message) => {
      const next = applyEvent(setup.state, message);
      if (next && (next.counters !== setup.state.counters || next.services !== setup.state.services)) useState(next);
      else setup.state = next;
    },
    onStatus: (status) => {
      $("#connection").hidden = status !== "reconnecting";
      document.body.dataset.connection = status;
    },
    onDenied: () => location.reload(),
  }).start();
}

async function openCounter() {
  const counter = counterState(setup.counter);
  if (!counter || setup.chosen.size === 0) return;
  setup.opening = true;
  renderButton();
  const message = $("#setup-message");
  message.textContent = say("console.opening");
  const order = offeredToday().map((line) => line.id).filter((id) => setup.chosen.has(id));
  const key = newKey("open");
  try {
    await api(`/api/v1/counters/${encodeURIComponent(counter.id)}/open`, { method: "POST", body: { services: order }, key });
    location.assign(`/console/${encodeURIComponent(counter.id)}`);
  } catch (error) {
    if (!signedOut(error)) message.textContent = errorText(error);
    setup.opening = false;
    renderButton();
  }
}

await startPage(render);
$("#open-counter").addEventListener("click", openCounter);
const first = setup.counter ? counterSite(setup.counter) : boot.sites.length === 1 ? boot.sites[0] : null;
if (first) chooseSite(first.id);
else render();
document.body.dataset.ready = "true";
