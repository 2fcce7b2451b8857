// The staff sign-in form of every staff page (templates/web/login.html, shown instead of the page without a
// session or with an account of another role): sign in through the API, then reload into the page. Messages in
// Japanese and English, like the form.

import { api } from "/static/web/api.js";
import { $ } from "/static/web/dom.js";
import { loadCatalogs, t } from "/static/web/i18n.js";

function both(key, params) {
  return `${t("ja", key, params)} / ${t("en", key, params)}`;
}

function messageFor(error) {
  if (error.status === 401) return both("login.failed");
  if (error.status === 429) return both("login.throttled");
  return both("login.error", { detail: error.detail || error.code });
}

async function submit(event) {
  event.preventDefault();
  const message = $("#login-message");
  const button = $("#login-submit");
  button.disabled = true;
  message.textContent = both("login.working");
  try {
    await api("/api/v1/auth/login", {
      method: "POST",
      body: { login: $("#login-id").value.trim(), password: $("#login-password").value },
    });
    location.reload();
  } catch (error) {
    message.textContent = messageFor(error);
    $("#login-password").select();
  } finally {
    button.disabled = false;
  }
}

await loadCatalogs(["ja", "en"]);
$("#login-form").addEventListener("submit", submit);
$("#login-submit").disabled = false; // enabled only now: without the script the form must not post the password
$("#login-id").focus();
document.body.dataset.ready = "true";
