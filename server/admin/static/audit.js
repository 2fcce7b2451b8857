// The audit log section (操作記録): who did what, where and when, for a date or a period of up to 31 days, filtered
// by site, person and kind of action; newest first on the page, and the whole selection as CSV (UTF-8 with BOM,
// for Excel) from the same filters.

import { ApiError } from "/static/web/api.js";
import { localParts } from "/static/web/clock.js";
import { $, h } from "/static/web/dom.js";
import { failed, fillRows, fillSites, say, siteName, tell, when } from "/static/admin/kit.js";

const SHOWN = 1000;
const FAMILIES = ["auth", "staff", "device", "ticket", "counter", "notice", "printer", "day", "reservation", "incident", "tally"];
let entries = [];
let total = 0;

function query(format) {
  const params = new URLSearchParams({ from: $("#audit-from").value, to: $("#audit-to").value });
  for (const [name, id] of [["site", "#audit-site"], ["actor", "#audit-actor"], ["action", "#audit-action"]]) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  if (format === "csv") params.set("format", "csv");
  else params.set("limit", String(SHOWN));
  return `/api/v1/audit?${params}`;
}

function row(entry) {
  // where it happened, or the sites of the staff accounts it concerns (staff.*)
  const sites = entry.site ? siteName(entry.site) : (entry.sites ?? []).map(siteName).join("、");
  const where = [sites, entry.counter ?? ""].filter(Boolean).join(" ");
  const what = [entry.number ?? "", entry.detail ?? ""].filter(Boolean).join(" ");
  return h(
    "tr",
    { dataset: { action: entry.action } },
    h("td", { class: "a-nowrap" }, when(entry.at)),
    h("td", { class: "a-mono" }, entry.login ?? ""),
    h("td", {}, entry.role ? say(`staff.role.${entry.role}`) : ""),
    h("td", { class: "a-mono", dataset: { column: "action" } }, entry.action),
    h("td", {}, where),
    h("td", { class: "a-detail" }, what),
    h("td", { class: "a-mono a-faint" }, entry.address ?? ""),
  );
}

function renderRows() {
  const newest = [...entries].reverse();
  $("#audit-count").textContent =
    total > entries.length ? say("staff.admin.audit.count_cut", { n: total, shown: entries.length }) : say("staff.admin.count", { n: total });
  fillRows($("#audit-rows"), newest, row, "staff.admin.audit.none");
}

export function render() {
  fillSites($("#audit-site"), { all: "staff.admin.all_my_sites" });
  const action = $("#audit-action");
  const chosen = action.value;
  action.replaceChildren(
    h("option", { value: "" }, say("staff.admin.audit.all_actions")),
    ...FAMILIES.map((f) => h("option", { value: f }, `${say(`staff.admin.audit.family.${f}`)} (${f}.*)`)),
  );
  action.value = chosen;
  renderRows();
}

async function load(event) {
  event?.preventDefault();
  const result = $("#audit-result");
  $("#audit-csv").href = query("csv");
  try {
    // fetch itself, not api(): the answer's X-Total-Count says how many matched beyond the ones shown
    const answer = await fetch(query("json"), { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" }).catch(
      (error) => {
        throw new ApiError(0, "network", String(error?.message ?? error));
      },
    );
    if (!answer.ok) {
      const body = await answer.json().catch(() => ({}));
      throw new ApiError(answer.status, body.code ?? `http_${answer.status}`, body.detail ?? answer.statusText);
    }
    entries = await answer.json();
    total = Number(answer.headers.get("x-total-count") ?? entries.length);
    tell(result, "");
  } catch (error) {
    entries = [];
    total = 0;
    failed(result, error);
  }
  renderRows();
}

export async function mount() {
  const today = localParts().date;
  $("#audit-from").value = today;
  $("#audit-to").value = today;
  render();
  $("#audit-filters").addEventListener("submit", load);
  await load();
}
