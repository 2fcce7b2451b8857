// The server's clock, as the page saw it when it was rendered (`data-server-now` on <body>).
//
// Opening hours are decided by the server's clock, which may be a training clock (`serve --clock`) far
// from the browser's. Pages that must act at a time of day (the kiosk closing at the last-ticket time)
// count from this offset rather than from the PC's own clock.

let offsetMs = 0;
let zone = "Asia/Tokyo";

export function syncServerTime(iso, timeZone) {
  const at = Date.parse(iso);
  if (!Number.isNaN(at)) offsetMs = at - Date.now();
  if (timeZone) zone = timeZone;
}

export function serverNow() {
  return new Date(Date.now() + offsetMs);
}

/** {date: "YYYY-MM-DD", time: "HH:MM"} of an instant in the site's time zone. */
export function localParts(instant = serverNow()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** Milliseconds from now (server time) until HH:MM of today's date in the site's zone; negative when past. */
export function msUntil(hhmm) {
  const now = localParts();
  const [h, m] = hhmm.split(":").map(Number);
  const [nh, nm] = now.time.split(":").map(Number);
  const seconds = serverNow().getSeconds();
  return ((h - nh) * 60 + (m - nm)) * 60000 - seconds * 1000;
}
