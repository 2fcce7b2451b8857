// What both console pages share: the boot data, the staff language (Japanese or English, remembered per
// browser; the top bar is /static/web/staff.js), names of services and sites in it, and the words for the API's
// refusals.

import { ApiError } from "/static/web/api.js";
import { loadCatalogs, t } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";

export const boot = JSON.parse(document.body.dataset.boot);
const LANG_KEY = "madoguchi.console.lang";
const serviceNames = Object.fromEntries(boot.services.map((s) => [s.id, s]));
const counterNames = new Map([...(boot.sites ?? []), ...(boot.site ? [boot.site] : [])].flatMap((site) => site.counters.map((c) => [c.id, c])));

export const ui = {
  lang: rememberedLanguage(LANG_KEY),
};

export const say = (key, params) => t(ui.lang, key, params);

export function serviceName(id) {
  const names = serviceNames[id];
  return names ? names[ui.lang] ?? names.ja : id;
}

/** A counter's name in the staff language: its label ("3番窓口"), on English screens its English name. */
export function counterName(id, label = "") {
  const names = counterNames.get(id);
  if (!names) return label || id;
  return ui.lang === "en" ? names.en : names.label;
}

export function nameOf(names) {
  return names?.[ui.lang] ?? names?.ja ?? "";
}

/** "2026年11月24日(火)" / "Tuesday 24 November 2026" for a business date. */
export function formatBusinessDate(isoDate) {
  if (!isoDate) return "";
  const locale = ui.lang === "en" ? "en-GB" : "ja-JP";
  return new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" }).format(new Date(`${isoDate}T00:00:00Z`));
}

/** A session that ended (timeout, sign-out elsewhere, account disabled): reload into the sign-in form. */
export function signedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    location.reload();
    return true;
  }
  return false;
}

/**
 * The words for a refused or failed action, from its code (the server's detail is English only). A refusal because
 * a ticket is held (counter_busy, operator_busy) names it: `held` in the answer is its number and its counter's id,
 * here named in the staff language (the English name on English screens, as the board says it).
 */
export function errorText(error) {
  const held = error.body?.held ?? {};
  const counter = held.counter ? counterName(held.counter) : "";
  const params = { number: held.number ?? "", counter, detail: error.detail || error.code };
  switch (error.code) {
    case "operator_busy":
      return say("console.error.operator_busy", params);
    case "counter_busy":
      return say("console.error.counter_busy", params);
    case "no_waiting_ticket":
      return say("console.error.no_waiting_ticket");
    case "counter_not_open":
      return say("console.error.counter_not_open");
    case "counter_not_in_use":
      return say("console.error.counter_not_in_use");
    case "invalid_transition":
      return say("console.error.invalid_transition");
    case "not_found":
      return say("console.error.not_found");
    case "service_unavailable":
      return say("console.error.service_unavailable");
    case "forbidden":
      return say("console.error.forbidden");
    case "validation_error":
      return say("console.error.validation", params);
    default:
      if (error.status === 0 || error.status >= 500) return say("console.error.unreachable");
      return say("console.error.other", params);
  }
}

/** Load the catalogs and wire the top bar; `rerender` redraws what the script drew in the old language. */
export async function startPage(rerender) {
  await loadCatalogs(["ja", "en"]);
  const setLanguage = wireStaffHead(LANG_KEY, (code) => {
    ui.lang = code;
    rerender();
  });
  setLanguage(ui.lang);
}
