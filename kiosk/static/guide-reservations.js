// Today's reservations on the guide console: the list, a search by code, kana name or the last digits of the
// phone number, and check-in. From GET /api/v1/reservations?site=&date= (DESIGN §4); a `reservation.changed`
// event of the day (a booking by phone, a check-in at the kiosk, a cancellation) loads the list again.

import { api } from "/static/web/api.js";
import { debounce, h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";

/** Katakana, no spaces, full-width letters and digits folded: "ﾔﾏﾀﾞ たろう" and "ヤマダタロウ" match. */
export function normalizeKana(text) {
  return String(text ?? "")
    .normalize("NFKC")
    .replace(/[\u3041-\u3096]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60))
    .replace(/[\s・･]/g, "")
    .toUpperCase();
}

function digits(text) {
  return String(text ?? "").replace(/\D/g, "");
}

/** Whether reservation `r` matches what the guide typed: a code, a kana name, or the phone's last digits. */
export function matchesReservation(r, query) {
  const q = normalizeKana(query);
  if (!q) return true;
  if (normalizeKana(r.code).startsWith(q)) return true;
  if (/^\d{2,}$/.test(q) && digits(r.phone ?? r.phone_last4).endsWith(q)) return true;
  return normalizeKana(r.name ?? r.name_kana).includes(q);
}

function lastDigits(phone) {
  const d = digits(phone);
  return d ? `…${d.slice(-4)}` : "";
}

export class Reservations {
  /** @param {{lang: () => string, site: string, serviceName: Function, onCheckIn: Function}} options */
  constructor(bodyEl, searchEl, options) {
    this.bodyEl = bodyEl;
    this.searchEl = searchEl;
    this.options = options;
    this.list = null; // null: not loaded yet
    this.date = null;
    this.error = "";
    this.reload = debounce(() => this.load(this.date), 150);
    searchEl.addEventListener("input", () => this.render());
  }

  /** A `reservation.changed` event: the list of the day on screen is loaded again when it is about that day. */
  changed(message) {
    const date = message.reservation?.date;
    if (this.date && (!date || date === this.date)) this.reload();
  }

  async load(date) {
    if (!date) return;
    this.date = date;
    const site = encodeURIComponent(this.options.site);
    try {
      const { data } = await api(`/api/v1/reservations?site=${site}&date=${encodeURIComponent(date)}`);
      this.list = Array.isArray(data) ? data : (data?.reservations ?? []);
      this.list.sort((a, b) => `${a.start}${a.code}`.localeCompare(`${b.start}${b.code}`));
      this.error = "";
    } catch (error) {
      this.options.onError?.(error);
      this.error = error.detail || error.code || String(error);
    }
    this.render();
  }

  render() {
    const lang = this.options.lang();
    if (this.error) {
      this.bodyEl.replaceChildren(h("p", { class: "g-error" }, t(lang, "guide.reservations_error", { detail: this.error })));
      return;
    }
    if (this.list === null) return;
    const shown = this.list.filter((r) => matchesReservation(r, this.searchEl.value));
    if (!shown.length) {
      const key = this.list.length ? "guide.reservations_no_match" : "guide.reservations_none";
      this.bodyEl.replaceChildren(h("p", { class: "g-empty" }, t(lang, key)));
      return;
    }
    this.bodyEl.replaceChildren(h("ul", { class: "g-res-list" }, shown.map((r) => this.row(r, lang))));
  }

  row(r, lang) {
    const time = [r.start, r.end].filter(Boolean).join("–");
    const status = r.status ?? "booked";
    return h(
      "li",
      { class: "g-res", dataset: { code: r.code, status } },
      h("span", { class: "g-res-time" }, time),
      h("span", { class: "g-res-code" }, r.code),
      h("span", { class: "g-res-name" }, r.purged ? "—" : (r.name ?? r.name_kana ?? "")),
      h("span", { class: "g-res-phone" }, lastDigits(r.phone ?? r.phone_last4)),
      h("span", { class: "g-res-service" }, this.options.serviceName(r.service)),
      status === "booked"
        ? h("button", { type: "button", class: "g-button g-primary", onclick: () => this.options.onCheckIn(r.code) }, t(lang, "guide.res.checkin"))
        : h("span", { class: "g-res-status" }, t(lang, `guide.res.status.${status}`)),
    );
  }
}
