// Service pause on the guide console (an upstream outage such as J-LIS down stops card work for hours).
//
// PauseForm: pause a service offered today with a reason in Japanese (and English), or change the reason of a
// paused one. PausedServices: at the top of the queue, one block per paused service with its reason, "resume",
// and the tickets waiting for it, each with the guide's three answers: move it to another service (same number,
// same place by issue order), cancel it with a printed "please come back" slip, or book the visitor a reservation
// (guide-book.js). Move and slip also for all the waiting tickets at once. The state comes live from the site
// socket (`service.changed`, the staff projection says who paused it), the tickets too, in the order the server
// will call them (ticket events carry the staff lines with that order).

import { api } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";
import { inCallOrder } from "/static/web/live.js";
import { pausedLines } from "/static/web/paused.js";
import { choiceButtons } from "/static/web/staff.js";
import { ticketRow, timeOf } from "./guide-queue.js";

const enc = encodeURIComponent;

/** Ask with the console's confirm dialog, its "yes" button saying `yes`; resolves true for yes. */
export async function confirmWith(text, yes) {
  const dialog = document.getElementById("confirm");
  const button = document.getElementById("confirm-yes");
  const usual = button.textContent;
  document.getElementById("confirm-text").textContent = text;
  button.textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  button.textContent = usual;
  return dialog.returnValue === "yes";
}

export class PauseForm {
  /** @param {{form: HTMLFormElement, service: HTMLElement, reasonJa: HTMLInputElement, reasonEn: HTMLInputElement, result: HTMLElement}} els */
  constructor(els, { site, lang, serviceName, onError }) {
    this.els = els;
    this.site = site;
    this.lang = lang;
    this.serviceName = serviceName;
    this.onError = onError;
    this.lines = [];
    this.chosen = ""; // the service to pause: none until its button is touched, none again once paused
    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.pause();
    });
  }

  /** The services offered today by their whole names, a paused one marked so (pausing it again changes its reason). */
  render(state) {
    const lang = this.lang();
    this.lines = (state?.services ?? []).filter((line) => line.available_now);
    this.state = state;
    if (!this.lines.some((line) => line.id === this.chosen)) this.chosen = "";
    const choices = this.lines.map((line) => ({
      id: line.id,
      name: this.serviceName(line.id),
      note: line.paused ? (lang === "en" ? `(${t(lang, "guide.pause.badge")})` : `（${t(lang, "guide.pause.badge")}）`) : "",
    }));
    this.els.service.replaceChildren(
      ...choiceButtons(choices, {
        chosen: this.chosen,
        className: "g-button g-pause-service",
        onChoose: (id) => {
          this.chosen = id;
          this.render(this.state);
        },
      }),
    );
  }

  async pause() {
    const service = this.chosen;
    const reasonJa = this.els.reasonJa.value.trim();
    if (!service) {
      this.say(t(this.lang(), "guide.pause.choose"), "error");
      return;
    }
    if (!reasonJa) return;
    const wasPaused = this.lines.find((line) => line.id === service)?.paused;
    const button = this.els.form.querySelector("button[type=submit]");
    button.disabled = true;
    const lang = this.lang();
    try {
      await api(`/api/v1/sites/${enc(this.site)}/services/${enc(service)}/pause`, {
        method: "POST",
        body: { reason_ja: reasonJa, reason_en: this.els.reasonEn.value.trim() },
      });
      this.els.reasonJa.value = "";
      this.els.reasonEn.value = "";
      this.chosen = "";
      this.render(this.state);
      this.say(t(lang, wasPaused ? "guide.pause.updated" : "guide.pause.paused", { service: this.serviceName(service) }), "ok");
    } catch (error) {
      this.say(t(lang, "guide.error", { detail: error.detail || error.code }), "error");
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }

  say(text, kind) {
    this.els.result.textContent = text;
    this.els.result.dataset.kind = kind;
  }
}

export class PausedServices {
  /**
   * @param {HTMLElement} box the container at the top of the queue
   * @param {{site: string, lang: () => string, serviceName: Function, say: Function, onBook: Function, onChanged: Function,
   *   onError: Function}} options
   */
  constructor(box, options) {
    this.box = box;
    this.options = options;
    this.busy = false;
    this.targets = new Map(); // paused service -> the chosen service to move its tickets to
  }

  render(state, waiting) {
    const lang = this.options.lang();
    const paused = pausedLines(state?.services);
    const offered = (state?.services ?? []).filter((line) => line.available_now && !line.paused);
    this.box.hidden = paused.length === 0;
    this.box.replaceChildren(...paused.map((line) => this.block(line, offered, inCallOrder(line, waiting.filter((x) => x.service === line.id)), lang)));
  }

  block(line, offered, tickets, lang) {
    const { serviceName } = this.options;
    const pause = line.pause;
    const targets = offered.filter((other) => other.id !== line.id);
    if (!targets.some((other) => other.id === this.targets.get(line.id))) this.targets.set(line.id, targets[0]?.id ?? "");
    const select = h(
      "select",
      { class: "g-move-to", "aria-label": t(lang, "guide.pause.move_to"), onchange: (event) => this.targets.set(line.id, event.target.value) },
      targets.map((other) => h("option", { value: other.id, selected: other.id === this.targets.get(line.id) }, serviceName(other.id))),
    );
    const none = !targets.length;
    const since = t(lang, "guide.pause.since", { time: timeOf(pause.since), by: pause.by ?? "" });
    return h(
      "section",
      { class: "g-paused", dataset: { service: line.id, waiting: String(tickets.length) } },
      h(
        "div",
        { class: "g-paused-head" },
        h("h3", { class: "g-paused-name" }, h("span", { class: "g-badge g-paused-badge" }, t(lang, "guide.pause.badge")), " ", serviceName(line.id)),
        h("button", { type: "button", class: "g-button g-primary", dataset: { action: "resume" }, onclick: () => this.resume(line.id) }, t(lang, "guide.pause.resume")),
      ),
      h("p", { class: "g-paused-reason", lang: "ja" }, pause.reason_ja),
      pause.reason_en ? h("p", { class: "g-paused-reason-en", lang: "en" }, pause.reason_en) : null,
      h("p", { class: "g-paused-since" }, since),
      tickets.length
        ? h(
            "div",
            { class: "g-paused-all" },
            h("label", {}, t(lang, "guide.pause.move_to"), " ", none ? h("span", { class: "g-help" }, t(lang, "guide.pause.no_target")) : select),
            h("button", { type: "button", class: "g-button", dataset: { action: "move-all" }, disabled: none, onclick: () => this.moveAll(line.id, tickets) }, t(lang, "guide.pause.move_all")),
            h("button", { type: "button", class: "g-button g-danger", dataset: { action: "slip-all" }, onclick: () => this.slipAll(line.id, tickets) }, t(lang, "guide.pause.slip_all")),
          )
        : h("p", { class: "g-empty" }, t(lang, "guide.pause.nobody")),
      tickets.length ? h("ol", { class: "g-tickets" }, tickets.map((ticket) => this.ticket(ticket, line.id, none, lang))) : null,
    );
  }

  ticket(ticket, service, none, lang) {
    return ticketRow(ticket, lang, [
      h("button", { type: "button", class: "g-button", dataset: { action: "move" }, disabled: none, onclick: () => this.move(ticket, service) }, t(lang, "guide.pause.move")),
      h("button", { type: "button", class: "g-button g-danger", dataset: { action: "slip" }, onclick: () => this.slip(ticket) }, t(lang, "guide.pause.slip")),
      h("button", { type: "button", class: "g-button", dataset: { action: "book" }, onclick: () => this.options.onBook(ticket) }, t(lang, "guide.pause.book")),
    ]);
  }

  /** Run `work` unless another action of this panel is running; report what failed. */
  async run(work) {
    if (this.busy) return;
    this.busy = true;
    try {
      await work();
    } catch (error) {
      this.options.say(t(this.options.lang(), "guide.error", { detail: error.detail || error.code }), "error");
      this.options.onError(error);
    } finally {
      this.busy = false;
      this.options.onChanged();
    }
  }

  resume(service) {
    return this.run(async () => {
      await api(`/api/v1/sites/${enc(this.options.site)}/services/${enc(service)}/resume`, { method: "POST" });
      this.options.say(t(this.options.lang(), "guide.pause.resumed", { service: this.options.serviceName(service) }), "ok");
    });
  }

  async postMove(ticket, target) {
    await api(`/api/v1/tickets/${enc(ticket.id)}/move`, { method: "POST", body: { service: target } });
  }

  async postSlip(ticket) {
    await api(`/api/v1/tickets/${enc(ticket.id)}/cancel-with-slip`, { method: "POST", body: {} });
  }

  move(ticket, service) {
    const target = this.targets.get(service);
    if (!target) return Promise.resolve();
    return this.run(async () => {
      await this.postMove(ticket, target);
      this.options.say(t(this.options.lang(), "guide.pause.moved", { number: ticket.number, service: this.options.serviceName(target) }), "ok");
    });
  }

  async moveAll(service, tickets) {
    const target = this.targets.get(service);
    const lang = this.options.lang();
    const { serviceName } = this.options;
    const question = t(lang, "guide.pause.move_all_confirm", { service: serviceName(service), n: tickets.length, target: serviceName(target) });
    if (!target || !(await confirmWith(question, t(lang, "guide.pause.yes")))) return;
    await this.run(async () => {
      for (const ticket of tickets) await this.postMove(ticket, target); // in issue order: each keeps its place
      this.options.say(t(lang, "guide.pause.moved_all", { n: tickets.length, service: serviceName(target) }), "ok");
    });
  }

  async slip(ticket) {
    const lang = this.options.lang();
    if (!(await confirmWith(t(lang, "guide.pause.slip_confirm", { number: ticket.number }), t(lang, "guide.pause.yes")))) return;
    await this.run(async () => {
      await this.postSlip(ticket);
      this.options.say(t(lang, "guide.pause.slipped", { number: ticket.number }), "ok");
    });
  }

  async slipAll(service, tickets) {
    const lang = this.options.lang();
    const question = t(lang, "guide.pause.slip_all_confirm", { service: this.options.serviceName(service), n: tickets.length });
    if (!(await confirmWith(question, t(lang, "guide.pause.yes")))) return;
    await this.run(async () => {
      for (const ticket of tickets) await this.postSlip(ticket);
      this.options.say(t(lang, "guide.pause.slipped_all", { n: tickets.length }), "ok");
    });
  }
}
