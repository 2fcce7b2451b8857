// The admin calendar (/admin/calendar): a month of each site's days as a grid (kind per day, the days an override
// makes marked), the month's special days with where each comes from, and the form that adds, changes and removes
// calendar overrides (Sunday openings, outreach events with their venue, extra openings, closures).
//
// Everything comes from the API: the resolved days from GET /api/v1/calendar (one request per site and month), the
// overrides from /api/v1/calendar/overrides, which also takes the changes (checked there; a refusal names every
// problem, shown under the form). The page follows calendar.changed on its sites' websockets, so a change another
// admin makes shows here too.

import { api, ApiError } from "/static/web/api.js";
import { $, $all, debounce, h } from "/static/web/dom.js";
import { formatTime, loadCatalogsPatiently, locale, t } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";
import { LiveSocket } from "/static/web/ws.js";

const boot = JSON.parse(document.body.dataset.boot);
const LANG_KEY = "madoguchi.calendar.lang";
const siteById = new Map(boot.sites.map((s) => [s.id, s]));
const ui = { lang: "ja", month: boot.month, days: new Map(), overrides: new Map(), editing: null };
const say = (key, params) => t(ui.lang, key, params);

// ---- words ------------------------------------------------------------------------------------------------

function siteName(id) {
  const site = siteById.get(id);
  return site ? (site[ui.lang] ?? site.ja) : id;
}

function serviceName(id) {
  const names = boot.services[id];
  return names ? (names[ui.lang] ?? names.ja) : id;
}

/** The day's kind as the grid and the list say it: a closure is a closure, not only "closed". */
function kindKey(day) {
  return day.kind === "closed" && day.reason === "closure" ? "closure" : day.kind;
}

function hoursText(day) {
  if (!day.opens_at) return "";
  const hours = `${formatTime(day.opens_at)}–${formatTime(day.closes_at)}`;
  return day.last_ticket_at ? `${hours} ${say("staff.calendar.last_ticket", { time: formatTime(day.last_ticket_at) })}` : hours;
}

function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(ui.lang), { month: "numeric", day: "numeric", weekday: "short", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** What a day is beyond its kind: the venue (and address), the closure's reason or holiday's name, the note. */
function whatText(day) {
  const venue = day.venue ? say("staff.calendar.venue_text", { venue: day.venue }) : "";
  return [venue, day.address, day.note].filter(Boolean).join(" / ");
}

function dayLabel(site, day) {
  const parts = [dateText(day.date), siteName(site), say(`staff.calendar.kind.${kindKey(day)}`), hoursText(day), whatText(day)];
  if (day.override) parts.push(say("staff.calendar.override_mark"));
  return parts.filter(Boolean).join(" ");
}

// ---- dates ------------------------------------------------------------------------------------------------

function monthDates(month) {
  const [y, m] = month.split("-").map(Number);
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`);
}

function shiftMonth(month, by) {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 + by, 1)).toISOString().slice(0, 7);
}

function weekday(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

// ---- loading ----------------------------------------------------------------------------------------------

async function load() {
  const dates = monthDates(ui.month);
  const range = `from=${dates[0]}&to=${dates.at(-1)}`;
  try {
    const [lists, overrides] = await Promise.all([
      Promise.all(boot.sites.map((s) => api(`/api/v1/calendar?site=${encodeURIComponent(s.id)}&${range}`))),
      api(`/api/v1/calendar/overrides?${range}`),
    ]);
    ui.days = new Map(boot.sites.map((s, i) => [s.id, lists[i].data]));
    ui.overrides = new Map(overrides.data.map((o) => [o.id, o]));
  } catch (error) {
    failed($("#message"), error);
    return;
  }
  render();
  document.body.dataset.loaded = ui.month;
}

const reloadSoon = debounce(load, 300);

// ---- rendering --------------------------------------------------------------------------------------------

function render() {
  const [y, m] = ui.month.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  $("#month-title").textContent = new Intl.DateTimeFormat(locale(ui.lang), { year: "numeric", month: "long", timeZone: "UTC" }).format(first);
  $("#month-wareki").textContent = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long", timeZone: "UTC" }).format(first);
  renderGrid();
  renderDays();
}

function renderGrid() {
  const dates = monthDates(ui.month);
  const narrow = new Intl.DateTimeFormat(locale(ui.lang), { weekday: "narrow", timeZone: "UTC" });
  $("#grid-days").replaceChildren(
    h("th", { scope: "col", class: "cal-corner" }, say("staff.calendar.column.site")),
    ...dates.map((iso) =>
      h(
        "th",
        { scope: "col", class: "cal-day", dataset: { weekday: String(weekday(iso)), today: String(iso === boot.today) } },
        h("span", { class: "cal-num" }, String(Number(iso.slice(8)))),
        h("span", { class: "cal-wd" }, narrow.format(new Date(`${iso}T00:00:00Z`))),
      ),
    ),
  );
  $("#grid-sites").replaceChildren(...boot.sites.map((site) => gridRow(site)));
}

function gridRow(site) {
  const days = ui.days.get(site.id) ?? [];
  return h(
    "tr",
    { dataset: { site: site.id } },
    h("th", { scope: "row", class: "cal-site" }, siteName(site.id)),
    ...days.map((day) =>
      h(
        "td",
        { dataset: { kind: day.kind, reason: day.reason ?? "", override: String(Boolean(day.override)), date: day.date } },
        h(
          "button",
          { type: "button", class: "cal-cell", title: dayLabel(site.id, day), "aria-label": dayLabel(site.id, day), onclick: () => openDay(site.id, day) },
          say(`staff.calendar.short.${kindKey(day)}`),
        ),
      ),
    ),
  );
}

/** The month's special days: Sunday openings, outreach events, extra openings, closures, and every override. */
function specialDays() {
  const out = [];
  for (const site of boot.sites) {
    for (const day of ui.days.get(site.id) ?? []) {
      if (day.override || ["sunday", "outreach", "extra"].includes(day.kind) || day.reason === "closure") out.push({ site: site.id, day });
    }
  }
  return out.sort((a, b) => a.day.date.localeCompare(b.day.date));
}

function renderDays() {
  const rows = specialDays().map(({ site, day }) => {
    const override = day.override ? ui.overrides.get(day.override) : null;
    const source = override
      ? say("staff.calendar.source.override", { who: override.updated_by, at: override.updated_at.slice(0, 16).replace("T", " ") })
      : say("staff.calendar.source.config");
    const action = day.override ? "staff.calendar.change" : "staff.calendar.override";
    return h(
      "tr",
      { dataset: { site, date: day.date, kind: day.kind, override: day.override ?? "" } },
      h("td", { class: "a-nowrap" }, dateText(day.date)),
      h("td", {}, siteName(site)),
      h("td", { class: "a-nowrap" }, h("span", { class: "cal-chip", dataset: { kind: day.kind, reason: day.reason ?? "" } }), say(`staff.calendar.kind.${kindKey(day)}`)),
      h("td", { class: "a-nowrap" }, hoursText(day)),
      h("td", { class: "a-detail" }, whatText(day)),
      h("td", { class: day.override ? "cal-from-override" : "a-faint" }, source),
      h("td", {}, h("button", { type: "button", class: "a-button a-small", onclick: () => openDay(site, day) }, say(action))),
    );
  });
  const none = h("tr", {}, h("td", { colspan: "7", class: "a-empty" }, say("staff.calendar.no_days")));
  $("#days").replaceChildren(...(rows.length ? rows : [none]));
}

// ---- messages ---------------------------------------------------------------------------------------------

function tell(el, key, params = {}, kind = "ok") {
  el.textContent = key ? say(key, params) : "";
  el.dataset.kind = kind;
}

function failed(el, error) {
  if (error instanceof ApiError && error.status === 401) {
    location.reload(); // the session ended: into the sign-in form
    return;
  }
  const known = ["validation_error", "override_conflict", "forbidden", "not_found", "network"];
  tell(el, `staff.calendar.error.${known.includes(error.code) ? error.code : "other"}`, { detail: error.detail ?? "" }, "error");
}

// ---- the form ---------------------------------------------------------------------------------------------

const editor = $("#editor");
const form = $("#editor-form");

function kindOf() {
  return form.elements.kind.value;
}

/** Sites an override of `kind` may be for: outreach events at outreach venues, openings at offices. */
function sitesFor(kind) {
  if (kind === "closure") return boot.sites;
  return boot.sites.filter((s) => (kind === "outreach" ? s.kind === "outreach" : s.kind === "office"));
}

function fillSites(kind, chosen) {
  const select = $("#f-site");
  select.replaceChildren(...sitesFor(kind).map((s) => h("option", { value: s.id }, siteName(s.id))));
  if (chosen && sitesFor(kind).some((s) => s.id === chosen)) select.value = chosen;
}

function checks(container, name, items, chosen) {
  container.replaceChildren(
    ...items.map(({ id, label }) =>
      h("label", { class: "a-check" }, h("input", { type: "checkbox", name, value: id, checked: chosen.includes(id) }), h("span", {}, label)),
    ),
  );
}

function fillSiteChoices(services, counters) {
  const site = siteById.get($("#f-site").value);
  if (!site) return;
  checks($("#f-services"), "services", site.services.map((id) => ({ id, label: serviceName(id) })), services);
  checks($("#f-counters"), "counters", site.counters.map((c) => ({ id: c.id, label: c.label })), counters);
}

function showFields() {
  const kind = kindOf();
  for (const el of $all("[data-for=open]", form)) el.hidden = kind === "closure";
  for (const el of $all("[data-for=outreach]", form)) el.hidden = kind !== "outreach";
  $("#note-label").textContent = say(kind === "closure" ? "staff.calendar.field.reason" : "staff.calendar.field.note");
}

function clearProblems() {
  tell($("#editor-message"), "");
  $("#editor-problems").replaceChildren();
}

/** A default kind for a day someone clicked without an override: what fits the site and the weekday. */
function kindFor(site, day) {
  if (siteById.get(site)?.kind === "outreach") return "outreach";
  if (day.kind === "sunday" || weekday(day.date) === 0) return "sunday";
  return day.kind === "closed" ? "extra" : "closure";
}

function openDay(site, day) {
  const override = day.override ? ui.overrides.get(day.override) : null;
  if (override) {
    openEditor(override);
    return;
  }
  // a day of the config file: the override starts from what the file says (its hours and services)
  const { opens_at, closes_at, services, venue } = day;
  openEditor({ kind: kindFor(site, day), site, date: day.date, opens_at, closes_at, services, venue: venue ?? "" });
}

function openEditor(values) {
  ui.editing = values.id ?? null;
  clearProblems();
  $("#editor-title").textContent = say(ui.editing ? "staff.calendar.edit_title" : "staff.calendar.add_title");
  for (const radio of form.elements.kind) {
    radio.checked = radio.value === values.kind;
    radio.disabled = Boolean(ui.editing); // kind and site stay: remove the override and add another
  }
  fillSites(values.kind, values.site);
  $("#f-site").disabled = Boolean(ui.editing);
  $("#f-date").value = values.date ?? boot.today;
  $("#f-days").value = String(values.days ?? 1);
  $("#f-opens").value = values.opens_at ?? "";
  $("#f-closes").value = values.closes_at ?? "";
  $("#f-last").value = ui.editing ? (values.last_ticket_at ?? "") : "";
  $("#f-venue").value = values.venue ?? "";
  $("#f-address").value = values.address ?? "";
  $("#f-note").value = values.note ?? "";
  fillSiteChoices(values.services ?? [], ui.editing ? (values.counters ?? []) : []);
  $("#remove").hidden = !ui.editing;
  $("#remove-sure").hidden = true;
  showFields();
  editor.showModal();
}

function chosen(name) {
  return $all(`input[name=${name}]:checked`, form).map((input) => input.value);
}

/** The request body for the kind: only the fields that kind has (the API refuses the others). */
function bodyOf(kind) {
  const body = { date: $("#f-date").value, note: $("#f-note").value.trim() };
  if (kind !== "closure") {
    Object.assign(body, {
      opens_at: $("#f-opens").value,
      closes_at: $("#f-closes").value,
      last_ticket_at: $("#f-last").value || null,
      services: chosen("services"),
      counters: chosen("counters"),
    });
  }
  if (kind === "outreach") {
    Object.assign(body, { days: Number($("#f-days").value || 1), venue: $("#f-venue").value.trim(), address: $("#f-address").value.trim() });
  }
  if (!ui.editing && body.last_ticket_at === null) delete body.last_ticket_at;
  return ui.editing ? body : { kind, site: $("#f-site").value, ...body };
}

function showProblems(error) {
  failed($("#editor-message"), error);
  const problems = error.code === "validation_error" && error.detail ? error.detail.split("; ") : [];
  $("#editor-problems").replaceChildren(...problems.map((p) => h("li", {}, p)));
}

async function save(event) {
  event.preventDefault();
  clearProblems();
  const kind = kindOf();
  const path = ui.editing ? `/api/v1/calendar/overrides/${encodeURIComponent(ui.editing)}` : "/api/v1/calendar/overrides";
  try {
    const { data } = await api(path, { method: ui.editing ? "PATCH" : "POST", body: bodyOf(kind) });
    editor.close();
    const what = { date: dateText(data.date), site: siteName(data.site), kind: say(`staff.calendar.kind.${kind}`) };
    tell($("#message"), ui.editing ? "staff.calendar.changed" : "staff.calendar.added", what);
    showMonthOf(data.date);
  } catch (error) {
    showProblems(error);
  }
}

async function remove() {
  clearProblems();
  try {
    const { data } = await api(`/api/v1/calendar/overrides/${encodeURIComponent(ui.editing)}`, { method: "DELETE" });
    editor.close();
    tell($("#message"), "staff.calendar.removed", { date: dateText(data.date), site: siteName(data.site) });
    await load();
  } catch (error) {
    showProblems(error);
  }
}

function showMonthOf(iso) {
  ui.month = iso.slice(0, 7);
  history.replaceState(null, "", `?month=${ui.month}`);
  load();
}

// ---- start ------------------------------------------------------------------------------------------------

function wire() {
  $("#prev").addEventListener("click", () => showMonthOf(`${shiftMonth(ui.month, -1)}-01`));
  $("#next").addEventListener("click", () => showMonthOf(`${shiftMonth(ui.month, 1)}-01`));
  $("#this-month").addEventListener("click", () => showMonthOf(boot.today));
  $("#add").addEventListener("click", () => {
    tell($("#message"), "");
    const date = ui.month === boot.today.slice(0, 7) ? boot.today : `${ui.month}-01`;
    openEditor({ kind: "outreach", site: sitesFor("outreach")[0]?.id, date, days: 1, opens_at: "10:00", closes_at: "16:00" });
  });
  for (const radio of form.elements.kind) {
    radio.addEventListener("change", () => {
      fillSites(kindOf(), $("#f-site").value);
      fillSiteChoices(chosen("services"), chosen("counters"));
      showFields();
    });
  }
  $("#f-site").addEventListener("change", () => fillSiteChoices([], []));
  form.addEventListener("submit", save);
  $("#cancel").addEventListener("click", () => editor.close());
  $("#remove").addEventListener("click", () => {
    $("#remove").hidden = true;
    $("#remove-sure").hidden = false;
    $("#remove-sure").focus();
  });
  $("#remove-sure").addEventListener("click", remove);
}

function follow() {
  for (const site of boot.sites) {
    new LiveSocket(`/ws/v1/sites/${encodeURIComponent(site.id)}`, {
      onEvent: (message) => {
        if (message.type === "calendar.changed") reloadSoon();
      },
    }).start();
  }
}

async function start() {
  await loadCatalogsPatiently(["ja", "en"]);
  const setLanguage = wireStaffHead(LANG_KEY, (code) => {
    ui.lang = code;
    render();
    if (editor.open) showFields();
  });
  wire();
  setLanguage(rememberedLanguage(LANG_KEY));
  await load();
  follow();
  document.body.dataset.ready = "true";
}

start();
