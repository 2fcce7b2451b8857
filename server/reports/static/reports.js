// The reports page (/reports): the report itself is rendered by the server (server/reports/pages.py); this
// module wires what is left: the staff bar (language, sign-out), the form (only the chosen kind's period is
// shown and sent; the 和暦 of the date as it is typed) and the panel of reports due, read from
// /api/v1/reports/due, each a link to that report on this page.

import { api, ApiError } from "/static/web/api.js";
import { $, $all, h } from "/static/web/dom.js";
import { formatDate, loadCatalogs, t } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";

const boot = JSON.parse(document.body.dataset.boot);
const LANG_KEY = "madoguchi.reports.lang";
// The browser's own era table (ICU's, kept up to date with the browser) for the preview beside the date; the
// report's title, written by the server from japanera's, is what counts.
const WAREKI = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

const page = {
  lang: rememberedLanguage(LANG_KEY),
  due: null, // the answer of /api/v1/reports/due
  dueError: null,
};

const siteName = (id, fallback) => boot.sites[id]?.[page.lang] ?? boot.sites[id]?.ja ?? fallback;

// ---- the form ------------------------------------------------------------------------------------------------

/** Show the period field of the chosen kind; the others are disabled, so the address holds one period only. */
function showPeriod() {
  const kind = $("#choose input[name=kind]:checked").value;
  for (const group of $all(".r-period")) {
    const active = group.dataset.kind === kind;
    group.hidden = !active;
    for (const input of $all("input, select", group)) input.disabled = !active;
  }
}

function showWareki() {
  const value = $("#date").value;
  const [y, m, d] = value.split("-").map(Number);
  $("#date-wareki").textContent = value ? WAREKI.format(new Date(Date.UTC(y, m - 1, d))) : "";
}

// ---- what is due ---------------------------------------------------------------------------------------------

/** This page's address of a due report: the API's query (site and period) with the kind. */
function reportLink(item) {
  const query = new URLSearchParams(item.url.split("?")[1] ?? "");
  return `/reports?${new URLSearchParams([["kind", item.kind], ...query])}`;
}

function dueItem(item) {
  const lang = page.lang;
  const current = item.kind === boot.kind && item.site === boot.site && item.period === boot.period;
  const left = item.days_left > 0 ? t(lang, "staff.reports.due.days_left", { n: item.days_left }) : "";
  return h(
    "li",
    { class: "r-due-item", dataset: { kind: item.kind, site: item.site, period: item.period, state: item.state } },
    h(
      "a",
      { class: "r-due-link", href: reportLink(item), "aria-current": current ? "page" : null },
      h("span", { class: "r-due-title", lang: "ja" }, item.title),
      h("span", { class: "r-due-site" }, siteName(item.site, item.site_name)),
    ),
    h(
      "p",
      { class: "r-due-when" },
      h("span", { class: "r-due-state", dataset: { state: item.state } }, t(lang, `staff.reports.due.state.${item.state}`)),
      h("span", {}, t(lang, "staff.reports.due.by", { date: formatDate(lang, item.due) })),
      left ? h("span", { class: "r-due-left" }, left) : null,
    ),
  );
}

function renderDue() {
  const list = $("#due");
  const result = $("#due-result");
  if (page.dueError) {
    result.textContent = t(page.lang, "staff.reports.due.error", { detail: page.dueError.detail || page.dueError.code });
    result.dataset.kind = "error";
    list.replaceChildren();
    return;
  }
  result.textContent = "";
  if (!page.due) return;
  if (!page.due.reports.length) {
    list.replaceChildren(h("li", { class: "r-empty" }, t(page.lang, "staff.reports.due.none")));
    return;
  }
  list.replaceChildren(...page.due.reports.map(dueItem));
}

async function loadDue() {
  try {
    const { data } = await api("/api/v1/reports/due");
    page.due = data;
    page.dueError = null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.reload(); // the session ended: the page is the sign-in form again
      return;
    }
    page.dueError = error;
  }
  renderDue();
}

// ---- start ---------------------------------------------------------------------------------------------------

function languageChanged(code) {
  page.lang = code;
  renderDue();
}

async function start() {
  await loadCatalogs(["ja", "en"]);
  for (const radio of $all("#choose input[name=kind]")) radio.addEventListener("change", showPeriod);
  $("#date").addEventListener("input", showWareki);
  showPeriod();
  const setLanguage = wireStaffHead(LANG_KEY, languageChanged);
  setLanguage(page.lang);
  await loadDue();
  document.body.dataset.ready = "true";
}

start();
