// Paused services (an upstream outage stops a service for hours): each service line of a snapshot carries
// `paused` and `pause` ({reason_ja, reason_en, since}); a `service.changed` event says the new state of one service.
// Shared by the kiosk, the display board, the guide console and the visitor page.

/**
 * The reasons to show a visitor reading `lang`: always the Japanese one, then the English one for a visitor who
 * reads neither form of Japanese (the reasons are written in Japanese and, optionally, English only).
 */
export function pauseReasons(pause, lang) {
  if (!pause) return [];
  const local = lang !== "ja" && lang !== "ja-easy" ? pause.reason_en : null;
  return local && local !== pause.reason_ja ? [pause.reason_ja, local] : [pause.reason_ja];
}

/** The service lines after a `service.changed` event (a new array; the lines of other services are kept). */
export function withServiceChanged(lines, message) {
  const pause = message.paused ? { reason_ja: message.reason_ja, reason_en: message.reason_en ?? null, since: message.since ?? null } : null;
  if (pause && message.by !== undefined) pause.by = message.by; // the staff projection says who paused it
  return (lines ?? []).map((line) => (line.id === message.service ? { ...line, paused: Boolean(pause), pause } : line));
}

/** The lines of the services paused now. */
export function pausedLines(lines) {
  return (lines ?? []).filter((line) => line.paused && line.pause);
}
