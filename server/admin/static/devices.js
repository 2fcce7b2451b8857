// The devices section (admins): pair a new kiosk or board PC (its one-time pairing link as a QR code to scan
// with the PC's camera or phone, and as text to type or copy), the kiosks and boards of the admin's sites with
// when each was last seen, a new pairing link for one, and revoking one (its open page says so at once).

import { api } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { boot, confirmed, failed, fillRows, fillSites, say, showOnce, siteName, tell, when } from "/static/admin/kit.js";

let devices = [];

function shown() {
  const site = $("#dev-site").value;
  const revoked = $("#dev-revoked").checked;
  return devices.filter((d) => (!site || d.site === site) && (revoked || !d.revoked));
}

function row(device) {
  const actions = device.revoked
    ? []
    : [
        h("button", { type: "button", class: "a-button a-small", dataset: { action: "pairing" }, onclick: () => pairAgain(device) }, say("staff.admin.devices.new_link")),
        h("button", { type: "button", class: "a-button a-small a-danger", dataset: { action: "revoke" }, onclick: () => revoke(device) }, say("staff.admin.devices.revoke")),
      ];
  return h(
    "tr",
    { dataset: { device: device.id, revoked: String(device.revoked) } },
    h("td", {}, device.name, h("div", { class: "a-mono a-faint" }, device.id)),
    h("td", {}, say(`staff.admin.devices.kind.${device.kind}`)),
    h("td", {}, siteName(device.site)),
    h("td", { class: "a-seen" }, device.last_seen ? when(device.last_seen) : say("staff.admin.devices.never")),
    h("td", {}, h("span", { class: `a-state a-${device.revoked ? "off" : "on"}` }, say(device.revoked ? "staff.admin.devices.revoked" : "staff.admin.devices.active"))),
    h("td", {}, h("div", { class: "a-actions" }, ...actions)),
  );
}

function renderRows() {
  const rows = shown();
  $("#dev-count").textContent = say("staff.admin.count", { n: rows.length });
  fillRows($("#dev-rows"), rows, row, "staff.admin.devices.none");
}

export function render() {
  fillSites($("#pair-site"));
  fillSites($("#dev-site"), { all: "staff.admin.all_my_sites" });
  const kind = $("#pair-kind");
  const chosen = kind.value;
  kind.replaceChildren(...["kiosk", "board"].map((k) => h("option", { value: k }, say(`staff.admin.devices.kind.${k}`))));
  if (chosen) kind.value = chosen;
  renderRows();
}

async function load() {
  try {
    devices = (await api("/api/v1/devices")).data;
  } catch (error) {
    failed($("#dev-result"), error);
  }
  renderRows();
}

function showLink(name, data) {
  return showOnce({
    title: say("staff.admin.devices.link_title", { name }),
    secret: data.pairing_url,
    note: say("staff.admin.devices.link_note"),
    qrSvg: data.pairing_qr_svg,
    kind: "link",
  });
}

async function pair(event) {
  event.preventDefault();
  const result = $("#pair-result");
  const body = { site: $("#pair-site").value, kind: $("#pair-kind").value, name: $("#pair-name").value.trim() };
  if (!body.name) {
    tell(result, "staff.admin.devices.no_name", {}, "error");
    $("#pair-name").focus();
    return;
  }
  try {
    const { data } = await api("/api/v1/devices", { method: "POST", body });
    $("#pair-name").value = "";
    tell(result, "staff.admin.devices.added", { name: data.name });
    await load();
    await showLink(data.name, data);
  } catch (error) {
    failed(result, error);
  }
}

async function pairAgain(device) {
  try {
    const { data } = await api(`/api/v1/devices/${encodeURIComponent(device.id)}/pairing`, { method: "POST" });
    await showLink(device.name, data);
  } catch (error) {
    failed($("#dev-result"), error);
  }
}

async function revoke(device) {
  const text = say("staff.admin.devices.confirm_revoke", { name: device.name, site: siteName(device.site) });
  if (!(await confirmed(text, "staff.admin.devices.revoke"))) return;
  try {
    await api(`/api/v1/devices/${encodeURIComponent(device.id)}/revoke`, { method: "POST" });
    tell($("#dev-result"), "staff.admin.devices.revoked_done", { name: device.name });
  } catch (error) {
    failed($("#dev-result"), error);
  }
  await load();
}

export async function mount() {
  render();
  if (boot.sites.length === 1) $("#dev-site-filter").hidden = true;
  $("#pair-form").addEventListener("submit", pair);
  $("#dev-site").addEventListener("change", renderRows);
  $("#dev-revoked").addEventListener("change", renderRows);
  await load();
}
