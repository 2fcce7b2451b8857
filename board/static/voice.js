// Sound for the board (and the visitor's phone): a chime made by oscillators, then a Japanese call composed of
// recorded parts (board/static/voice/ja/, made once by board/tools/make_voice.py), played back to back on the
// Web Audio clock so nothing online is needed and nothing gaps or overlaps.
//
// A call is a list of parts: clip ids of the manifest and pauses, e.g.
//   受付番号 | エー | じゅうに | 番の方 | (pause) | さん | 番窓口へお越しください
// `play` schedules them all at once and resolves when the last one's `ended` event fires (or, should it never
// fire, when its duration has passed), so a queue can wait for one call before starting the next.

const CHIME_NOTES = [
  { freq: 659.25, at: 0, length: 0.9 }, // E5 "ピン"
  { freq: 523.25, at: 0.45, length: 1.4 }, // C5 "ポーン"
];
const LEAD_S = 0.05; // scheduling head start (the audio thread needs a moment)
const AFTER_CHIME_S = 0.2;
const ENDED_GRACE_MS = 1500; // the fallback timer waits this much longer than the sound should last
const RESUME_WAIT_MS = 500;

/** Clip ids for a number: 0–99 in one part, then the hundreds and thousands; longer numbers digit by digit. */
export function numberParts(n) {
  if (!Number.isInteger(n) || n < 0) return [];
  if (n >= 10000) return String(n).split("").map((digit) => `num-${digit}`);
  const parts = [];
  const thousands = Math.floor(n / 1000);
  const hundreds = Math.floor((n % 1000) / 100);
  const rest = n % 100;
  if (thousands) parts.push(`num-${thousands * 1000}`);
  if (hundreds) parts.push(`num-${hundreds * 100}`);
  if (rest || parts.length === 0) parts.push(`num-${rest}`);
  return parts;
}

/** "A012" -> {letter: "A", value: 12}; null when it is not a prefix letter and digits. */
export function parseNumber(number) {
  const match = /^([A-Z]?)(\d+)$/.exec(String(number ?? ""));
  return match ? { letter: match[1], value: Number(match[2]) } : null;
}

/** How a ticket number is said and written in a sentence: "A012" -> "A12" (leading zeros are not read). */
export function spokenNumber(number) {
  const parsed = parseNumber(number);
  return parsed ? `${parsed.letter}${parsed.value}` : String(number);
}

/**
 * The parts of one announcement: [もう一度お呼びします] 受付番号 A 12 番の方、3 番窓口へお越しください.
 * Returns [] when the number cannot be read (the chime still sounds; the text is on the screen anyway).
 */
export function callParts(number, counterNumber, kind = "call") {
  const parsed = parseNumber(number);
  if (!parsed || !Number.isInteger(counterNumber)) return [];
  return [
    ...(kind === "recall" ? ["recall", { pause: 350 }] : []),
    "intro",
    { pause: 120 },
    ...(parsed.letter ? [`letter-${parsed.letter.toLowerCase()}`] : []),
    ...numberParts(parsed.value),
    "person",
    { pause: 300 },
    ...numberParts(counterNumber),
    "counter",
  ];
}

/** Schedule the two-tone chime at `at` (AudioContext time) into `destination`; returns its last node and end. */
export function scheduleChime(ctx, destination, at) {
  let last = null;
  let end = at;
  for (const note of CHIME_NOTES) {
    const start = at + note.at;
    const stop = start + note.length;
    for (const [multiple, level] of [[1, 0.45], [2, 0.08]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = note.freq * multiple;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(level, start + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, stop);
      osc.connect(gain).connect(destination);
      osc.start(start);
      osc.stop(stop + 0.02);
      if (stop + 0.02 >= end) {
        end = stop + 0.02;
        last = osc;
      }
    }
  }
  return { node: last, end };
}

/** Resolves on the node's `ended` event, or after `ms` should the event never come (no audio device). */
export function whenEnded(node, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("timer"), Math.max(0, ms));
    node?.addEventListener("ended", () => {
      clearTimeout(timer);
      resolve("ended");
    });
  });
}

function timeout(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class VoicePlayer {
  /**
   * @param {string} base where manifest.json and the clips are, e.g. "/static/board/voice/ja/"
   * @param {{onBlocked?: Function, onRunning?: Function}} handlers told when the browser holds the sound back
   *   (autoplay policy: a touch is needed) and when it plays again
   */
  constructor(base, handlers = {}) {
    this.base = base;
    this.handlers = handlers;
    this.ctx = null;
    this.out = null;
    this.manifest = null;
    this.buffers = new Map(); // clip id -> Promise<AudioBuffer | null>
  }

  context() {
    if (!this.ctx) {
      this.ctx = new AudioContext({ latencyHint: "playback" });
      this.out = this.ctx.createGain();
      this.out.connect(this.ctx.destination);
      this.ctx.addEventListener("statechange", () => this.stateChanged());
    }
    return this.ctx;
  }

  get running() {
    return this.ctx?.state === "running";
  }

  stateChanged() {
    if (this.running) this.handlers.onRunning?.();
  }

  /** Start the sound from a user gesture (a touch on the "enable sound" button or anywhere). */
  async unlock() {
    const ctx = this.context();
    try {
      await ctx.resume();
    } catch {
      // still suspended: the button stays
    }
    if (this.running) this.handlers.onRunning?.();
    return this.running;
  }

  /** Whether sound can play now; tries to resume a suspended context first and reports a blocked one. */
  async ready() {
    const ctx = this.context();
    if (ctx.state !== "running") await Promise.race([ctx.resume().catch(() => {}), timeout(RESUME_WAIT_MS)]);
    if (ctx.state === "running") return true;
    this.handlers.onBlocked?.();
    return false;
  }

  async loadManifest() {
    if (this.manifest) return this.manifest;
    const response = await fetch(`${this.base}manifest.json`, { cache: "no-cache" });
    if (!response.ok) throw new Error(`voice manifest: ${response.status}`);
    this.manifest = await response.json();
    return this.manifest;
  }

  /** The decoded clip, or null when it does not exist or cannot be loaded (that part is then left out). */
  buffer(id) {
    if (!this.buffers.has(id)) {
      const load = (async () => {
        const manifest = await this.loadManifest();
        const clip = manifest.clips?.[id];
        if (!clip) return null;
        const response = await fetch(`${this.base}${clip.file}`);
        if (!response.ok) throw new Error(`voice clip ${id}: ${response.status}`);
        return await this.context().decodeAudioData(await response.arrayBuffer());
      })().catch(() => {
        this.buffers.delete(id); // try again next time (the server may be restarting)
        return null;
      });
      this.buffers.set(id, load);
    }
    return this.buffers.get(id);
  }

  /** Fetch and decode every clip in the background, a few at a time, so the first call starts at once. */
  async preload(concurrency = 4) {
    let ids;
    try {
      ids = Object.keys((await this.loadManifest()).clips ?? {});
    } catch {
      return;
    }
    const next = async () => {
      while (ids.length) await this.buffer(ids.shift());
    };
    await Promise.all(Array.from({ length: concurrency }, next));
  }

  /**
   * Play the chime and then `parts` (clip ids and {pause: ms}) gap-free.
   * @returns {Promise<{muted: boolean, clips: number, ended: string}>} muted: the browser held the sound back
   */
  async play(parts, { voice = true } = {}) {
    if (!(await this.ready())) return { muted: true, clips: 0, ended: "blocked" };
    const ids = voice ? parts.filter((part) => typeof part === "string") : [];
    const buffers = new Map(await Promise.all(ids.map(async (id) => [id, await this.buffer(id)])));
    const ctx = this.context();
    let at = ctx.currentTime + LEAD_S;
    let last = scheduleChime(ctx, this.out, at);
    at = last.end + AFTER_CHIME_S;
    let clips = 0;
    if (voice && [...buffers.values()].some(Boolean)) {
      for (const part of parts) {
        if (typeof part !== "string") {
          at += (part.pause ?? 0) / 1000;
          continue;
        }
        const buffer = buffers.get(part);
        if (!buffer) continue;
        const source = ctx.createBufferSource();
        source.buffer = buffer;
        source.connect(this.out);
        source.start(at);
        at += buffer.duration;
        last = { node: source, end: at };
        clips += 1;
      }
    }
    const ended = await whenEnded(last.node, (last.end - ctx.currentTime) * 1000 + ENDED_GRACE_MS);
    return { muted: false, clips, ended };
  }
}

/** A local (offline) English voice of the browser, or null: then English is not spoken, only shown. */
export function localEnglishVoice() {
  if (!("speechSynthesis" in window)) return null;
  return speechSynthesis.getVoices().find((v) => v.localService && /^en(-|$)/i.test(v.lang)) ?? null;
}

/** Speak `text` with `voice` (speechSynthesis); resolves when it ends, or after a time its length allows. */
export function speak(text, voice) {
  return new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 0.95;
    const timer = setTimeout(() => resolve("timer"), 2000 + text.length * 120);
    const done = (how) => () => {
      clearTimeout(timer);
      resolve(how);
    };
    utterance.addEventListener("end", done("ended"));
    utterance.addEventListener("error", done("error"));
    speechSynthesis.speak(utterance);
  });
}
