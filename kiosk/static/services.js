// The kiosk's service buttons: the Japanese name big, the chosen language's name below, people waiting and
// the estimated wait; a paused service says so with its reason instead. Buttons are kept (only their texts change)
// so a refresh never swallows a touch. Inquiry services (questions and new bookings, config `inquiry = true`) go in
// a box of their own below the others, each saying who it is for, so a visitor with a booking does not take one.

import { h } from "/static/web/dom.js";
import { htmlLang, t } from "/static/web/i18n.js";
import { setPhrased } from "/static/web/linebreak.js";
import { pauseReasons } from "/static/web/paused.js";
import { NO_COUNTER } from "/static/web/serving.js";

const FIT_LEVELS = 4;

/** The name shown under the Japanese one: none for Japanese, the ja-easy name for やさしい日本語. */
export function localName(names, lang) {
  if (lang === "ja") return "";
  return names[lang] ?? names.en ?? "";
}

export function waitingText(lang, line) {
  return t(lang, "kiosk.waiting", { n: line.waiting });
}

/** The wait of someone joining `line`; with no counter serving it open (`counters_open` 0), that instead. */
export function waitText(lang, line) {
  if (line.counters_open === 0) return t(lang, NO_COUNTER);
  const minutes = line.estimated_wait_min ?? 0;
  return minutes > 0 ? t(lang, "kiosk.wait_about", { min: minutes }) : t(lang, "kiosk.wait_none");
}

function button(id, onChoose, inquiry) {
  return h(
    "button",
    { type: "button", class: inquiry ? "svc svc-inquiry" : "svc", dataset: { service: id }, onclick: () => onChoose(id) },
    h("span", { class: "svc-name", lang: "ja" }),
    h("span", { class: "svc-local" }),
    ...(inquiry ? [h("span", { class: "svc-for" })] : []),
    h("span", { class: "svc-stats" }, h("span", { class: "svc-waiting" }), h("span", { class: "svc-wait" })),
    h("span", { class: "svc-paused", hidden: true }),
  );
}

/** A paused service: 「受付休止中」 (and in the visitor's language), then the reason in Japanese and English. */
function fillPaused(el, pause, lang) {
  const box = el.querySelector(".svc-paused");
  el.classList.toggle("paused", Boolean(pause));
  el.setAttribute("aria-disabled", String(Boolean(pause)));
  el.querySelector(".svc-stats").hidden = Boolean(pause);
  box.hidden = !pause;
  if (!pause) return;
  const label = lang === "ja" ? t("ja", "kiosk.paused") : `${t("ja", "kiosk.paused")} · ${t(lang, "kiosk.paused")}`;
  const [ja, local] = pauseReasons(pause, lang);
  box.replaceChildren(h("span", { class: "svc-paused-label" }, label), h("span", { class: "svc-reason", lang: "ja" }, ja));
  if (local) box.append(h("span", { class: "svc-reason", lang: "en" }, local));
}

function fill(el, names, line, lang) {
  setPhrased(el.querySelector(".svc-name"), names.ja);
  const local = el.querySelector(".svc-local");
  setPhrased(local, localName(names, lang));
  local.lang = htmlLang(lang);
  local.hidden = !local.textContent;
  const audience = el.querySelector(".svc-for"); // an inquiry service: who it is for
  if (audience) audience.textContent = t(lang, "kiosk.inquiry_sub");
  el.querySelector(".svc-waiting").textContent = waitingText(lang, line);
  setPhrased(el.querySelector(".svc-wait"), waitText(lang, line)); // 「窓口は／まだ／開いていません」 may wrap
  fillPaused(el, line.paused ? line.pause : null, lang);
}

function overflows(el) {
  return el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
}

/** Shrink a button's type, step by step, until its text fits (never below 32 px: see kiosk.css). */
export function fit(el) {
  el.dataset.fit = "0";
  for (let level = 1; level < FIT_LEVELS && overflows(el); level += 1) {
    el.dataset.fit = String(level);
  }
}

export class ServiceGrid {
  /** `apart`: the box for the inquiry services, `inquiries` their ids. */
  constructor(container, names, onChoose, { apart, inquiries = new Set() } = {}) {
    this.container = container;
    this.apart = apart;
    this.inquiries = inquiries;
    this.names = names; // service id -> {ja, en, zh, ...}
    this.onChoose = onChoose;
    this.buttons = new Map();
    this.order = [];
    window.addEventListener("resize", () => this.fitAll());
  }

  /** `lines`: the services offered now, in the order of the site's snapshot. */
  render(lines, lang) {
    const ids = lines.map((line) => line.id);
    const same = ids.length === this.order.length && ids.every((id, i) => this.order[i] === id);
    const main = ids.filter((id) => !this.inquiries.has(id));
    if (!same) {
      this.order = ids;
      this.buttons = new Map(ids.map((id) => [id, this.buttons.get(id) ?? button(id, this.onChoose, this.inquiries.has(id))]));
      this.container.replaceChildren(...main.map((id) => this.buttons.get(id)));
      this.apart?.replaceChildren(...ids.filter((id) => this.inquiries.has(id)).map((id) => this.buttons.get(id)));
    }
    if (this.apart) this.apart.hidden = this.container.hidden || main.length === ids.length;
    this.container.dataset.count = String(main.length);
    for (const line of lines) {
      const names = this.names[line.id] ?? { ja: line.id };
      fill(this.buttons.get(line.id), names, line, lang);
    }
    this.fitAll();
  }

  /**
   * Fit every button's text. When even the smallest type does not fit in equal rows (a notice or two above the
   * services, the longest languages), the rows take what their buttons need and share the rest (k-rows): a row
   * of short names gives room to a row of long ones. When even that does not fit (a small window, a magnified
   * page), the page scrolls (k-tight): a scrolling page beats text cut off.
   */
  fitAll() {
    if (this.container.hidden) return;
    const body = document.body.classList;
    body.remove("k-tight", "k-rows");
    for (const el of this.buttons.values()) fit(el);
    const overflowing = () => Array.from(this.buttons.values()).some(overflows);
    if (!overflowing()) return;
    body.add("k-rows");
    if (!overflowing() && !overflows(this.container)) return;
    body.remove("k-rows");
    body.add("k-tight");
    for (const el of this.buttons.values()) fit(el);
  }

  /** While a ticket is being issued: every button off, the touched one saying so (`label`). */
  setBusy(id, label = "") {
    for (const [key, el] of this.buttons) {
      el.setAttribute("aria-busy", String(key === id));
      el.disabled = id !== null;
      if (key === id) el.querySelector(".svc-wait").textContent = label;
    }
  }
}
