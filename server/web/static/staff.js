// The staff pages' top bar (templates/web/_staff_head.html): the staff language, Japanese or English, remembered
// per browser under the page's own key, and sign-out. Used by the guide console, the counter console and the
// phone reservations console.

import { api } from "/static/web/api.js";
import { $, $all } from "/static/web/dom.js";
import { htmlLang, translateTree } from "/static/web/i18n.js";

/** The staff language remembered under `storageKey`: "en" if English was chosen, else "ja". */
export function rememberedLanguage(storageKey) {
  return localStorage.getItem(storageKey) === "en" ? "en" : "ja";
}

async function logout() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } finally {
    location.reload(); // into the sign-in form
  }
}

/**
 * Wire the language buttons and sign-out (the catalogs must be loaded). Returns `setLanguage(code)`, which
 * remembers the language, marks its button, retranslates every element with a catalog key and then calls
 * `onLanguage(code)` for what the page's script drew itself; the buttons call it too.
 */
export function wireStaffHead(storageKey, onLanguage) {
  const setLanguage = (code) => {
    localStorage.setItem(storageKey, code);
    document.documentElement.lang = htmlLang(code);
    for (const button of $all("[data-staff-lang]")) button.setAttribute("aria-pressed", String(button.dataset.staffLang === code));
    translateTree(document, code);
    onLanguage(code);
  };
  for (const button of $all("[data-staff-lang]")) button.addEventListener("click", () => setLanguage(button.dataset.staffLang));
  $("#logout").addEventListener("click", logout);
  return setLanguage;
}
