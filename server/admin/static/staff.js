// The staff section: the accounts of the person's sites (disabled ones too), filtered by site, role and text;
// add one with a generated first password shown once, change name, role and sites, reset the password (shown
// once), disable and enable. The buttons follow the server's rules (server/api/admin.py `_may_manage`): a
// manager looks after operators, guides and phone staff; nobody touches an account beyond their own sites.

import { api } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { boot, confirmed, failed, fillRows, fillSites, newPassword, say, showOnce, sitesText, tell, ui } from "/static/admin/kit.js";

const LOGIN_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const CHIEFS = new Set(["admin", "manager"]);
const me = boot.me;
let accounts = [];
let editing = null; // the account being changed in the dialog, or null when adding one

/** Whether the server would let this person change `account` (the same rule as `_may_manage`). */
function mayManage(account) {
  if (account.login === me.login) return false; // one's own: the password page; role and sites by another admin
  if (me.role !== "admin" && CHIEFS.has(account.role)) return false;
  if (!me.sites.length) return true;
  return account.sites.length > 0 && account.sites.every((s) => me.sites.includes(s));
}

function shown() {
  const site = $("#staff-site").value;
  const role = $("#staff-role").value;
  const q = $("#staff-q").value.trim().toLowerCase();
  return accounts.filter(
    (a) =>
      (!site || !a.sites.length || a.sites.includes(site)) &&
      (!role || a.role === role) &&
      (!q || a.login.includes(q) || a.name.toLowerCase().includes(q)),
  );
}

function button(label, action, onclick, primary = false) {
  return h("button", { type: "button", class: `a-button a-small${primary ? " a-primary" : ""}`, dataset: { action }, onclick }, label);
}

function row(account) {
  const actions = [];
  if (mayManage(account)) {
    actions.push(button(say("staff.admin.staff.edit"), "edit", () => openDialog(account)));
    actions.push(button(say("staff.admin.staff.reset"), "reset", () => reset(account)));
    actions.push(
      account.disabled
        ? button(say("staff.admin.staff.enable"), "enable", () => setState(account, "enable"))
        : button(say("staff.admin.staff.disable"), "disable", () => setState(account, "disable")),
    );
  }
  const self = account.login === me.login ? h("span", { class: "a-tag" }, say("staff.admin.staff.you")) : null;
  return h(
    "tr",
    { dataset: { login: account.login, disabled: String(account.disabled) } },
    h("td", { class: "a-mono" }, account.login, self),
    h("td", {}, account.name),
    h("td", {}, say(`staff.role.${account.role}`)),
    h("td", { class: "a-sites" }, sitesText(account.sites)),
    h("td", {}, h("span", { class: `a-state a-${account.disabled ? "off" : "on"}` }, say(account.disabled ? "staff.admin.staff.disabled" : "staff.admin.staff.active"))),
    h("td", {}, h("div", { class: "a-actions" }, ...actions)),
  );
}

function renderRows() {
  const rows = shown();
  $("#staff-count").textContent = say("staff.admin.count", { n: rows.length });
  fillRows($("#staff-rows"), rows, row, "staff.admin.staff.none");
}

function renderFilters() {
  fillSites($("#staff-site"), { all: "staff.admin.all_my_sites" });
  const role = $("#staff-role");
  const chosen = role.value;
  role.replaceChildren(
    h("option", { value: "" }, say("staff.admin.staff.all_roles")),
    ...["admin", "manager", "operator", "guide", "phone"].map((r) => h("option", { value: r }, say(`staff.role.${r}`))),
  );
  role.value = chosen;
}

export function render() {
  renderFilters();
  renderDialogChoices();
  renderRows();
}

async function load() {
  try {
    accounts = (await api("/api/v1/staff")).data;
    tell($("#staff-result"), "");
  } catch (error) {
    failed($("#staff-result"), error);
  }
  renderRows();
}

// ---- the add / change dialog --------------------------------------------------------------------------------

function renderDialogChoices() {
  const role = $("#sf-role");
  const chosen = role.value;
  role.replaceChildren(...boot.roles.map((r) => h("option", { value: r }, say(`staff.role.${r}`))));
  if (chosen) role.value = chosen;
  const checked = new Set([...document.querySelectorAll("#sf-sites input[data-site]:checked")].map((i) => i.dataset.site));
  $("#sf-sites").replaceChildren(
    ...boot.sites.map((s) =>
      h("label", { class: "a-check" }, h("input", { type: "checkbox", dataset: { site: s.id }, checked: checked.has(s.id) }), ` ${s[ui.lang] ?? s.ja}`),
    ),
  );
  syncAll();
}

function chosenSites() {
  if ($("#sf-all").checked) return [];
  return [...document.querySelectorAll("#sf-sites input[data-site]:checked")].map((i) => i.dataset.site);
}

function syncAll() {
  const all = $("#sf-all").checked;
  for (const input of document.querySelectorAll("#sf-sites input")) input.disabled = all;
}

function openDialog(account = null) {
  editing = account;
  const dialog = $("#staff-dialog");
  $("#staff-dialog-form").reset();
  renderDialogChoices();
  $("#sf-title").textContent = account ? say("staff.admin.staff.edit_title", { login: account.login }) : say("staff.admin.staff.add");
  $("#sf-login-row").hidden = Boolean(account); // a login id never changes
  $("#sf-login-row-label").hidden = Boolean(account);
  $("#sf-submit").textContent = say(account ? "staff.admin.save" : "staff.admin.staff.add_submit");
  $("#sf-all-row").hidden = me.sites.length > 0; // only who has every site gives every site
  $("#sf-name").value = account?.name ?? "";
  $("#sf-role").value = account?.role ?? "operator";
  const sites = account?.sites ?? (boot.sites.length === 1 ? [boot.sites[0].id] : []);
  $("#sf-all").checked = Boolean(account) && !sites.length && !me.sites.length;
  for (const input of document.querySelectorAll("#sf-sites input[data-site]")) input.checked = sites.includes(input.dataset.site);
  syncAll();
  tell($("#sf-result"), "");
  dialog.showModal();
  (account ? $("#sf-name") : $("#sf-login")).focus();
}

/** What to fix before sending (the server checks again); "" when nothing. */
function problem(body) {
  if (!editing && !LOGIN_RE.test(body.login)) return "staff.admin.staff.bad_login";
  if (!body.name.trim()) return "staff.admin.staff.no_name";
  if (!$("#sf-all").checked && !body.sites.length) return "staff.admin.staff.no_sites";
  return "";
}

async function submit(event) {
  event.preventDefault();
  if (event.submitter?.value === "cancel") {
    $("#staff-dialog").close();
    return;
  }
  const result = $("#sf-result");
  const body = { login: $("#sf-login").value.trim().toLowerCase(), name: $("#sf-name").value.trim(), role: $("#sf-role").value, sites: chosenSites() };
  const wrong = problem(body);
  if (wrong) {
    tell(result, wrong, {}, "error");
    return;
  }
  $("#sf-submit").disabled = true;
  try {
    if (editing) {
      const change = {};
      if (body.name !== editing.name) change.name = body.name;
      if (body.role !== editing.role) change.role = body.role;
      if (body.sites.join() !== editing.sites.join()) change.sites = body.sites;
      if (Object.keys(change).length) await api(`/api/v1/staff/${encodeURIComponent(editing.login)}`, { method: "PATCH", body: change });
      $("#staff-dialog").close();
      tell($("#staff-result"), "staff.admin.staff.saved", { login: editing.login });
    } else {
      const password = newPassword(body.login);
      await api("/api/v1/staff", { method: "POST", body: { ...body, password } });
      $("#staff-dialog").close();
      tell($("#staff-result"), "staff.admin.staff.added", { login: body.login });
      await load();
      await showPassword(body.login, password, "staff.admin.staff.first_password");
      return;
    }
  } catch (error) {
    failed(result, error);
    return;
  } finally {
    $("#sf-submit").disabled = false;
  }
  await load();
}

function showPassword(login, password, titleKey) {
  return showOnce({ title: say(titleKey, { login }), secret: password, note: say("staff.admin.staff.password_note") });
}

// ---- row actions --------------------------------------------------------------------------------------------

async function reset(account) {
  if (!(await confirmed(say("staff.admin.staff.confirm_reset", { name: account.name, login: account.login }), "staff.admin.staff.reset"))) return;
  const password = newPassword(account.login);
  try {
    await api(`/api/v1/staff/${encodeURIComponent(account.login)}/password`, { method: "POST", body: { password } });
  } catch (error) {
    failed($("#staff-result"), error);
    return;
  }
  tell($("#staff-result"), "staff.admin.staff.reset_done", { login: account.login });
  await showPassword(account.login, password, "staff.admin.staff.new_password");
}

async function setState(account, change) {
  if (change === "disable" && !(await confirmed(say("staff.admin.staff.confirm_disable", { name: account.name, login: account.login }), "staff.admin.staff.disable"))) return;
  try {
    await api(`/api/v1/staff/${encodeURIComponent(account.login)}/${change}`, { method: "POST" });
    tell($("#staff-result"), `staff.admin.staff.done_${change}`, { login: account.login });
  } catch (error) {
    failed($("#staff-result"), error);
  }
  await load();
}

export async function mount() {
  render();
  for (const id of ["#staff-site", "#staff-role"]) $(id).addEventListener("change", renderRows);
  $("#staff-q").addEventListener("input", renderRows);
  $("#staff-filters").addEventListener("submit", (event) => event.preventDefault());
  $("#staff-add-open").addEventListener("click", () => openDialog());
  $("#sf-all").addEventListener("change", syncAll);
  $("#staff-dialog-form").addEventListener("submit", submit);
  await load();
}
