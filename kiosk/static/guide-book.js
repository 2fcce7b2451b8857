// Booking a reservation for a visitor whose service is paused, from the guide console: the ticket's service is
// fixed; the guide picks a day that takes reservations for it and a time with places left, types the visitor's kana
// name and phone number, and books through the same API as the phone console (POST /api/v1/reservations: the same
// checks, the same slot capacity). Once booked, the ticket is cancelled and the reservation's slip printed. The
// visitor stands at the desk, so this is one dialog at the desk rather than a trip to the phone console.

import { api, newKey } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";

const enc = encodeURIComponent;
const DAYS_AHEAD = 30;
const DATES_SHOWN = 12;

function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export class BookingDialog {
  /**
   * @param {{dialog: HTMLDialogElement, form: HTMLFormElement, title: HTMLElement, service: HTMLElement, date: HTMLSelectElement,
   *   slot: HTMLSelectElement, name: HTMLInputElement, phone: HTMLInputElement, result: HTMLElement, close: HTMLButtonElement,
   *   submit: HTMLButtonElement}} els
   * @param {{site: string, lang: () => string, serviceName: Function, today: () => string, onDone: Function, onError: Function}} options
   */
  constructor(els, options) {
    this.els = els;
    this.options = options;
    this.ticket = null;
    this.key = null;
    els.close.addEventListener("click", () => els.dialog.close());
    els.date.addEventListener("change", () => this.loadSlots());
    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.book();
    });
  }

  say(key, params = {}, kind = "info") {
    this.els.result.textContent = key ? t(this.options.lang(), key, params) : "";
    this.els.result.dataset.kind = kind;
  }

  async open(ticket) {
    const { els } = this;
    const lang = this.options.lang();
    this.ticket = ticket;
    this.key = newKey("guide-resv"); // one booking per opening of the dialog, however often it is submitted
    els.form.reset();
    els.title.textContent = t(lang, "guide.book.title", { number: ticket.number });
    els.service.textContent = this.options.serviceName(ticket.service);
    els.date.replaceChildren();
    els.slot.replaceChildren();
    els.submit.disabled = true;
    this.say("guide.book.loading");
    els.dialog.showModal();
    await this.loadDates();
  }

  /** The days ahead whose opening offers the service (the availability then says whether it takes bookings). */
  async loadDates() {
    const today = this.options.today();
    const query = `site=${enc(this.options.site)}&from=${today}&to=${addDays(today, DAYS_AHEAD)}`;
    try {
      const { data } = await api(`/api/v1/calendar?${query}`);
      const days = data.filter((o) => o.kind !== "closed" && o.services.includes(this.ticket.service)).slice(0, DATES_SHOWN);
      const format = new Intl.DateTimeFormat(this.options.lang() === "en" ? "en-GB" : "ja-JP", { month: "short", day: "numeric", weekday: "short", timeZone: "UTC" });
      this.els.date.replaceChildren(...days.map((o) => h("option", { value: o.date }, format.format(new Date(`${o.date}T00:00:00Z`)))));
      if (!days.length) {
        this.say("guide.book.no_dates", {}, "error");
        return;
      }
      await this.loadSlots();
    } catch (error) {
      this.failed(error);
    }
  }

  async loadSlots() {
    const day = this.els.date.value;
    this.els.slot.replaceChildren();
    this.els.submit.disabled = true;
    if (!day) return;
    try {
      const { data } = await api(`/api/v1/sites/${enc(this.options.site)}/availability?service=${enc(this.ticket.service)}&date=${day}`);
      const lang = this.options.lang();
      const open = data.filter((slot) => slot.available > 0);
      this.els.slot.replaceChildren(...open.map((slot) => h("option", { value: slot.start }, t(lang, "guide.book.slot_left", { start: slot.start, end: slot.end, n: slot.available }))));
      this.els.submit.disabled = !open.length;
      this.say(open.length ? "" : "guide.book.no_slots", {}, open.length ? "info" : "error");
    } catch (error) {
      this.failed(error);
    }
  }

  async book() {
    const { els } = this;
    const ticket = this.ticket;
    const body = { site: this.options.site, service: ticket.service, date: els.date.value, start: els.slot.value };
    Object.assign(body, { name: els.name.value, phone: els.phone.value, idempotency_key: this.key });
    els.submit.disabled = true;
    this.say("guide.book.booking");
    let booked;
    try {
      ({ data: booked } = await api("/api/v1/reservations", { method: "POST", body }));
    } catch (error) {
      els.submit.disabled = false;
      this.failed(error);
      return;
    }
    const params = { number: ticket.number, code: booked.code, date: booked.date, start: booked.start };
    try {
      await api(`/api/v1/tickets/${enc(ticket.id)}/cancel`, { method: "POST" });
      await api(`/api/v1/reservations/${enc(booked.code)}/slip`, { method: "POST", body: {} });
    } catch (error) {
      // booked, but the ticket still waits: say so; the guide cancels it from the list
      this.say("guide.book.booked_only", { ...params, detail: error.detail || error.code }, "error");
      this.options.onError(error);
      this.options.onDone(null);
      return;
    }
    els.dialog.close();
    this.options.onDone(t(this.options.lang(), "guide.book.done", params));
  }

  failed(error) {
    this.say("guide.error", { detail: error.detail || error.code }, "error");
    this.options.onError(error);
  }
}
