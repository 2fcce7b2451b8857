// The guide console's notices panel (managers and admins): post a notice for the site's boards and kiosks, in
// Japanese with an optional English text, and take notices down. The list itself comes live from the site
// socket (`state.notices`, then `notice.changed`), so two consoles always show the same notices.

import { api } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";

export class NoticesPanel {
  /** @param {{form: HTMLFormElement, text: HTMLInputElement, textEn: HTMLInputElement, list: HTMLElement, result: HTMLElement}} els */
  constructor(els, { site, lang, onError }) {
    this.els = els;
    this.site = site;
    this.lang = lang;
    this.onError = onError;
    this.notices = [];
    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.post();
    });
  }

  load(notices) {
    this.notices = Array.isArray(notices) ? notices : [];
    this.render();
  }

  async post() {
    const text = this.els.text.value.trim();
    const en = this.els.textEn.value.trim();
    if (!text) return;
    const button = this.els.form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api(`/api/v1/sites/${encodeURIComponent(this.site)}/notices`, {
        method: "POST",
        body: { text, texts: en ? { en } : {} },
      });
      this.els.form.reset();
      this.els.result.textContent = t(this.lang(), "guide.notice_posted");
    } catch (error) {
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }

  async remove(notice) {
    try {
      await api(`/api/v1/sites/${encodeURIComponent(this.site)}/notices/${encodeURIComponent(notice.id)}`, { method: "DELETE" });
      this.els.result.textContent = t(this.lang(), "guide.notice_removed");
    } catch (error) {
      this.onError(error);
    }
  }

  render() {
    const lang = this.lang();
    if (this.notices.length === 0) {
      this.els.list.replaceChildren(h("li", { class: "g-empty" }, t(lang, "guide.notices_none")));
      return;
    }
    this.els.list.replaceChildren(
      ...this.notices.map((n) =>
        h(
          "li",
          { class: "g-notice", dataset: { id: n.id } },
          h("span", { class: "g-notice-text", lang: "ja" }, n.text),
          n.texts?.en ? h("span", { class: "g-notice-en", lang: "en" }, n.texts.en) : null,
          h("button", { type: "button", class: "g-button g-small", onclick: () => this.remove(n) }, t(lang, "guide.notice_remove")),
        ),
      ),
    );
  }
}
