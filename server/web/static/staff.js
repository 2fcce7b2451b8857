// The staff pages' top bar (templates/web/_staff_head.html): the staff language, Japanese or English, remembered
// per browser under the page's own key, and sign-out. Used by the guide console, the counter console and the
// phone reservations console. Also what those consoles choose services by: buttons with whole names
// (`choiceButtons`).

import { api } from "/static/web/api.js";
import { $, $all, h } from "/static/web/dom.js";
import { htmlLang, translateTree } from "/static/web/i18n.js";
import { phrased } from "/static/web/linebreak.js";

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

/**
 * One button per choice, with its whole name in the staff language (wrapping, Japanese between phrases only:
 * staff.css `.staff-choice`), instead of a drop-down that cuts long English names off. `choices` are
 * `{id, name, note?}` (`note`: a few words after the name, e.g. "paused"); the chosen one is aria-pressed;
 * a touch on another calls `onChoose(id)`. `className`: the page's own button classes; `key`: the dataset key
 * that carries the id (`data-service` by default).
 */
export function choiceButtons(choices, { chosen, onChoose, className = "", key = "service" }) {
  return choices.map(({ id, name, note }) =>
    h(
      "button",
      {
        type: "button",
        class: `staff-choice ${className}`.trim(),
        dataset: { [key]: id },
        "aria-pressed": String(id === chosen),
        onclick: () => id !== chosen && onChoose(id),
      },
      phrased(name),
      note ? h("span", { class: "staff-choice-note" }, note) : null,
    ),
  );
}
