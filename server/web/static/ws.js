// The one reconnecting websocket client of every page (kiosk, guide console, boards, consoles, visitor page).
//
// A page never polls: it opens one socket, gets a snapshot, then every event of its site in `seq` order, and applies
// each to its copy of the snapshot (live.js); it never reads the snapshot again after an event.
// When the socket drops (server restart, network, store down: close 1013) it reconnects by itself with
// exponential backoff and jitter, asking for `?since=<last seq applied>` so it receives exactly what it
// missed. A gap in `seq` means something was lost on the way: the client reconnects at once with `since`
// (the server's `resync` message answers from the server's position, not ours, so it cannot fill our gap).
// A ping every 20 s finds a silently dead connection. Closes 4401/4403/4404 are final (credentials revoked,
// refused, unknown): the page is told and decides (the kiosk reloads to show why).
//
// Status for the page to show: "connecting" (first time), "live", "reconnecting", "denied".

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NOT_FOUND = 4404;
const FINAL = new Set([CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND]);

/** Milliseconds before reconnect attempt `attempt` (0-based): exponential, capped, "equal jitter". */
export function backoffDelay(attempt, { baseMs = 500, capMs = 10000, random = Math.random } = {}) {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}

export class LiveSocket {
  /**
   * @param {string} path e.g. "/ws/v1/sites/city-hall"
   * @param {{onSnapshot?: Function, onEvent?: Function, onStatus?: Function, onDenied?: Function}} handlers
   * @param {{strictSeq?: boolean, pingEveryMs?: number, pongWithinMs?: number}} options
   *   strictSeq: every event of the stream is expected (site sockets). The visitor's ticket socket only gets
   *   its own ticket's events, so gaps are normal there: pass false.
   */
  constructor(path, handlers = {}, options = {}) {
    this.path = path;
    this.handlers = handlers;
    this.strictSeq = options.strictSeq ?? true;
    this.pingEveryMs = options.pingEveryMs ?? 20000;
    this.pongWithinMs = options.pongWithinMs ?? 10000;
    this.seq = null;
    this.attempt = 0;
    this.status = "";
    this.socket = null;
    this.resyncing = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.deadlineTimer = null;
    this.stopped = false;
  }

  start() {
    window.addEventListener("online", () => this.reconnectNow());
    this.connect();
    return this;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const since = this.seq === null ? "" : `?since=${this.seq}`;
    return `${scheme}//${location.host}${this.path}${since}`;
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.handlers.onStatus?.(status);
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    if (!this.resyncing) this.setStatus(this.seq === null && this.attempt === 0 ? "connecting" : "reconnecting");
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.send({ type: "ping" }); // the answer (or the snapshot) proves the server is really there
      this.armDeadline();
    });
    socket.addEventListener("message", (event) => {
      if (socket === this.socket) this.receive(event.data);
    });
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /**
   * Ask for a fresh snapshot on this socket (the answer goes to onSnapshot). For a change that comes with the clock,
   * not with an event: a new business date, the last-ticket time. After an event a page never needs one: events
   * carry what changed.
   */
  requestSnapshot() {
    this.send({ type: "snapshot" });
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    this.alive();
    if (message.type === "snapshot") {
      this.seq = message.seq;
      this.handlers.onSnapshot?.(message.state, message.seq);
      return;
    }
    if (message.type === "pong" || message.type === "error") return;
    this.applyEvent(message);
  }

  applyEvent(message) {
    if (typeof message.seq === "number" && this.seq !== null) {
      if (this.strictSeq && message.seq <= this.seq) return; // already applied
      if (this.strictSeq && message.seq > this.seq + 1) {
        this.resync();
        return;
      }
    }
    if (typeof message.seq === "number") this.seq = Math.max(this.seq ?? 0, message.seq);
    this.handlers.onEvent?.(message);
  }

  /** The connection answered: it is live; ping again later, and give up on it if a ping goes unanswered. */
  alive() {
    clearTimeout(this.deadlineTimer);
    this.resyncing = false;
    if (this.status !== "live") {
      this.attempt = 0;
      this.setStatus("live");
    }
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      this.send({ type: "ping" });
      this.armDeadline();
    }, this.pingEveryMs);
  }

  armDeadline() {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.abandon(), this.pongWithinMs);
  }

  /** Drop the current socket without waiting for its close handshake (a dead link may never finish it). */
  abandon() {
    const socket = this.socket;
    this.socket = null;
    this.stopTimers();
    try {
      socket?.close();
    } catch {
      // already closed
    }
    this.scheduleRetry();
  }

  /** A gap in seq: reconnect at once from the last event applied; no "reconnecting" unless it fails. */
  resync() {
    this.resyncing = true;
    this.attempt = 0;
    this.abandon();
  }

  reconnectNow() {
    if (this.status === "live" || this.status === "denied") return;
    this.attempt = 0;
    this.connect();
  }

  closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.stopTimers();
    if (FINAL.has(code)) {
      this.setStatus("denied");
      this.handlers.onDenied?.(code);
      return;
    }
    this.resyncing = false;
    this.scheduleRetry();
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    if (this.resyncing) {
      this.retryTimer = setTimeout(() => this.connect(), 0);
      return;
    }
    this.setStatus("reconnecting");
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Close for good (the page now watches another site): no reconnect, no more status changes. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    this.stopTimers();
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }

  stopTimers() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.deadlineTimer);
  }
}
