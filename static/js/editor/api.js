// The server's JSON API: one function that sends the CSRF token, parses the answer and throws an
// ApiError carrying the server's {error, detail} on anything but 2xx (status 0: not reached at all).

export class ApiError extends Error {
  /** `retryAfterMs`: how long the server asked us to wait (its Retry-After, e.g. on a 429), or null. */
  constructor(status, body, retryAfterMs = null) {
    const detail = (body && (body.detail || body.error)) || `the server answered ${status}`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.body = body || {};
    this.error = this.body.error || (status === 0 ? "offline" : `HTTP ${status}`);
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }

  /** Worth trying again later: the server was not reached, or failed on its side. */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** request(method, url, body?, {keepalive}) -> {status, body}. */
export function makeApi({ csrfToken, fetchImpl = (...args) => globalThis.fetch(...args) }) {
  return async function request(method, url, body = undefined, { keepalive = false } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        keepalive,
      });
    } catch (error) {
      throw new ApiError(0, { error: "offline", detail: "The server could not be reached." });
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch (error) {
      parsed = null;
    }
    if (!response.ok) throw new ApiError(response.status, parsed, retryAfterMs(response.headers));
    return { status: response.status, body: parsed };
  };
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds from now; null if absent or unreadable. */
export function retryAfterMs(headers, now = Date.now()) {
  const value = headers && typeof headers.get === "function" ? headers.get("Retry-After") : null;
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
