// The notices section: what a site's boards and kiosks show in their ticker (お知らせ), posted in Japanese with an
// optional English text, and taken down again. The list is live from the site's socket (`notice.changed`), so a
// notice posted from another PC shows here too.

import { api } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { boot, confirmed, failed, fillSites, say, tell, watchSite, when } from "/static/admin/kit.js";

const notices = new Map(); // site -> [notice]

const site = () => $("#notice-site").value;

function row(notice) {
  return h(
    "li",
    { class: "a-notice", dataset: { notice: notice.id } },
    h("p", { class: "a-notice-text" }, notice.text),
    notice.texts?.en ? h("p", { class: "a-notice-en", lang: "en" }, notice.texts.en) : null,
    h("p", { class: "a-faint" }, say("staff.admin.notices.posted", { at: when(notice.created_at), by: notice.by ?? "" })),
    h("button", { type: "button", class: "a-button a-small a-danger", dataset: { action: "remove" }, onclick: () => remove(notice) }, say("staff.admin.notices.remove")),
  );
}

function renderList() {
  const list = notices.get(site()) ?? [];
  $("#notice-rows").replaceChildren(...(list.length ? list.map(row) : [h("li", { class: "a-empty" }, say("staff.admin.notices.none"))]));
}

export function render() {
  fillSites($("#notice-site"));
  renderList();
}

async function post(event) {
  event.preventDefault();
  const result = $("#notice-result");
  const text = $("#notice-ja").value.trim();
  const en = $("#notice-en").value.trim();
  if (!text) {
    tell(result, "staff.admin.notices.empty", {}, "error");
    $("#notice-ja").focus();
    return;
  }
  try {
    await api(`/api/v1/sites/${encodeURIComponent(site())}/notices`, { method: "POST", body: { text, texts: en ? { en } : {} } });
    $("#notice-form").reset();
    tell(result, "staff.admin.notices.posted_done");
  } catch (error) {
    failed(result, error);
  }
}

async function remove(notice) {
  if (!(await confirmed(say("staff.admin.notices.confirm_remove", { text: notice.text }), "staff.admin.notices.remove"))) return;
  try {
    await api(`/api/v1/sites/${encodeURIComponent(site())}/notices/${encodeURIComponent(notice.id)}`, { method: "DELETE" });
    tell($("#notice-result"), "staff.admin.notices.removed");
  } catch (error) {
    failed($("#notice-result"), error);
  }
}

function update(id, list) {
  notices.set(id, list ?? []);
  if (id === site()) renderList();
}

export async function mount() {
  render();
  if (boot.sites.length === 1) $("#notice-site-row").hidden = true;
  $("#notice-site").addEventListener("change", renderList);
  $("#notice-form").addEventListener("submit", post);
  for (const s of boot.sites) {
    watchSite(s.id, {
      snapshot: (state) => update(s.id, state.notices),
      event: (message) => message.type === "notice.changed" && update(s.id, message.notices),
    });
  }
}
