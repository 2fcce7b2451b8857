// Notices (お知らせ) that managers post for a site: in the snapshot as `state.notices`, replaced whole by each
// `notice.changed` event. Shared by the kiosk and the display board.

import { phrased } from "/static/web/linebreak.js";

/** The text of a notice in `lang`, Japanese when it has no translation for that language. */
export function noticeText(notice, lang) {
  return (lang !== "ja" && notice.texts?.[lang]) || notice.text;
}

/** The site's current notices after `message` (a snapshot state or a notice.changed event). */
export function noticesOf(message) {
  return Array.isArray(message?.notices) ? message.notices : [];
}

/**
 * Fill `list` (a <ul>) with one <li> per notice in `lang`; hides `box` when there is none.
 * Japanese text stays marked lang="ja" so screen readers and fonts treat it as Japanese.
 */
export function renderNotices(box, list, notices, lang) {
  list.replaceChildren(
    ...notices.map((n) => {
      const li = document.createElement("li");
      li.append(phrased(noticeText(n, lang)));
      li.lang = lang !== "ja" && n.texts?.[lang] ? lang : "ja";
      li.dataset.id = n.id;
      return li;
    }),
  );
  box.hidden = notices.length === 0;
}
