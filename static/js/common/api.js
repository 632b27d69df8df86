// The server's JSON API, for every page: one client that sends the page's CSRF token on writes, parses the
// answer and throws an ApiError carrying the server's {error, detail} envelope on anything but 2xx
// (status 0: the server was not reached, or did not answer in time).
//
//   const api = makeApi();                                    // the page's CSRF token, the browser's fetch
//   const { status, body } = await api("PUT", url, payload);  // the whole answer
//   const summary = await api.get(url);                       // just the body; also post/put/patch/delete
//   const { body: response } = await api("GET", url, undefined, { as: "response" }); // a download to stream
//
// `as` says what the body is read as: "json" (the default), "text", "blob", or "response" (the Response
// itself, unread, for a download read piece by piece). Error answers are always read as the JSON envelope.

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

/** The page's CSRF token: base.html puts it in <meta name="csrf-token">; "" on a page without one. */
export function pageCsrfToken(doc = globalThis.document) {
  const meta = doc && typeof doc.querySelector === "function" ? doc.querySelector('meta[name="csrf-token"]') : null;
  return meta ? meta.content : "";
}

const READERS = {
  json: async (response) => {
    try {
      return await response.json();
    } catch {
      return null; // an empty or non-JSON answer: the status says enough
    }
  },
  text: (response) => response.text(),
  blob: (response) => response.blob(),
  response: (response) => response,
};

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * A request function: request(method, url, body?, {keepalive, signal, as}) -> {status, body, headers}.
 * `csrfToken` is the token or a function giving it (read at each request; by default the page's meta tag).
 * The function also has get(url, options), delete(url, options), post/put/patch(url, body, options), which
 * answer with the body alone.
 */
export function makeApi({ csrfToken = pageCsrfToken, fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  async function request(method, url, body = undefined, { keepalive = false, signal = undefined, as = "json" } = {}) {
    const read = READERS[as];
    if (!read) throw new TypeError(`cannot read an answer as ${as}`);
    const headers = {};
    if (as === "json") headers.Accept = "application/json";
    if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = typeof csrfToken === "function" ? csrfToken() : csrfToken;
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
        signal,
      });
    } catch (error) {
      if (error && error.name === "AbortError") throw error; // the caller called it off: not the server's doing
      if (error && error.name === "TimeoutError") {
        throw new ApiError(0, { error: "timeout", detail: "The server did not answer in time." });
      }
      throw new ApiError(0, { error: "offline", detail: "The server could not be reached." });
    }
    if (!response.ok) {
      throw new ApiError(response.status, await READERS.json(response), retryAfterMs(response.headers));
    }
    return { status: response.status, body: await read(response), headers: response.headers };
  }

  const bodyOnly = (answer) => answer.body;
  request.get = (url, options) => request("GET", url, undefined, options).then(bodyOnly);
  request.delete = (url, options) => request("DELETE", url, undefined, options).then(bodyOnly);
  request.post = (url, body, options) => request("POST", url, body, options).then(bodyOnly);
  request.put = (url, body, options) => request("PUT", url, body, options).then(bodyOnly);
  request.patch = (url, body, options) => request("PATCH", url, body, options).then(bodyOnly);
  return request;
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds from now; null if absent or unreadable. */
export function retryAfterMs(headers, now = Date.now()) {
  const value = headers && typeof headers.get === "function" ? headers.get("Retry-After") : null;
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
