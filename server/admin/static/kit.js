// What every section of the admin page shares: the boot data, the staff language, site names, messages and
// errors in the page's language, the confirm dialog, the "shown once" dialog (a new password, a pairing link),
// and one live socket per site (printers and notices listen to the same one).

import { ApiError } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";
import { applyEvent } from "/static/web/live.js";
import { LiveSocket } from "/static/web/ws.js";

export const boot = JSON.parse(document.body.dataset.boot);
const siteNames = Object.fromEntries((boot.sites ?? []).map((s) => [s.id, s]));

export const ui = { lang: "ja" };

export const say = (key, params) => t(ui.lang, key, params);

export function siteName(id) {
  const names = siteNames[id];
  return names ? names[ui.lang] ?? names.ja : id;
}

/** `sites` of an account as words: "すべての拠点" for none (every site). */
export function sitesText(sites) {
  return sites.length ? sites.map(siteName).join("、") : say("staff.admin.all_sites");
}

/** Options of a site <select>: the person's own sites, with "all of mine" first when `all` is given. */
export function fillSites(select, { all = null } = {}) {
  const chosen = select.value;
  const options = boot.sites.map((s) => h("option", { value: s.id }, siteName(s.id)));
  if (all) options.unshift(h("option", { value: "" }, say(all)));
  select.replaceChildren(...options);
  if (chosen !== "" || all) select.value = chosen;
  if (!select.value && options.length) select.value = options[0].value;
}

/** Fill a table's body with one row per item, or with one row saying there is none (`noneKey`). */
export function fillRows(tbody, items, row, noneKey) {
  const columns = tbody.closest("table").querySelectorAll("thead th").length;
  const none = h("tr", {}, h("td", { colspan: String(columns), class: "a-empty" }, say(noneKey)));
  tbody.replaceChildren(...(items.length ? items.map(row) : [none]));
}

/** Show a message in `el`: kind "ok" (green), "error" (red) or "" (plain); no key clears it. */
export function tell(el, key, params = {}, kind = "ok") {
  el.textContent = key ? say(key, params) : "";
  el.dataset.kind = kind;
}

const KNOWN_ERRORS = new Set(["forbidden", "validation_error", "conflict", "not_found", "unknown_site", "wrong_password", "rate_limited", "network"]);

/** The words for a refused or failed request; a session that ended reloads into the sign-in form. */
export function failed(el, error) {
  if (error instanceof ApiError && error.status === 401) {
    location.reload();
    return;
  }
  const code = KNOWN_ERRORS.has(error.code) ? error.code : "other";
  tell(el, `staff.admin.error.${code}`, { detail: error.detail || error.code }, "error");
}

/** "11/24 9:40" / "24/11 9:40" of an ISO time in the site's zone ("" for none). */
export function when(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  const format = new Intl.DateTimeFormat(ui.lang === "en" ? "en-GB" : "ja-JP", {
    timeZone: boot.timezone,
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
  return format.format(at);
}

/** Ask yes or no in the page's confirm dialog. */
export function confirmed(text, yesKey = "staff.admin.yes") {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = say(yesKey);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

/** Copy `text` to the clipboard; the button says whether it worked. */
async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = say("staff.admin.copied");
  } catch {
    button.textContent = say("staff.admin.copy_failed");
  }
}

/**
 * The "shown once" dialog: a title, a secret in large type with a copy button, a warning that it cannot be shown
 * again, and optionally an image (a pairing link's QR code). Resolves when it is closed.
 */
export function showOnce({ title, secret, note, qrSvg = null, kind = "password" }) {
  const dialog = $("#once");
  $("#once-title").textContent = title;
  const value = $("#once-secret");
  value.textContent = secret;
  value.dataset.kind = kind;
  $("#once-note").textContent = note;
  const qr = $("#once-qr");
  if (qrSvg) {
    qr.src = URL.createObjectURL(new Blob([qrSvg], { type: "image/svg+xml" }));
    qr.alt = say("staff.admin.devices.qr_alt");
  }
  qr.hidden = !qrSvg;
  const button = $("#once-copy");
  button.textContent = say("staff.admin.copy");
  button.onclick = () => copy(secret, button);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener(
      "close",
      () => {
        value.textContent = ""; // gone from the page once closed
        if (qr.src) URL.revokeObjectURL(qr.src);
        qr.removeAttribute("src");
        resolve();
      },
      { once: true },
    ),
  );
}

// ---- passwords ----------------------------------------------------------------------------------------------

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"; // no 0/O, 1/l/I: read out and typed

/** A first or reset password: 16 random characters read without confusion, meeting the server's policy. */
export function newPassword(login) {
  for (;;) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    const password = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
    const groups = password.match(/.{4}/g).join("-"); // 4-4-4-4: easier to copy by hand
    if (new Set(groups).size >= 4 && !groups.toLowerCase().includes(login.toLowerCase())) return groups;
  }
}

// ---- live sites ---------------------------------------------------------------------------------------------

const sockets = new Map(); // site -> {socket, listeners: Set, snapshot}

function setConnection(status) {
  const down = [...sockets.values()].some((s) => s.status === "reconnecting");
  $("#connection").hidden = !down;
  return status;
}

/**
 * Listen to a site's events (one socket per site, shared): `listener.snapshot(state)` for each snapshot (also
 * at once when one came already: the snapshot with every event since applied), `listener.event(message)` for every
 * event.
 */
export function watchSite(site, listener) {
  let entry = sockets.get(site);
  if (!entry) {
    entry = { listeners: new Set(), snapshot: null, status: "" };
    sockets.set(site, entry);
    const current = entry;
    current.socket = new LiveSocket(`/ws/v1/sites/${encodeURIComponent(site)}`, {
      onSnapshot: (state) => {
        current.snapshot = state;
        for (const l of current.listeners) l.snapshot?.(state);
      },
      onEvent: (message) => {
        current.snapshot = applyEvent(current.snapshot, message);
        for (const l of current.listeners) l.event?.(message);
      },
      onStatus: (status) => {
        current.status = status;
        setConnection(status);
      },
      onDenied: () => location.reload(), // the session ended or lost this site: the page says why
    }).start();
  }
  entry.listeners.add(listener);
  if (entry.snapshot) listener.snapshot?.(entry.snapshot);
}
