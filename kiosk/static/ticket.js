// The ticket screen after issuing or checking in: the number very large, people ahead, the estimated wait (or,
// while no counter serving the service is open, that the visitor is called when one opens), the QR code of the
// visitor's status page, and what the printer did with the ticket.
//
// The print job's progress comes as printer.changed events on the site socket (they may arrive before the
// issue request has even answered: the kiosk keeps the latest state of recent jobs for that). When the
// ticket does not print, or takes too long, the number stays on screen with a message to see the guide,
// until the visitor closes it (or a few minutes pass, so the next visitor finds the kiosk ready).

import { htmlLang, t } from "/static/web/i18n.js";
import { setPhrased } from "/static/web/linebreak.js";
import { pauseReasons } from "/static/web/paused.js";
import { localName } from "./services.js";

const CLOSE_AFTER_PRINTED_MS = 20000;
const SLOW_AFTER_MS = 20000;
const KEEP_PROBLEM_MS = 180000;

/** What the visitor is told about a print job in state `state` ("none": issued without printing). */
export function printPhase(state) {
  if (state === "printed") return "printed";
  if (state === "failed") return "failed";
  if (state === "retrying") return "slow";
  if (state === "none") return "none";
  return "printing"; // queued (maybe on the next printer), printing
}

const MESSAGES = {
  printing: "ticket.printing",
  printed: "ticket.printed",
  slow: "ticket.print_slow",
  failed: "ticket.print_failed",
};

export class TicketScreen {
  constructor(elements, { onClose }) {
    this.el = elements;
    this.onClose = onClose;
    this.jobId = null;
    this.phase = "none";
    this.lang = "ja";
    this.closeTimer = null;
    this.slowTimer = null;
    this.el.close.addEventListener("click", () => this.close());
  }

  get isOpen() {
    return !this.el.root.hidden;
  }

  /**
   * Show `ticket` (the issue or check-in answer); `jobState` is what is already known of its print job; `pause`
   * the pause of its service (a reservation is checked in while its service is paused: the visitor reads why).
   */
  open(ticket, { lang, names, kind, jobState, pause = null }) {
    this.lang = lang;
    const el = this.el;
    el.root.lang = htmlLang(lang);
    el.title.textContent = t(lang, kind === "checked_in" ? "ticket.checked_in" : "ticket.issued");
    el.number.textContent = ticket.number;
    setPhrased(el.service, names.ja);
    const local = localName(names, lang);
    el.serviceLocal.textContent = local;
    el.serviceLocal.lang = htmlLang(lang);
    el.serviceLocal.hidden = !local;
    const ahead = ticket.waiting_ahead ?? 0;
    // no counter serving the service is open: the visitor is called when one opens, not "shortly" nor in N minutes
    const noCounter = ticket.counters_open === 0;
    el.ahead.textContent = ahead > 0 ? t(lang, "ticket.ahead", { n: ahead }) : noCounter ? "" : t(lang, "ticket.ahead_none");
    el.ahead.hidden = !el.ahead.textContent;
    setPhrased(el.estimate, noCounter ? t(lang, "ticket.no_counter") : t(lang, "ticket.estimate", { min: ticket.estimated_wait_min ?? 0 }));
    el.estimate.hidden = !noCounter && ahead === 0;
    el.estimate.dataset.noCounter = String(noCounter);
    el.paused.hidden = !pause;
    el.paused.textContent = pause ? [t(lang, "visitor.paused", { service: local || names.ja }), ...pauseReasons(pause, lang)].join("\n") : "";
    el.qr.src = `/api/v1/tickets/by-token/${encodeURIComponent(ticket.token)}/qr.svg`;
    el.root.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(lang, node.dataset.i18n);
    });
    this.jobId = ticket.print_job?.id ?? null;
    this.phase = "";
    el.root.hidden = false;
    this.setPhase(printPhase(jobState ?? ticket.print_job?.state ?? "none"));
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => this.phase === "printing" && this.setPhase("slow"), SLOW_AFTER_MS);
    el.close.focus({ preventScroll: true });
  }

  /** A printer.changed event's job: follow it when it is this ticket's. */
  jobChanged(job) {
    if (!this.isOpen || !job || job.id !== this.jobId) return;
    const phase = printPhase(job.state);
    // A ticket that printed stays printed; a late "retrying" of another attempt does not undo it.
    if (this.phase === "printed") return;
    if (phase === "printing" && (this.phase === "slow" || this.phase === "failed")) return;
    this.setPhase(phase);
  }

  setPhase(phase) {
    if (phase === this.phase) return;
    this.phase = phase;
    const box = this.el.print;
    box.dataset.state = phase;
    box.hidden = phase === "none";
    box.textContent = MESSAGES[phase] ? t(this.lang, MESSAGES[phase]) : "";
    box.setAttribute("role", phase === "failed" || phase === "slow" ? "alert" : "status");
    clearTimeout(this.closeTimer);
    const after = phase === "printed" || phase === "none" ? CLOSE_AFTER_PRINTED_MS : KEEP_PROBLEM_MS;
    this.closeTimer = setTimeout(() => this.close(), after);
  }

  close() {
    if (!this.isOpen) return;
    clearTimeout(this.closeTimer);
    clearTimeout(this.slowTimer);
    this.el.root.hidden = true;
    this.el.qr.removeAttribute("src");
    this.jobId = null;
    this.onClose();
  }
}
