// Issuing on a visitor's behalf at the general-reception desk: a service, an optional priority flag (no reason
// is recorded: no personal data), the visitor's language for the ticket, and whether to print it.
// One click, one ticket: the key of a click is reused by its retries, and clicks are ignored while one runs.
// The flag and the language go back to their defaults after each ticket, so they never carry over to the
// next visitor by mistake.

import { api, newKey, retryable } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { phrased } from "/static/web/linebreak.js";
import { t } from "/static/web/i18n.js";

const RETRY_DELAYS_MS = [500, 1000, 2000];

export class IssuePanel {
  /** @param {{site: string, lang: () => string, serviceName: Function, onIssued: Function, onError: Function}} options */
  constructor(elements, options) {
    this.el = elements;
    this.options = options;
    this.priority = false;
    this.visitorLang = "ja";
    this.busy = false;
    this.pending = null;
    this.followed = null; // {job id, number, service}: the last ticket, to say how its printing went
    elements.priority.addEventListener("click", () => this.setPriority(!this.priority));
    for (const button of elements.langs) button.addEventListener("click", () => this.setVisitorLang(button.dataset.visitorLang));
  }

  setPriority(on) {
    this.priority = on;
    this.el.priority.setAttribute("aria-pressed", String(on));
  }

  setVisitorLang(lang) {
    this.visitorLang = lang;
    for (const button of this.el.langs) button.setAttribute("aria-pressed", String(button.dataset.visitorLang === lang));
  }

  render(state) {
    const lang = this.options.lang();
    const lines = (state?.services ?? []).filter((line) => line.available_now);
    const open = Boolean(state?.open) && lines.length > 0;
    this.el.closed.hidden = open;
    this.el.closed.textContent = t(lang, state?.open ? "guide.no_services" : "guide.closed");
    this.el.services.replaceChildren(
      ...lines.map((line) =>
        h(
          "button",
          { type: "button", class: "g-service", dataset: { service: line.id, paused: String(Boolean(line.paused)) }, disabled: !open || this.busy || line.paused, onclick: () => this.issue(line.id) },
          h("span", { class: "g-service-name" }, phrased(this.options.serviceName(line.id))),
          h("span", { class: "g-service-count" }, line.paused ? t(lang, "guide.pause.badge") : t(lang, "guide.queue_waiting", { n: line.waiting })),
        ),
      ),
    );
  }

  async send(body) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await api(`/api/v1/sites/${encodeURIComponent(this.options.site)}/tickets`, { method: "POST", body });
      } catch (error) {
        if (!retryable(error) || attempt >= RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  async issue(service) {
    if (this.busy) return;
    this.busy = true;
    this.setButtons(true);
    const lang = this.options.lang();
    this.say(t(lang, "guide.issuing"), "info");
    const key = this.pending?.service === service ? this.pending.key : newKey("guide");
    this.pending = { service, key };
    const body = { service, lang: this.visitorLang, priority: this.priority, idempotency_key: key, print: this.el.print.checked };
    try {
      const { status, data } = await this.send(body);
      this.pending = null;
      this.followed = { job: data.print_job?.id ?? null, number: data.number, service, priority: data.priority, again: status === 200 };
      this.showResult(data.print_job?.state ?? "none");
      this.setPriority(false);
      this.setVisitorLang("ja");
      this.options.onIssued(data);
    } catch (error) {
      if (!retryable(error)) this.pending = null;
      this.say(t(lang, "guide.error", { detail: error.detail || error.code }), "error");
      this.options.onError(error);
    } finally {
      this.busy = false;
      this.setButtons(false);
    }
  }

  setButtons(disabled) {
    for (const button of this.el.services.querySelectorAll("button")) button.disabled = disabled || button.dataset.paused === "true";
  }

  /** A printer.changed job: when it is the last ticket's, say how its printing goes. */
  jobChanged(job) {
    if (this.followed && job?.id === this.followed.job) this.showResult(job.state);
  }

  showResult(jobState) {
    const lang = this.options.lang();
    const f = this.followed;
    const key = f.again ? "guide.issued_again" : f.priority ? "guide.issued_priority" : "guide.issued";
    const text = t(lang, key, { number: f.number, service: this.options.serviceName(f.service) });
    const print = t(lang, "guide.print_state", { state: t(lang, `guide.job.${jobState}`) });
    this.say(`${text} — ${print}`, jobState === "failed" || jobState === "retrying" ? "error" : "ok");
  }

  say(text, kind) {
    this.el.result.textContent = text;
    this.el.result.dataset.kind = kind;
  }
}
