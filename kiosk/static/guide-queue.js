// The guide console's live queue: per service, the tickets waiting in the order the server will call them (the
// staff line's `order`), each with reprint and cancel; the numbers being called now; and today's no-shows, each
// with "reinstate" for a visitor who comes back to reception.

import { h } from "/static/web/dom.js";
import { phrased } from "/static/web/linebreak.js";
import { t } from "/static/web/i18n.js";
import { inCallOrder } from "/static/web/live.js";

export function timeOf(iso) {
  return iso ? iso.slice(11, 16) : "";
}

/** A waiting ticket's row: number, priority, channel, issue time and language, then `actions` (buttons). */
export function ticketRow(ticket, lang, actions) {
  const meta = [t(lang, `guide.channel.${ticket.channel}`), t(lang, "guide.issued_at", { time: timeOf(ticket.issued_at) })];
  if (ticket.lang && ticket.lang !== "ja") meta.push(t(ticket.lang, "lang.self"));
  return h(
    "li",
    { class: "g-ticket", dataset: { number: ticket.number, id: ticket.id } },
    h("span", { class: "g-num" }, ticket.number),
    ticket.priority ? h("span", { class: "g-badge" }, t(lang, "guide.priority_badge")) : null,
    h("span", { class: "g-meta" }, meta.join(" · ")),
    h("span", { class: "g-actions" }, ...actions),
  );
}

export class QueueView {
  /**
   * @param {{lang: () => string, serviceName: (id: string) => string,
   *   counterName: (id: string, label?: string) => string, onReprint: Function, onCancel: Function,
   *   onReinstate: Function}} options
   */
  constructor(queueEl, callingEl, noShowsEl, options) {
    this.queueEl = queueEl;
    this.callingEl = callingEl;
    this.noShowsEl = noShowsEl;
    this.options = options;
    queueEl.addEventListener("scroll", () => this.markMore(), { passive: true });
    window.addEventListener("resize", () => this.markMore());
  }

  render(state, waiting, noShows = []) {
    const lang = this.options.lang();
    const byService = new Map();
    for (const ticket of waiting) {
      if (!byService.has(ticket.service)) byService.set(ticket.service, []);
      byService.get(ticket.service).push(ticket);
    }
    // a paused service's tickets are in its own block above the queue (guide-pause.js)
    const lines = (state?.services ?? []).filter((line) => !line.paused && (line.available_now || byService.has(line.id)));
    const busy = lines.filter((line) => byService.has(line.id));
    const idle = lines.filter((line) => !byService.has(line.id));
    const blocks = busy.map((line) => this.service(line, inCallOrder(line, byService.get(line.id)), lang));
    if (idle.length) blocks.push(this.idle(idle, lang));
    this.queueEl.replaceChildren(...blocks);
    this.renderCalling(state, lang);
    this.renderNoShows(noShows, lang);
    this.markMore();
  }

  /** Today's no-shows, the latest first: the visitor the visitor page sent to reception has just missed the call. */
  renderNoShows(noShows, lang) {
    const latest = [...noShows].sort((a, b) => String(b.finished_at ?? "").localeCompare(String(a.finished_at ?? "")));
    this.noShowsEl.closest("#no-shows-box").hidden = latest.length === 0;
    this.noShowsEl.replaceChildren(
      ...latest.map((ticket) =>
        h(
          "li",
          { class: "g-ticket g-noshow", dataset: { number: ticket.number, id: ticket.id } },
          h("span", { class: "g-num" }, ticket.number),
          h(
            "span",
            { class: "g-meta" },
            [this.options.serviceName(ticket.service), t(lang, "guide.no_show_meta", { time: timeOf(ticket.finished_at), counter: this.options.counterName(ticket.counter, ticket.counter_label ?? "") })].join(" · "),
          ),
          h(
            "span",
            { class: "g-actions" },
            h("button", { type: "button", class: "g-button g-primary", dataset: { action: "reinstate" }, onclick: () => this.options.onReinstate(ticket) }, t(lang, "guide.reinstate")),
          ),
        ),
      ),
    );
  }

  /** Services nobody waits for, in one line at the end: the list keeps its room for the tickets. */
  idle(lines, lang) {
    const names = lines.map((line) => this.options.serviceName(line.id)).join("・");
    return h("p", { class: "g-idle", id: "queue-idle" }, t(lang, "guide.queue_idle", { services: names }));
  }

  /** Whether tickets are hidden below the list's visible part (the panel then shows a fade). */
  markMore() {
    const el = this.queueEl;
    el.closest(".g-queue").dataset.more = String(el.scrollTop + el.clientHeight < el.scrollHeight - 2);
  }

  service(line, tickets, lang) {
    const counts = [t(lang, "guide.queue_waiting", { n: line.waiting })];
    if (line.waiting > 0) counts.push(t(lang, "guide.queue_estimate", { min: line.estimated_wait_min }));
    return h(
      "section",
      { class: "g-svc", dataset: { service: line.id, waiting: String(tickets.length) } },
      h(
        "h3",
        { class: "g-svc-head" },
        h("span", { class: "g-svc-name" }, phrased(this.options.serviceName(line.id))),
        h("span", { class: "g-svc-count" }, counts.join(" · ")),
      ),
      tickets.length ? h("ol", { class: "g-tickets" }, tickets.map((ticket) => this.ticket(ticket, lang))) : null,
    );
  }

  ticket(ticket, lang) {
    return ticketRow(ticket, lang, [
      h("button", { type: "button", class: "g-button", dataset: { action: "reprint" }, onclick: () => this.options.onReprint(ticket) }, t(lang, "guide.reprint")),
      h("button", { type: "button", class: "g-button g-danger", dataset: { action: "cancel" }, onclick: () => this.options.onCancel(ticket) }, t(lang, "guide.cancel")),
    ]);
  }

  renderCalling(state, lang) {
    const calling = state?.calling ?? [];
    if (!calling.length) {
      this.callingEl.replaceChildren(h("li", { class: "g-empty" }, t(lang, "guide.calling_none")));
      return;
    }
    this.callingEl.replaceChildren(
      ...calling.map((call) =>
        h("li", { class: "g-call" }, h("span", { class: "g-num" }, call.number), h("span", { class: "g-arrow", "aria-hidden": "true" }, "→"), h("span", {}, this.options.counterName(call.counter, call.counter_label))),
      ),
    );
  }
}
