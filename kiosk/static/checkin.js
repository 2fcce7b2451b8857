// Reservation check-in on the kiosk: a code typed on the on-screen keys, or read by a barcode/QR scanner
// (a scanner types the code and Enter, from anywhere on the main screen: the panel opens by itself).
//
// Every refusal has its own message in the visitor's language. Too late for the reservation (409
// checkin_too_late with `walk_in: true`): the kiosk offers a regular ticket of the reservation's service.

import { api, ApiError, retryable } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { formatTime, t } from "/static/web/i18n.js";
import { normalizeCode, validCode } from "./codes.js";

const MESSAGES = {
  reservation_not_found: "checkin.not_found",
  reservation_not_today: "checkin.not_today",
  reservation_wrong_site: "checkin.wrong_site",
  reservation_cancelled: "checkin.cancelled",
  reservation_no_show: "checkin.no_show",
  already_checked_in: "checkin.already",
  checkin_too_early: "checkin.too_early",
  checkin_too_late: "checkin.too_late_guide",
  validation_error: "checkin.invalid",
  site_closed: "error.site_closed",
  service_unavailable: "error.service_unavailable",
  rate_limited: "error.rate_limited",
};

/** The reservation's service when the server offers a walk-in ticket instead (too late), else null. */
export function walkInService(error) {
  const body = error instanceof ApiError ? error.body : null;
  if (!body?.walk_in) return null;
  return body.service ?? body.reservation?.service ?? null;
}

/** "9:50": from when a too-early reservation can be checked in (`opens_at` of the answer, else its detail). */
export function checkinFrom(error) {
  const given = error?.body?.opens_at;
  const text = typeof given === "string" ? given : String(error?.detail ?? "");
  const found = text.match(/(?:T|\b)(\d{1,2}:\d{2})/);
  return found ? formatTime(found[1].padStart(5, "0")) : "";
}

/** The message key of a refused check-in, and its placeholders. */
export function checkinMessage(error) {
  if (!(error instanceof ApiError)) return { key: "error.generic", params: {} };
  if (retryable(error)) return { key: "error.network", params: {} };
  if (error.code === "checkin_too_late" && walkInService(error)) return { key: "checkin.too_late", params: {} };
  if (error.code === "checkin_too_early") {
    const time = checkinFrom(error);
    return time ? { key: "checkin.too_early", params: { time } } : { key: "checkin.too_early_unknown", params: {} };
  }
  return { key: MESSAGES[error.code] ?? "error.generic", params: {} };
}

/** The refusal as text in `lang`. */
export function checkinText(lang, error) {
  const { key, params } = checkinMessage(error);
  return t(lang, key, params);
}

/** A key a scanner (or a keyboard) may type as part of a code or a URL holding one. */
export function isCodeKey(event) {
  return event.key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey && /[0-9A-Za-z:/.\-?=&_%]/.test(event.key);
}

export class CheckInPanel {
  /** @param {{site: string, lang: Function, serviceLabel: Function, onTicket: Function, onWalkIn: Function, onClose: Function}} options */
  constructor(elements, { site, lang, serviceLabel, onTicket, onWalkIn, onClose }) {
    this.el = elements;
    this.site = site;
    this.lang = lang; // a function: the kiosk's current language
    this.serviceLabel = serviceLabel; // (service id, lang) -> the name to show
    this.onTicket = onTicket;
    this.onWalkIn = onWalkIn;
    this.onClose = onClose;
    this.busy = false;
    this.walkIn = null; // the service of the walk-in ticket on offer
    elements.walkIn.addEventListener("click", () => this.takeWalkIn());
    elements.input.addEventListener("input", () => this.walkIn && this.message("")); // another code: the offer goes
    elements.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    elements.back.addEventListener("click", () => this.close());
    for (const key of elements.keys.querySelectorAll("[data-key]")) {
      key.addEventListener("pointerdown", (event) => event.preventDefault()); // keep the focus in the field
      key.addEventListener("click", () => this.press(key.dataset.key));
    }
  }

  get isOpen() {
    return !this.el.root.hidden;
  }

  open(firstKey = "") {
    this.el.root.hidden = false;
    this.el.input.value = firstKey;
    this.message("");
    this.focus();
  }

  close() {
    if (!this.isOpen) return;
    this.el.root.hidden = true;
    this.el.input.value = "";
    this.onClose();
  }

  focus() {
    this.el.input.focus({ preventScroll: true });
  }

  /** A key typed while the field had lost the focus still lands in the field. */
  handleKey(event) {
    if (event.target === this.el.input) return;
    if (event.key === "Enter") {
      event.preventDefault();
      this.submit();
    } else if (isCodeKey(event)) {
      event.preventDefault();
      this.el.input.value += event.key;
      this.focus();
    }
  }

  press(key) {
    const input = this.el.input;
    if (key === "delete") input.value = input.value.slice(0, -1);
    else if (key === "clear") input.value = "";
    else input.value += key;
    this.message("");
    this.focus();
  }

  message(key, params = {}) {
    this.el.message.textContent = key ? t(this.lang(), key, params) : "";
    this.el.message.dataset.kind = key === "checkin.checking" ? "info" : "error";
    this.offerWalkIn(null);
  }

  /** Offer (or stop offering) a regular ticket of `service` instead of the reservation. */
  offerWalkIn(service) {
    this.walkIn = service;
    const button = this.el.walkIn;
    button.hidden = !service;
    this.el.root.dataset.walkIn = String(Boolean(service));
    if (service) {
      const lang = this.lang();
      button.replaceChildren(
        h("span", { class: "e-walkin-title" }, t(lang, "checkin.walk_in")),
        h("span", { class: "e-walkin-service" }, this.serviceLabel(service, lang)),
      );
      this.el.message.dataset.kind = "walk_in";
    }
  }

  takeWalkIn() {
    const service = this.walkIn;
    if (!service || this.busy) return;
    this.offerWalkIn(null);
    this.close();
    this.onWalkIn(service);
  }

  async submit() {
    if (this.busy) return;
    const code = normalizeCode(this.el.input.value);
    this.el.input.value = code;
    if (!validCode(code)) {
      this.message("checkin.invalid");
      return;
    }
    this.busy = true;
    this.el.submit.disabled = true;
    this.message("checkin.checking");
    try {
      const { data } = await api(`/api/v1/sites/${encodeURIComponent(this.site)}/checkins`, {
        method: "POST",
        body: { code },
      });
      this.el.root.hidden = true;
      this.el.input.value = "";
      this.onTicket(data);
    } catch (error) {
      const { key, params } = checkinMessage(error);
      this.message(key, params);
      if (key === "checkin.too_late") this.offerWalkIn(walkInService(error));
      this.focus();
    } finally {
      this.busy = false;
      this.el.submit.disabled = false;
    }
  }
}
