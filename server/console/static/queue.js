// The console's right-hand side: per service, people waiting, the estimated wait and the tickets in the order the
// server will call them (the staff line's `order`, from the server's call order; this counter's services first),
// how long each has waited; then today's no-shows, newest
// first, each with "reinstate" (the visitor came back); then the other counters.
// A waiting number is a button: it opens "call this number" (when the counter may call).

import { h } from "/static/web/dom.js";
import { phrased } from "/static/web/linebreak.js";
import { serverNow } from "/static/web/clock.js";
import { inCallOrder } from "/static/web/live.js";
import { counterName, say, serviceName } from "./common.js";

function minutesSince(iso) {
  if (!iso) return 0;
  return Math.max(0, Math.floor((serverNow().getTime() - Date.parse(iso)) / 60000));
}

export class QueueView {
  /**
   * @param {{onPick: (ticket: object) => void, canPick: () => boolean, onReinstate: (ticket: object) => void,
   *   canReinstate: () => boolean, noShowsBox: Element, noShowsList: Element}} options
   */
  constructor(queueEl, countersEl, counterId, options) {
    this.queueEl = queueEl;
    this.countersEl = countersEl;
    this.counterId = counterId;
    this.options = options;
  }

  render(state, waiting, serves, noShows = []) {
    const byService = new Map();
    for (const ticket of waiting) {
      if (!byService.has(ticket.service)) byService.set(ticket.service, []);
      byService.get(ticket.service).push(ticket);
    }
    const mine = new Set(serves);
    const lines = (state?.services ?? []).filter((line) => line.available_now || byService.has(line.id));
    lines.sort((a, b) => Number(mine.has(b.id)) - Number(mine.has(a.id)));
    this.queueEl.replaceChildren(...lines.map((line) => this.service(line, inCallOrder(line, byService.get(line.id) ?? []), mine.has(line.id))));
    this.renderNoShows(noShows);
    this.renderCounters(state);
  }

  /** Today's no-shows, the latest first (a visitor who comes back has usually just missed the call). */
  renderNoShows(noShows) {
    const { noShowsBox, noShowsList } = this.options;
    const latest = [...noShows].sort((a, b) => String(b.finished_at ?? "").localeCompare(String(a.finished_at ?? "")));
    noShowsBox.hidden = latest.length === 0;
    noShowsList.replaceChildren(
      ...latest.map((ticket) =>
        h(
          "li",
          { class: "k-noshow", dataset: { number: ticket.number, id: ticket.id } },
          h("span", { class: "k-num" }, ticket.number),
          h("span", { class: "k-noshow-service" }, serviceName(ticket.service)), // one line, cut with "…"
          h(
            "span",
            { class: "k-waited" },
            say("console.no_show_meta", { time: (ticket.finished_at ?? "").slice(11, 16), counter: counterName(ticket.counter, ticket.counter_label ?? "") }),
          ),
          h(
            "button",
            {
              type: "button",
              class: "c-button k-reinstate",
              disabled: !this.options.canReinstate(),
              onclick: () => this.options.onReinstate(ticket),
            },
            say("console.reinstate"),
          ),
        ),
      ),
    );
  }

  service(line, tickets, mine) {
    const counts = [say("console.waiting_n", { n: line.waiting })];
    if (line.waiting > 0) counts.push(say("console.estimate", { min: line.estimated_wait_min }));
    return h(
      "section",
      { class: `k-svc${mine ? " k-mine" : ""}`, dataset: { service: line.id, waiting: String(line.waiting) } },
      h(
        "h3",
        { class: "k-svc-head" },
        h("span", { class: "k-svc-name" }, phrased(serviceName(line.id))),
        mine ? h("span", { class: "k-svc-tag" }, say("console.this_counter")) : null,
        h("span", { class: "k-svc-count" }, counts.join(" · ")),
      ),
      tickets.length ? h("ol", { class: "k-tickets" }, tickets.map((ticket) => this.ticket(ticket))) : null,
    );
  }

  ticket(ticket) {
    const badges = [];
    if (ticket.priority) badges.push(h("span", { class: "k-badge k-badge-prio" }, say("console.badge.priority")));
    if (ticket.channel === "reservation") badges.push(h("span", { class: "k-badge" }, say("console.badge.reservation")));
    if (ticket.transfers?.length) badges.push(h("span", { class: "k-badge" }, say("console.badge.transferred")));
    return h(
      "li",
      { class: "k-waiting", dataset: { number: ticket.number } },
      h(
        "button",
        {
          type: "button",
          class: "k-pick",
          disabled: !this.options.canPick(),
          title: say("console.pick_hint", { number: ticket.number }),
          onclick: () => this.options.onPick(ticket),
        },
        h("span", { class: "k-num" }, ticket.number),
        h("span", { class: "k-waited" }, say("console.waited", { min: minutesSince(ticket.issued_at) })),
        ...badges,
      ),
    );
  }

  renderCounters(state) {
    const others = (state?.counters ?? []).filter((c) => c.id !== this.counterId);
    this.countersEl.replaceChildren(
      ...others.map((c) => {
        const status = c.ticket ? say(`console.ticket_status.${c.ticket.status}`) : say(`console.status.${c.status}`);
        return h(
          "li",
          { class: "k-other", dataset: { counter: c.id, status: c.status } },
          h("span", { class: "k-other-label" }, counterName(c.id, c.label)),
          h("span", { class: "k-num" }, c.current_number ?? "—"),
          h("span", { class: "k-other-status" }, status),
        );
      }),
    );
  }
}
