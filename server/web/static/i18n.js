// Message catalogs in the browser: the same JSON files the server renders its first screen from
// (server/web/i18n/<lang>.json, served at /static/i18n/). A value is a string with {name} placeholders, or
// {"one": ..., "other": ...} chosen by the language's plural rules. Elements carry their key in
// data-i18n (text) or data-i18n-attr="attribute:key;..." and are retranslated by `translateTree`.

const catalogs = new Map();

export async function loadCatalogs(languages) {
  await Promise.all(
    languages.map(async (lang) => {
      if (catalogs.has(lang)) return;
      const response = await fetch(`/static/i18n/${encodeURIComponent(lang)}.json`, { cache: "no-cache" });
      if (!response.ok) throw new Error(`catalog ${lang}: ${response.status}`);
      catalogs.set(lang, await response.json());
    }),
  );
}

/**
 * `loadCatalogs`, tried again (backoff 0.5 s doubling to 10 s) until it works: a page opened while the server
 * restarts still gets its texts, and a kiosk or board never shows keys instead of words.
 */
export async function loadCatalogsPatiently(languages) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await loadCatalogs(languages);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, Math.min(10000, 500 * 2 ** attempt)));
    }
  }
}

/** Where a missing text is looked up (as server/web/i18n.py): やさしい日本語 → Japanese; others → English. */
export function fallbacks(lang) {
  if (lang === "ja") return ["ja"];
  if (lang === "ja-easy") return ["ja-easy", "ja"];
  return [lang, "en", "ja"];
}

function lookup(lang, key) {
  for (const code of fallbacks(lang)) {
    const catalog = catalogs.get(code);
    if (catalog && key in catalog) return catalog[key];
  }
  return undefined;
}

export function locale(lang) {
  return lookup(lang, "lang.locale") ?? "ja-JP";
}

export function htmlLang(lang) {
  return lookup(lang, "lang.html") ?? lang;
}

/** The text of `key` in `lang` with its {placeholders} filled; the key itself when no catalog has it. */
export function t(lang, key, params = {}) {
  let message = lookup(lang, key);
  if (message === undefined) return key;
  if (typeof message === "object") {
    const category = typeof params.n === "number" ? new Intl.PluralRules(locale(lang)).select(params.n) : "other";
    message = message[category] ?? message.other ?? "";
  }
  return message.replace(/\{([a-z_]+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Retranslate every element under `root` that names its key. */
export function translateTree(root, lang) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const params = el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {};
    el.textContent = t(lang, el.dataset.i18n, params);
  }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":");
      if (attribute && key) el.setAttribute(attribute.trim(), t(lang, key.trim()));
    }
  }
}

/** "11月24日(火)" / "Tue 24 November" for a calendar date "YYYY-MM-DD" (no time zone shift). */
export function formatDate(lang, isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  const format = new Intl.DateTimeFormat(locale(lang), { month: "long", day: "numeric", weekday: "short", timeZone: "UTC" });
  return format.format(new Date(Date.UTC(y, m - 1, d)));
}

/** "8:30" from "08:30": how times are written on signs in Japan (24-hour clock, no leading zero). */
export function formatTime(hhmm) {
  if (!hhmm) return "";
  const [h, m] = hhmm.split(":");
  return `${Number(h)}:${m}`;
}
