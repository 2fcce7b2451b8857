// The guide console's printers: each printer's state, and alerts a person cannot miss when a printer is out
// of paper, offline or open, or when a ticket did not print (with a reprint button when the ticket is known).

import { h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";

const PRINTER_ALERTS = {
  paper_out: ["guide.alert.paper_out", "danger"],
  offline: ["guide.alert.offline", "danger"],
  cover_open: ["guide.alert.cover_open", "danger"],
  paper_near_end: ["guide.alert.paper_near_end", "warn"],
};
const SEVERITY = { ok: "ok", paper_near_end: "warn", paper_out: "danger", cover_open: "danger", offline: "danger" };
const PROBLEM_JOBS = new Set(["retrying", "failed"]);

export class Printers {
  /** @param {{lang: () => string, canReprint: (number: string) => boolean, onReprint: (number: string) => void}} options */
  constructor(listEl, alertsEl, options) {
    this.listEl = listEl;
    this.alertsEl = alertsEl;
    this.options = options;
    this.printers = new Map(); // id -> {id, name, state, detail, jobs_waiting}
    this.jobs = new Map(); // job id -> {id, number, state, printer}: only jobs with a problem
    this.dismissed = new Set();
  }

  load(list) {
    this.printers = new Map(list.map((p) => [p.id, { ...this.printers.get(p.id), ...p }]));
    this.render();
  }

  /** A printer.changed event: the printer's state, and maybe a job's progress. */
  changed(event) {
    if (event.printer) {
      const known = this.printers.get(event.printer.id) ?? {};
      this.printers.set(event.printer.id, { ...known, ...event.printer });
    }
    const job = event.job;
    if (job) {
      const followed = this.jobs.get(job.id);
      if (PROBLEM_JOBS.has(job.state)) this.jobs.set(job.id, { ...job, state: job.state === "failed" ? "failed" : "retrying" });
      else if (job.state === "printed") this.jobs.delete(job.id);
      else if (followed) this.jobs.set(job.id, { ...followed, printer: job.printer });
      if (job.state === "failed") this.dismissed.delete(job.id);
    }
    this.render();
  }

  forget(number) {
    for (const [id, job] of this.jobs) if (job.number === number) this.jobs.delete(id);
    this.render();
  }

  /** A printer's name in the staff language (`name_en` on English screens). */
  name(id) {
    const p = this.printers.get(id);
    if (!p) return id;
    return (this.options.lang() === "en" ? p.name_en : null) || p.name || id;
  }

  render() {
    this.renderList();
    this.renderAlerts();
  }

  renderList() {
    const lang = this.options.lang();
    if (this.printers.size === 0) {
      this.listEl.replaceChildren(h("li", { class: "g-empty" }, t(lang, "guide.printers_none")));
      return;
    }
    this.listEl.replaceChildren(
      ...Array.from(this.printers.values(), (p) =>
        h(
          "li",
          { class: "g-printer", dataset: { printer: p.id, state: p.state ?? "unknown" } },
          h("span", { class: `g-state g-${SEVERITY[p.state] ?? "muted"}` }, t(lang, `guide.printer.${p.state ?? "unknown"}`)),
          h("span", { class: "g-printer-name" }, this.name(p.id)),
          p.jobs_waiting ? h("span", { class: "g-printer-jobs" }, t(lang, "guide.printer_jobs", { n: p.jobs_waiting })) : null,
          p.detail && p.state !== "ok" ? h("span", { class: "g-printer-detail" }, p.detail) : null,
        ),
      ),
    );
  }

  renderAlerts() {
    const lang = this.options.lang();
    const alerts = [];
    for (const p of this.printers.values()) {
      const [key, severity] = PRINTER_ALERTS[p.state] ?? [];
      if (key) alerts.push(this.alert(`printer-${p.id}`, severity, t(lang, key, { name: this.name(p.id) })));
    }
    for (const job of this.jobs.values()) {
      if (this.dismissed.has(job.id)) continue;
      const failed = job.state === "failed";
      const text = t(lang, failed ? "guide.alert.job_failed" : "guide.alert.job_retrying", {
        number: job.number,
        printer: this.name(job.printer),
      });
      alerts.push(this.alert(`job-${job.id}`, failed ? "danger" : "warn", text, job));
    }
    this.alertsEl.replaceChildren(...alerts);
  }

  alert(id, severity, text, job = null) {
    const lang = this.options.lang();
    const actions = [];
    if (job && this.options.canReprint(job.number)) {
      actions.push(
        h("button", { type: "button", class: "g-button", onclick: () => this.options.onReprint(job.number) }, t(lang, "guide.reprint")),
      );
    }
    if (job?.state === "failed") {
      const dismiss = () => {
        this.dismissed.add(job.id);
        this.renderAlerts();
      };
      actions.push(h("button", { type: "button", class: "g-button", onclick: dismiss }, t(lang, "guide.alert.dismiss")));
    }
    return h(
      "div",
      { class: `g-alert g-${severity}`, role: "alert", dataset: { alert: id } },
      h("span", { class: "g-alert-text" }, text),
      ...actions,
    );
  }
}
