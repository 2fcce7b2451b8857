// The console's modal dialogs (<dialog> + form method=dialog): complete with an outcome, transfer, call a
// number, pause with a reason, close. Keyboard first: digits pick a choice, Enter confirms (except in a note),
// Escape cancels.

import { $all } from "/static/web/dom.js";

/**
 * Show `dialog` until it is confirmed ("ok") or cancelled ("cancel" or ""). `validate()` may keep it open
 * (it shows why itself). Digits 1-9 pick the n-th radio of the dialog (not while typing in a text field).
 * @returns {Promise<string>} the dialog's return value
 */
export function ask(dialog, { validate = () => true, focus = null } = {}) {
  const form = dialog.querySelector("form");
  return new Promise((resolve) => {
    const onSubmit = (event) => {
      if ((event.submitter?.value ?? "ok") === "ok" && !validate()) event.preventDefault();
    };
    const onKey = (event) => {
      const typing = event.target instanceof HTMLTextAreaElement || (event.target instanceof HTMLInputElement && event.target.type !== "radio");
      if (event.key === "Enter" && !event.isComposing && !(event.target instanceof HTMLButtonElement)) {
        if (event.target instanceof HTMLTextAreaElement && !event.ctrlKey) return; // a new line in the note
        event.preventDefault();
        if (validate()) dialog.close("ok");
        return;
      }
      if (!typing && /^[1-9]$/.test(event.key)) {
        const radio = $all("input[type=radio]", dialog)[Number(event.key) - 1];
        if (radio) {
          event.preventDefault();
          radio.checked = true;
          radio.focus();
          radio.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
    };
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener(
      "close",
      () => {
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("keydown", onKey);
        resolve(dialog.returnValue);
      },
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
    (focus ?? dialog.querySelector("input:checked, input, textarea, button"))?.focus();
  });
}

/** The checked radio's value in `root`. */
export function chosen(root, name) {
  return root.querySelector(`input[name=${name}]:checked`)?.value ?? "";
}

/** "p1", "Ｐ００１", " P 1 " → "P001" (full-width from an IME, lower case, missing zeros). */
export function normalizeNumber(raw, digits) {
  const ascii = raw.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  const match = /^([A-Z])0*([0-9]{1,6})$/.exec(ascii);
  if (!match) return null;
  return match[1] + match[2].padStart(digits, "0");
}
