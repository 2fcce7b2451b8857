// fetch for the pages: JSON in and out, the CSRF header on changes, errors as ApiError {status, code, detail}.
//
// Cookie-authenticated changes (a staff session or a paired kiosk) must echo the `madoguchi_csrf` cookie in
// `X-CSRF-Token` (double submit, docs/SECURITY.md). A request that never got an answer (server down, network,
// timeout) is status 0, code "network": the caller decides whether to retry (see `retryable`).

export class ApiError extends Error {
  constructor(status, code, detail, body = null) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body; // the whole error answer: some carry more than code and detail (a check-in's walk_in)
  }
}

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "madoguchi_csrf") return decodeURIComponent(rest.join("="));
  }
  return "";
}

/** No answer, or the server said "try again" (store down, proxy): the same request may be sent again. */
export function retryable(error) {
  return error instanceof ApiError && (error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504);
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * `key`: the action's idempotency key, sent as `Idempotency-Key` (counter console; see newKey).
 * @returns {Promise<{status: number, data: any}>}
 * @throws {ApiError}
 */
export async function api(path, { method = "GET", body, timeoutMs = 10000, key } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers["idempotency-key"] = key; // one per intended action: a repeat does it once (staff API)
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers["x-csrf-token"] = token;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error?.message ?? error));
  } finally {
    clearTimeout(timer);
  }
  const data = await readJson(response).catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? `http_${response.status}`, data?.detail ?? response.statusText, data);
  }
  return { status: response.status, data };
}

/** A random key for one intended action (issue a ticket): retries of that action send the same key. */
export function newKey(prefix = "k") {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
