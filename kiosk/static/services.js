// The kiosk's service buttons: the Japanese name big, the chosen language's name below, people waiting and
// the estimated wait; a paused service says so with its reason instead. Buttons are kept (only their texts change)
// so a refresh never swallows a touch.

import { h } from "/static/web/dom.js";
import { htmlLang, t } from "/static/web/i18n.js";
import { setPhrased } from "/static/web/linebreak.js";
import { pauseReasons } from "/static/web/paused.js";

const FIT_LEVELS = 4;

/** The name shown under the Japanese one: none for Japanese, the ja-easy name for やさしい日本語. */
export function localName(names, lang) {
  if (lang === "ja") return "";
  return names[lang] ?? names.en ?? "";
}

export function waitingText(lang, line) {
  return t(lang, "kiosk.waiting", { n: line.waiting });
}

export function waitText(lang, line) {
  const minutes = line.estimated_wait_min ?? 0;
  return minutes > 0 ? t(lang, "kiosk.wait_about", { min: minutes }) : t(lang, "kiosk.wait_none");
}

function button(id, onChoose) {
  return h(
    "button",
    { type: "button", class: "svc", dataset: { service: id }, onclick: () => onChoose(id) },
    h("span", { class: "svc-name", lang: "ja" }),
    h("span", { class: "svc-local" }),
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
  el.querySelector(".svc-waiting").textContent = waitingText(lang, line);
  el.querySelector(".svc-wait").textContent = waitText(lang, line);
  fillPaused(el, line.paused ? line.pause : null, lang);
}

/** Shrink a button's type, step by step, until its text fits (never below 32 px: see kiosk.css). */
export function fit(el) {
  el.dataset.fit = "0";
  for (let level = 1; level < FIT_LEVELS && el.scrollHeight > el.clientHeight + 1; level += 1) {
    el.dataset.fit = String(level);
  }
}

export class ServiceGrid {
  constructor(container, names, onChoose) {
    this.container = container;
    this.names = names; // service id -> {ja, en, zh, ...}
    this.onChoose = onChoose;
    this.buttons = new Map();
    window.addEventListener("resize", () => this.fitAll());
  }

  /** `lines`: the services offered now, in the order of the site's snapshot. */
  render(lines, lang) {
    const ids = lines.map((line) => line.id);
    const same = ids.length === this.buttons.size && ids.every((id, i) => this.container.children[i]?.dataset.service === id);
    if (!same) {
      this.buttons = new Map(ids.map((id) => [id, this.buttons.get(id) ?? button(id, this.onChoose)]));
      this.container.replaceChildren(...this.buttons.values());
    }
    this.container.dataset.count = String(ids.length);
    for (const line of lines) {
      const names = this.names[line.id] ?? { ja: line.id };
      fill(this.buttons.get(line.id), names, line, lang);
    }
    this.fitAll();
  }

  /**
   * Fit every button's text. When even the smallest type does not fit (a small window, a magnified page),
   * the grid gives up equal rows and the page scrolls: a scrolling page beats text cut off.
   */
  fitAll() {
    if (this.container.hidden) return;
    document.body.classList.remove("k-tight");
    for (const el of this.buttons.values()) fit(el);
    const overflowing = Array.from(this.buttons.values()).some((el) => el.scrollHeight > el.clientHeight + 1);
    if (!overflowing) return;
    document.body.classList.add("k-tight");
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
