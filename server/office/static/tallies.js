// The tally panel of the guide console and the phone console (電話問い合わせ・案内のみの来庁者): one button per
// topic with today's count; one touch counts one. "取り消す" takes this console's last touch back (the server
// never lets a count go below 0). A console that tallies both kinds (the guide console) has a switch between
// 案内のみ and 電話.
//
// Live: the page hands the site socket's `tally.changed` events to `changed()` (they carry every count of the
// date, so two consoles of a site always show the same numbers) and calls `load()` when the socket is live
// again after a gap. Each touch carries its own Idempotency-Key: a request sent again counts once.

import { api, ApiError, newKey } from "/static/web/api.js";
import { h } from "/static/web/dom.js";
import { t } from "/static/web/i18n.js";

const KINDS = ["guide", "phone"];

/** A name that may wrap only after "・" (受付時間・場所 → 受付時間・ / 場所), never inside a word. */
function breakable(name) {
  return name.split("・").flatMap((part, i, parts) => (i < parts.length - 1 ? [`${part}・`, h("wbr")] : [part]));
}

export class TallyPanel {
  /**
   * @param {{topics: HTMLElement, kinds: HTMLElement | null, total: HTMLElement, undo: HTMLButtonElement, result: HTMLElement}} els
   * @param {{site: () => string | null, lang: () => string, kinds: string[], onError: (error: unknown) => void}} options
   */
  constructor(els, { site, lang, kinds, onError }) {
    this.els = els;
    this.site = site;
    this.lang = lang;
    this.kinds = kinds;
    this.kind = kinds[0];
    this.onError = onError;
    this.date = null;
    this.topics = [];
    this.counts = {};
    this.last = null; // this console's last touch {site, date, kind, topic}: what "取り消す" takes back
    this.busy = false;
    els.undo.addEventListener("click", () => this.undo());
  }

  /** Today's counts of the site (first load, another site chosen, back online after a gap). */
  async load() {
    const site = this.site();
    if (!site) return;
    try {
      const { data } = await api(`/api/v1/sites/${encodeURIComponent(site)}/tallies`);
      if (site !== this.site()) return;
      this.apply(data.date, data.counts);
      this.topics = data.topics;
    } catch (error) {
      this.onError(error);
      return;
    }
    this.render();
  }

  /** A `tally.changed` event of the site: every count of its date. */
  changed(message) {
    if (this.date && message.date < this.date) return;
    if (this.date && message.date > this.date) {
      this.load(); // the business date moved on: today's list (every topic at 0) comes from the server
      return;
    }
    this.apply(message.date, message.counts);
    this.render();
  }

  apply(date, counts) {
    if (date !== this.date) this.last = null; // yesterday's touch is not taken back from today's count
    this.date = date;
    this.counts = Object.fromEntries(KINDS.map((kind) => [kind, { ...(counts?.[kind] ?? {}) }]));
  }

  count(kind, topic) {
    return this.counts[kind]?.[topic] ?? 0;
  }

  topicName(id) {
    const topic = this.topics.find((x) => x.id === id);
    if (!topic) return id;
    return this.lang() === "en" ? topic.name_en : topic.name;
  }

  async send(kind, topic, delta) {
    const site = this.site();
    const { data } = await api(`/api/v1/sites/${encodeURIComponent(site)}/tallies`, {
      method: "POST",
      body: { kind, topic, delta },
      key: newKey("tally"),
    });
    if (site === this.site()) this.apply(data.date, data.counts);
    return data;
  }

  async add(topic, button) {
    if (this.busy) return;
    this.busy = true;
    const kind = this.kind;
    try {
      const data = await this.send(kind, topic, 1);
      this.last = { site: this.site(), date: data.date, kind, topic };
      button?.classList.remove("t-flash");
      void button?.offsetWidth; // restart the flash when the same button is touched again
      button?.classList.add("t-flash");
      this.say("staff.tally.counted", { kind: t(this.lang(), `staff.tally.kind.${kind}`), topic: this.topicName(topic), n: data.count }, "ok");
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  async undo() {
    const last = this.last;
    if (this.busy || !last || last.site !== this.site()) return;
    this.busy = true;
    try {
      const data = await this.send(last.kind, last.topic, -1);
      this.last = null;
      this.say("staff.tally.undone", { kind: t(this.lang(), `staff.tally.kind.${last.kind}`), topic: this.topicName(last.topic), n: data.count }, "ok");
    } catch (error) {
      if (error instanceof ApiError && error.code === "nothing_to_undo") this.last = null;
      this.fail(error);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  fail(error) {
    this.say("staff.tally.error", { detail: error?.detail || error?.code || String(error) }, "error");
    this.onError(error);
  }

  say(key, params, kind) {
    this.els.result.textContent = t(this.lang(), key, params);
    this.els.result.dataset.kind = kind;
  }

  choose(kind) {
    this.kind = kind;
    this.render();
  }

  /** The buttons are built once per list of topics, language and kind; a new count only changes their numbers,
      so a touch never lands on a button that is being replaced. */
  render() {
    const lang = this.lang();
    const shape = JSON.stringify([lang, this.kind, this.topics.map((topic) => topic.id)]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.build(lang);
    }
    for (const button of this.els.topics.querySelectorAll(".t-topic")) {
      button.disabled = !this.date;
      button.querySelector(".t-count").textContent = String(this.count(this.kind, button.dataset.topic));
    }
    const total = Object.values(this.counts[this.kind] ?? {}).reduce((a, b) => a + b, 0);
    this.els.total.textContent = t(lang, "staff.tally.total", { n: total });
    const last = this.last && this.last.site === this.site() ? this.last : null;
    this.els.undo.disabled = !last || this.busy;
    this.els.undo.textContent = last
      ? t(lang, "staff.tally.undo_last", { topic: this.topicName(last.topic), kind: t(lang, `staff.tally.kind.${last.kind}`) })
      : t(lang, "staff.tally.undo");
  }

  build(lang) {
    if (this.els.kinds) {
      this.els.kinds.replaceChildren(
        ...this.kinds.map((kind) =>
          h(
            "button",
            { type: "button", class: "t-kind", dataset: { kind }, "aria-pressed": String(kind === this.kind), onclick: () => this.choose(kind) },
            t(lang, `staff.tally.kind.${kind}`),
          ),
        ),
      );
    }
    this.els.topics.dataset.kind = this.kind;
    this.els.topics.replaceChildren(
      ...this.topics.map((topic) =>
        h(
          "button",
          { type: "button", class: "t-topic", dataset: { topic: topic.id }, onclick: (event) => this.add(topic.id, event.currentTarget) },
          h("span", { class: "t-name" }, breakable(this.topicName(topic.id))),
          h("span", { class: "t-count" }, "0"),
        ),
      ),
    );
  }
}
