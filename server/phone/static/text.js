// What the phone operator types and reads out: kana names, phone numbers, reservation codes.
//
// The server is the judge (400 validation_error); these checks only let the operator fix a typo before the
// caller hangs up. Names are full-width katakana with spaces: hiragana (an IME in hiragana mode) and
// half-width katakana are turned into it, as the city's own system expects.

import { t } from "/static/web/i18n.js";

const KATAKANA_WORD = "[\\u30A1-\\u30FA\\u30FC\\u30FB\\u30FD\\u30FE]+";
const KANA_NAME = new RegExp(`^${KATAKANA_WORD}(?: ${KATAKANA_WORD})*$`);

/** "ふくつ　たろう" / "ﾌｸﾂ ﾀﾛｳ" → "フクツ タロウ": NFKC, hiragana to katakana, one space between words. */
export function toKatakana(text) {
  return String(text ?? "")
    .normalize("NFKC")
    .replace(/[\u3041-\u3096\u309D\u309E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60))
    .replace(/\s+/g, " ")
    .trim();
}

/** The message key for a name that cannot be booked, or "" when it is fine. */
export function nameProblem(name) {
  if (!name) return "phone.name_required";
  return KANA_NAME.test(name) ? "" : "phone.name_kana";
}

/** Full-width digits and dashes of any kind become ASCII; spaces and brackets go: "０９０（１２３４）５６７８" → "090-1234-5678". */
export function normalizePhone(text) {
  return String(text ?? "")
    .normalize("NFKC")
    .replace(/[‐‑‒–—―−ー]/g, "-")
    .replace(/[()\s]/g, (ch) => (ch === "(" || ch === ")" ? "-" : ""))
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

export function phoneProblem(phone) {
  if (!phone) return "phone.phone_required";
  if (!/^[0-9-]+$/.test(phone)) return "phone.phone_invalid";
  const digits = phone.replace(/-/g, "").length;
  return digits === 10 || digits === 11 ? "" : "phone.phone_invalid";
}

/** "K7M3Q" → "K 7 M 3 Q": one character at a time, as it is read out. */
export function spacedCode(code) {
  return Array.from(String(code ?? "").replace(/-/g, "")).join(" ");
}

/** How to say each character: [{ch: "K", word: "キングのケー"}, {ch: "7", word: "ナナ"}, …] ("Kilo" in English). */
export function spelledCode(code, lang) {
  return Array.from(String(code ?? "").replace(/-/g, "")).map((ch) => {
    const key = `phone.spell.${ch.toLowerCase()}`;
    const word = t(lang, key);
    return { ch, word: word === key ? "" : word };
  });
}
