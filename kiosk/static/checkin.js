// Reservation check-in on the kiosk: a code typed on the on-screen keys, or read by a barcode/QR scanner
// (a scanner types the code and Enter, from anywhere on the main screen: the panel opens by itself).

import { api, ApiError, retryable } from "/static/web/api.js";
import { t } from "/static/web/i18n.js";
import { normalizeCode, validCode } from "./codes.js";

const MESSAGES = {
  reservation_not_found: "checkin.not_found",
  reservation_not_today: "checkin.not_today",
  already_checked_in: "checkin.already",
  validation_error: "checkin.invalid",
  site_closed: "error.site_closed",
  service_unavailable: "error.service_unavailable",
  rate_limited: "error.rate_limited",
};

export function checkinMessage(error) {
  if (!(error instanceof ApiError)) return "error.generic";
  if (retryable(error)) return "error.network";
  return MESSAGES[error.code] ?? "error.generic";
}

/** A key a scanner (or a keyboard) may type as part of a code or a URL holding one. */
export function isCodeKey(event) {
  return event.key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey && /[0-9A-Za-z:/.\-?=&_%]/.test(event.key);
}

export class CheckInPanel {
  constructor(elements, { site, lang, onTicket, onClose }) {
    this.el = elements;
    this.site = site;
    this.lang = lang; // a function: the kiosk's current language
    this.onTicket = onTicket;
    this.onClose = onClose;
    this.busy = false;
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

  message(key) {
    this.el.message.textContent = key ? t(this.lang(), key) : "";
    this.el.message.dataset.kind = key === "checkin.checking" ? "info" : "error";
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
      this.message(checkinMessage(error));
      this.focus();
    } finally {
      this.busy = false;
      this.el.submit.disabled = false;
    }
  }
}
