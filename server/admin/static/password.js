// /password: a staff member changes their own password (POST /api/v1/auth/password). The current one proves it is
// them (wrong ones are throttled like failed logins); the new one meets the same rules as every password. The
// session in use stays signed in; other signed-in PCs of the account are signed out.

import { api } from "/static/web/api.js";
import { $ } from "/static/web/dom.js";
import { loadCatalogs } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";
import { boot, failed, tell, ui } from "/static/admin/kit.js";

const LANG_KEY = "madoguchi.admin.lang";

async function submit(event) {
  event.preventDefault();
  const result = $("#pw-result");
  const old = $("#pw-old").value;
  const fresh = $("#pw-new").value;
  if (!old || !fresh) {
    tell(result, "staff.password.missing", {}, "error");
    return;
  }
  if (fresh !== $("#pw-again").value) {
    tell(result, "staff.password.mismatch", {}, "error");
    $("#pw-again").select();
    return;
  }
  if (fresh.length < boot.password_min) {
    tell(result, "staff.password.short", { n: boot.password_min }, "error");
    return;
  }
  $("#pw-submit").disabled = true;
  try {
    await api("/api/v1/auth/password", { method: "POST", body: { old, new: fresh } });
    $("#password-form").reset();
    tell(result, "staff.password.done");
  } catch (error) {
    failed(result, error);
  } finally {
    $("#pw-submit").disabled = false;
  }
}

async function start() {
  await loadCatalogs(["ja", "en"]);
  ui.lang = rememberedLanguage(LANG_KEY);
  wireStaffHead(LANG_KEY, (code) => (ui.lang = code))(ui.lang);
  $("#password-form").addEventListener("submit", submit);
  document.body.dataset.ready = "true";
}

start();
