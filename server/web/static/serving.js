// Which waiting lines a counter could call now: the open counters serving each service, from the snapshot's
// counters as counter.changed events keep them (live.js). The kiosk and the board say 「窓口はまだ開いていません」
// (catalog key `kiosk.no_counter`) instead of 「待ち時間なし」 or an estimate for a line no open counter serves.

/** The catalog key of the honest wait of a line no open counter serves. */
export const NO_COUNTER = "kiosk.no_counter";

/** How many open counters serve `serviceId`. */
export function countersOpen(counters, serviceId) {
  return (counters ?? []).filter((c) => c.status === "open" && (c.services ?? []).includes(serviceId)).length;
}

/** Each line with `counters_open`, the open counters serving it. */
export function withCountersOpen(lines, counters) {
  return (lines ?? []).map((line) => ({ ...line, counters_open: countersOpen(counters, line.id) }));
}
