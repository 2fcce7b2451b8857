// The incidents page (/incidents): record a report (トラブル・苦情・業務改善・機器障害), and — managers and admins —
// list the reports of their sites by period, site and status, edit them, mark them reported to the city, close
// them and open the printable A4 form. Everything goes through the JSON API (/api/v1/incidents); the page
// holds no data of its own beyond what it shows. The form warns, above every field, not to write any visitor's
// personal data; the server bounds every field.

import { api, ApiError } from "/static/web/api.js";
import { localParts, syncServerTime } from "/static/web/clock.js";
import { $, h } from "/static/web/dom.js";
import { formatDate, loadCatalogs, t } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";

const boot = JSON.parse(document.body.dataset.boot);
const LANG_KEY = "madoguchi.incidents.lang";
const TEXTS = [
  ["f-title", "title", boot.title_max],
  ["f-description", "description", boot.text_max],
  ["f-actions", "actions", boot.text_max],
  ["f-follow-up", "follow_up", boot.text_max],
];
const NEXT = { open: "reported", reported: "closed" };
const siteNames = Object.fromEntries(boot.sites.map((s) => [s.id, s.names]));

const page = {
  lang: rememberedLanguage(LANG_KEY),
  category: boot.categories[0],
  editing: null, // the report being edited, or null for a new one
  rows: [], // the list (managers) or the reports recorded here (everyone else)
  busy: false,
};

const siteName = (id) => siteNames[id]?.[page.lang] ?? siteNames[id]?.ja ?? id;

function say(el, key, params = {}, kind = "ok") {
  el.textContent = key ? t(page.lang, key, params) : "";
  el.dataset.kind = kind;
}

function failed(el, error) {
  if (error instanceof ApiError && error.status === 401) {
    location.reload(); // the session ended: the page is the sign-in form again
    return;
  }
  say(el, "staff.incident.error", { detail: error.detail || error.code }, "error");
}

/** "11月24日(火) 9:40" / "Tue 24 November 9:40" of an ISO time, in the site's zone. */
function when(iso) {
  if (!iso) return "";
  const parts = localParts(new Date(iso));
  return `${formatDate(page.lang, parts.date)} ${parts.time.replace(/^0/, "")}`;
}

// ---- the form ----------------------------------------------------------------------------------------------

function renderCategories() {
  $("#f-category").replaceChildren(
    ...boot.categories.map((c) =>
      h(
        "button",
        { type: "button", class: "i-chip", role: "radio", dataset: { category: c }, "aria-checked": String(c === page.category), onclick: () => chooseCategory(c) },
        t(page.lang, `staff.incident.category.${c}`),
      ),
    ),
  );
}

function chooseCategory(category) {
  page.category = category;
  renderCategories();
}

function renderSites(select, { all = false } = {}) {
  const chosen = select.value;
  const options = boot.sites.map((s) => h("option", { value: s.id }, siteName(s.id)));
  if (all) options.unshift(h("option", { value: "" }, t(page.lang, "staff.incident.filter.site_all")));
  select.replaceChildren(...options);
  if (chosen !== "" || all) select.value = chosen;
}

function countChars() {
  for (const [id, , max] of TEXTS) {
    const input = $(`#${id}`);
    $(`.i-chars[data-for="${id}"]`).textContent = t(page.lang, "staff.incident.chars", { n: input.value.length, max });
  }
}

function now() {
  const parts = localParts();
  return `${parts.date}T${parts.time}`;
}

function resetForm() {
  page.editing = null;
  $("#form").reset();
  $("#f-occurred").value = now();
  $("#f-site").disabled = false;
  page.category = boot.categories[0];
  renderForm();
}

function edit(record) {
  page.editing = record;
  $("#f-site").value = record.site;
  $("#f-site").disabled = true; // a report stays with its site
  page.category = record.category;
  const local = localParts(new Date(record.occurred_at));
  $("#f-occurred").value = `${local.date}T${local.time}`;
  for (const [id, field] of TEXTS) $(`#${id}`).value = record[field] ?? "";
  say($("#f-result"), "");
  renderForm();
  $("#f-title").focus();
}

function renderForm() {
  const editing = page.editing;
  const title = $("#form-title");
  title.textContent = editing ? t(page.lang, "staff.incident.edit", { number: editing.number }) : t(page.lang, "staff.incident.new");
  $("#f-submit").textContent = t(page.lang, editing ? "staff.incident.save" : "staff.incident.submit");
  $("#f-cancel").hidden = !editing;
  renderCategories();
  countChars();
}

function formBody() {
  const body = { category: page.category, occurred_at: `${$("#f-occurred").value}:00` };
  for (const [id, field] of TEXTS) body[field] = $(`#${id}`).value;
  return body;
}

/** What the person must fix before sending (the server says the rest); "" when nothing. */
function missing(body) {
  if (!body.title.trim()) return "f-title";
  if (!$("#f-occurred").value) return "f-occurred";
  if (!body.description.trim()) return "f-description";
  return "";
}

async function submit(event) {
  event.preventDefault();
  if (page.busy) return;
  const result = $("#f-result");
  const body = formBody();
  const field = missing(body);
  if (field) {
    say(result, "staff.incident.missing", { field: $(`label[for="${field}"]`).textContent }, "error");
    $(`#${field}`).focus();
    return;
  }
  page.busy = true;
  $("#f-submit").disabled = true;
  try {
    if (page.editing) {
      const { data } = await api(`/api/v1/incidents/${encodeURIComponent(page.editing.id)}`, { method: "PATCH", body });
      resetForm();
      say(result, "staff.incident.saved", { number: data.number });
      replaceRow(data);
    } else {
      const { data } = await api("/api/v1/incidents", { method: "POST", body: { ...body, site: $("#f-site").value } });
      const site = $("#f-site").value;
      resetForm();
      $("#f-site").value = site;
      say(result, boot.manager ? "staff.incident.recorded_manager" : "staff.incident.recorded", { number: data.number });
      if (boot.manager) await loadList();
      else {
        page.rows = [...page.rows, data];
        renderRows();
      }
    }
  } catch (error) {
    failed(result, error);
  } finally {
    page.busy = false;
    $("#f-submit").disabled = false;
  }
}

// ---- the list (managers and admins) -------------------------------------------------------------------------

function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function renderStatusFilter() {
  const select = $("#q-status");
  const chosen = select.value;
  select.replaceChildren(
    h("option", { value: "" }, t(page.lang, "staff.incident.filter.status_all")),
    ...["open", "reported", "closed"].map((s) => h("option", { value: s }, t(page.lang, `staff.incident.status.${s}`))),
  );
  select.value = chosen;
}

async function loadList(event) {
  event?.preventDefault();
  const params = new URLSearchParams({ from: $("#q-from").value, to: $("#q-to").value });
  if ($("#q-site").value) params.set("site", $("#q-site").value);
  if ($("#q-status").value) params.set("status", $("#q-status").value);
  const result = $("#list-result");
  try {
    const { data } = await api(`/api/v1/incidents?${params}`);
    page.rows = data;
    say(result, "");
  } catch (error) {
    failed(result, error);
    return;
  }
  renderRows();
}

function replaceRow(record) {
  page.rows = page.rows.map((r) => (r.id === record.id ? record : r));
  renderRows();
}

async function move(record) {
  const target = NEXT[record.status];
  const dialog = $("#confirm");
  $("#confirm-text").textContent = t(page.lang, `staff.incident.confirm_${target}`, { number: record.number });
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  if (dialog.returnValue !== "yes") return;
  const result = $("#list-result");
  try {
    const { data } = await api(`/api/v1/incidents/${encodeURIComponent(record.id)}`, { method: "PATCH", body: { status: target } });
    say(result, "staff.incident.moved", { number: data.number, status: t(page.lang, `staff.incident.status.${data.status}`) });
    if (page.editing?.id === data.id) resetForm();
    replaceRow(data);
  } catch (error) {
    failed(result, error);
  }
}

function row(record) {
  const lang = page.lang;
  const actions = [];
  if (boot.manager) {
    if (record.status !== "closed") {
      actions.push(h("button", { type: "button", class: "i-button i-small", dataset: { action: "edit" }, onclick: () => edit(record) }, t(lang, "staff.incident.action.edit")));
      actions.push(
        h(
          "button",
          { type: "button", class: "i-button i-small i-primary", dataset: { action: NEXT[record.status] }, onclick: () => move(record) },
          t(lang, `staff.incident.action.${NEXT[record.status]}`),
        ),
      );
    }
    actions.push(
      h("a", { class: "i-button i-small", href: `/incidents/${encodeURIComponent(record.id)}/print`, target: "_blank", rel: "noopener", dataset: { action: "print" } }, t(lang, "staff.incident.action.print")),
    );
  }
  return h(
    "li",
    { class: "i-row", dataset: { id: record.id, status: record.status } },
    h(
      "div",
      { class: "i-row-head" },
      h("span", { class: "i-number" }, record.number),
      h("span", { class: "i-category", dataset: { category: record.category } }, t(lang, `staff.incident.category.${record.category}`)),
      h("span", { class: "i-status", dataset: { status: record.status } }, t(lang, `staff.incident.status.${record.status}`)),
    ),
    h("p", { class: "i-title" }, record.title),
    h("p", { class: "i-meta" }, `${when(record.occurred_at)}・${siteName(record.site)}`),
    actions.length ? h("div", { class: "i-actions" }, ...actions) : null,
  );
}

function renderRows() {
  const lang = page.lang;
  const list = $("#rows");
  if (boot.manager) $("#list-count").textContent = t(lang, "staff.incident.count", { n: page.rows.length });
  if (!page.rows.length) {
    list.replaceChildren(h("li", { class: "i-empty" }, t(lang, boot.manager ? "staff.incident.none" : "staff.incident.mine_none")));
    return;
  }
  list.replaceChildren(...page.rows.map(row));
}

// ---- start ---------------------------------------------------------------------------------------------------

function languageChanged(code) {
  page.lang = code;
  renderSites($("#f-site"));
  if (boot.manager) {
    renderSites($("#q-site"), { all: true });
    renderStatusFilter();
  }
  renderForm();
  renderRows();
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  await loadCatalogs(["ja", "en"]);
  for (const [id, , max] of TEXTS) {
    $(`#${id}`).maxLength = max;
    $(`#${id}`).addEventListener("input", countChars);
  }
  $("#form").addEventListener("submit", submit);
  $("#f-cancel").addEventListener("click", () => {
    resetForm();
    say($("#f-result"), "");
  });
  const setLanguage = wireStaffHead(LANG_KEY, languageChanged);
  if (boot.manager) {
    const today = localParts().date;
    $("#q-from").value = addDays(today, -90);
    $("#q-to").value = today;
    $("#filters").addEventListener("submit", loadList);
  }
  setLanguage(page.lang);
  resetForm();
  if (boot.manager) await loadList();
  document.body.dataset.ready = "true";
}

start();
