// Japanese text breaks between phrases, never inside a word: <wbr> at the BudouX phrase boundaries.
//
// The pages set Japanese with `word-break: keep-all` and `line-break: strict` (base.css): no break inside a run
// of kanji and kana, no small kana or closing bracket at a line start. A long name such as
// 「申請受付・申請サポート（写真撮影等）」 then needs break opportunities between its phrases, or it overflows
// its button or row. Text the server renders gets them from the Jinja filter `phrases`; text a page receives as
// data gets them here, at the places the printed ticket breaks too (printers/linebreak.py holds the same rules,
// and the vendored model is the Python package's: tests/unit/test_linebreak.py, tests/e2e/test_linebreak.py).

import { model } from "/static/web/vendor/budoux/ja.js";
import { Parser } from "/static/web/vendor/budoux/parser.js";

const parser = new Parser(model);
const NO_LINE_START = new Set(
  "、。，．,.)）]］｝}」』】〕〉》”’:;：；!！?？・ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ…‥々〻ゝゞヽヾ%％〜～",
);
const NO_LINE_END = new Set("(（[［{｛「『【〔〈《“‘");
const SPACES = new Set(" \u3000");

/** A character of a script set without spaces (CJK, kana and their punctuation); Hangul breaks at spaces. */
function wide(ch) {
  const code = ch.codePointAt(0);
  return code >= 0x2e80 && !(code >= 0xac00 && code <= 0xd7af);
}

function allowed(text, i) {
  const before = text[i - 1];
  const after = text[i];
  if (SPACES.has(after) || NO_LINE_START.has(after) || NO_LINE_END.has(before)) return false;
  return SPACES.has(before) || wide(before) || wide(after);
}

/** Positions i where a line may end before text[i] without a space: the phrase boundaries (with kinsoku). */
export function phraseBreaks(text) {
  const found = [];
  let start = 0;
  for (const run of text.split(/([ \u3000]+)/)) {
    if (run && !SPACES.has(run[0]) && [...run].some(wide)) {
      let offset = start;
      for (const phrase of parser.parse(run).slice(0, -1)) {
        offset += phrase.length;
        if (allowed(text, offset)) found.push(offset);
      }
    }
    start += run.length;
  }
  return found;
}

/** `text` as a fragment of text nodes with <wbr> between its phrases. */
export function phrased(text) {
  const value = String(text ?? "");
  const fragment = document.createDocumentFragment();
  let start = 0;
  for (const cut of phraseBreaks(value)) {
    fragment.append(value.slice(start, cut), document.createElement("wbr"));
    start = cut;
  }
  fragment.append(value.slice(start));
  return fragment;
}

const shown = new WeakMap();

/** `el.textContent = text`, with phrase breaks (unchanged text is left alone: no needless relayout). */
export function setPhrased(el, text) {
  const value = String(text ?? "");
  if (shown.get(el) === value && el.textContent === value) return;
  el.replaceChildren(phrased(value));
  shown.set(el, value);
}
