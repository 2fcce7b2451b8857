// The board's announcement queue: every call and recall is announced once, in the order the board received
// them, one at a time (the next starts only when the previous one's sound has ended), so two calls never talk
// over each other and a burst of calls is never lost.
//
// The queue is observable on the page (tests read it): `#announce-log` holds one <li> per announcement with
// data-number, data-counter, data-kind (call|recall), data-state (queued|playing|done|skipped), data-start and
// data-end (performance.now() in ms), data-parts (the clips spoken), data-ended (what ended it: the sound's
// "ended" event, or the "timer" that stands in when no event comes); <body data-playing> is "true" while one
// plays. An announcement whose ticket is no longer being called when its turn comes (the visitor is already
// at the counter, or it was a call the board missed long ago while reconnecting) is skipped, not spoken.

import { h } from "/static/web/dom.js";

const LOG_KEPT = 100;

function stamp() {
  return performance.now().toFixed(1);
}

export class Announcer {
  /**
   * @param {{log: HTMLElement, body: HTMLElement}} elements
   * @param {{play: (item) => Promise<{muted?: boolean}>, isCurrent: (item) => boolean,
   *          onStart?: Function, onEnd?: Function}} hooks
   */
  constructor(elements, hooks) {
    this.log = elements.log;
    this.body = elements.body;
    this.hooks = hooks;
    this.queue = [];
    this.busy = false;
  }

  /** item: {number, counter, counterNumber, kind: "call"|"recall", text, parts} */
  enqueue(item) {
    const entry = h(
      "li",
      {
        dataset: {
          number: item.number,
          counter: item.counter,
          kind: item.kind,
          state: "queued",
          parts: item.parts.filter((p) => typeof p === "string").join(" "),
        },
      },
      item.text,
    );
    this.log.append(entry);
    while (this.log.children.length > LOG_KEPT) this.log.firstElementChild.remove();
    this.queue.push({ ...item, entry });
    this.pump();
  }

  get length() {
    return this.queue.length;
  }

  async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const item = this.queue.shift();
        if (!this.hooks.isCurrent(item)) {
          item.entry.dataset.state = "skipped";
          continue;
        }
        await this.announce(item);
      }
    } finally {
      this.busy = false;
      this.body.dataset.playing = "false";
    }
  }

  async announce(item) {
    const { entry } = item;
    entry.dataset.state = "playing";
    entry.dataset.start = stamp();
    this.body.dataset.playing = "true";
    this.hooks.onStart?.(item);
    let result = {};
    try {
      result = (await this.hooks.play(item)) ?? {};
    } catch {
      result = { failed: true }; // a broken sound never stops the queue
    }
    if (result.muted) entry.dataset.muted = "true";
    if (result.ended) entry.dataset.ended = result.ended; // "ended": the sound's own event; "timer": the fallback
    if (result.failed) entry.dataset.failed = "true";
    entry.dataset.end = stamp();
    entry.dataset.state = "done";
    this.hooks.onEnd?.(item);
  }
}
