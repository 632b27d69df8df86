// The one API client every page uses (static/js/common/api.js), against a recorded fake fetch.
import assert from "node:assert/strict";
import test from "node:test";

import { ApiError, makeApi, pageCsrfToken } from "../../static/js/common/api.js";

/** A fetch that records each call and answers with `respond(url, init)` (a Response, or throws). */
function recordingFetch(respond) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { calls, fetchImpl };
}

const json = (body, status = 200, headers = {}) => new Response(JSON.stringify(body),
  { status, headers: { "Content-Type": "application/json", ...headers } });

test("a GET asks for JSON, sends no CSRF token and answers status, body and headers", async () => {
  const { calls, fetchImpl } = recordingFetch(() => json({ items: [1] }, 200, { "X-Total": "1" }));
  const api = makeApi({ csrfToken: "tok", fetchImpl });
  const answer = await api("GET", "/api/things");
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { items: [1] });
  assert.equal(answer.headers.get("X-Total"), "1");
  const { url, init } = calls[0];
  assert.equal(url, "/api/things");
  assert.equal(init.method, "GET");
  assert.deepEqual(init.headers, { Accept: "application/json" });
  assert.equal(init.body, undefined);
  assert.equal(init.credentials, "same-origin");
  assert.equal(init.cache, "no-store");
});

test("writes carry the CSRF token and the body as JSON; the shortcuts answer the body alone", async () => {
  const { calls, fetchImpl } = recordingFetch((url, init) => json({ echo: JSON.parse(init.body ?? "null") }));
  const api = makeApi({ csrfToken: "tok", fetchImpl });
  assert.deepEqual(await api.post("/a", { n: 1 }), { echo: { n: 1 } });
  assert.deepEqual(await api.put("/b", { n: 2 }), { echo: { n: 2 } });
  assert.deepEqual(await api.patch("/c", { n: 3 }), { echo: { n: 3 } });
  assert.deepEqual(await api.delete("/d"), { echo: null });
  assert.deepEqual(await api.get("/e"), { echo: null });
  assert.deepEqual(calls.map((call) => call.init.method), ["POST", "PUT", "PATCH", "DELETE", "GET"]);
  for (const call of calls.slice(0, 3)) {
    assert.equal(call.init.headers["X-CSRFToken"], "tok");
    assert.equal(call.init.headers["Content-Type"], "application/json");
  }
  assert.equal(calls[3].init.headers["X-CSRFToken"], "tok");
  assert.equal(calls[3].init.headers["Content-Type"], undefined);
  assert.equal(calls[4].init.headers["X-CSRFToken"], undefined);
});

test("by default the token is the page's <meta name=csrf-token>, read at each request", async () => {
  let token = "first";
  const previous = globalThis.document;
  globalThis.document = {
    querySelector: (selector) => (selector === 'meta[name="csrf-token"]' ? { content: token } : null),
  };
  try {
    const { calls, fetchImpl } = recordingFetch(() => json({}));
    const api = makeApi({ fetchImpl });
    await api.post("/x", {});
    token = "second";
    await api.post("/x", {});
    assert.deepEqual(calls.map((call) => call.init.headers["X-CSRFToken"]), ["first", "second"]);
    assert.equal(pageCsrfToken({ querySelector: () => null }), "");
  } finally {
    globalThis.document = previous;
  }
  assert.equal(pageCsrfToken(undefined), "");
});

test("an error answer becomes an ApiError with the server's envelope", async () => {
  const api = makeApi({ csrfToken: "t", fetchImpl: async () => json({ error: "invalid settings",
    detail: "hourly.value: must be positive" }, 400) });
  await assert.rejects(api.put("/api/pay", {}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.error, "invalid settings");
    assert.equal(error.detail, "hourly.value: must be positive");
    assert.equal(error.message, "hourly.value: must be positive");
    assert.equal(error.retryable, false);
    return true;
  });
});

test("an error answer that is not JSON still says its status", async () => {
  const api = makeApi({ fetchImpl: async () => new Response("<h1>Bad gateway</h1>", { status: 502 }) });
  await assert.rejects(api.get("/x"), (error) => error.status === 502 && error.detail === "the server answered 502"
    && error.error === "HTTP 502" && error.retryable);
});

test("no answer is status 0: offline, or timed out; the caller's own abort passes through as it is", async () => {
  const offline = makeApi({ fetchImpl: async () => { throw new TypeError("Failed to fetch"); } });
  await assert.rejects(offline.get("/x"),
    (error) => error.status === 0 && error.error === "offline" && error.retryable);
  const slow = makeApi({ fetchImpl: async () => { throw new DOMException("timed out", "TimeoutError"); } });
  await assert.rejects(slow.get("/x"), (error) => error.status === 0 && error.error === "timeout"
    && error.detail === "The server did not answer in time.");
  const called = makeApi({ fetchImpl: async () => { throw new DOMException("aborted", "AbortError"); } });
  await assert.rejects(called.get("/x"), (error) => !(error instanceof ApiError) && error.name === "AbortError");
});

test("the signal and keepalive reach fetch", async () => {
  const { calls, fetchImpl } = recordingFetch(() => json({}));
  const api = makeApi({ fetchImpl });
  const signal = AbortSignal.timeout(1000);
  await api.get("/x", { signal });
  await api("POST", "/y", {}, { keepalive: true });
  assert.equal(calls[0].init.signal, signal);
  assert.equal(calls[1].init.keepalive, true);
});

test("downloads: as text, as a blob, or the response itself to read as it comes", async () => {
  const { calls, fetchImpl } = recordingFetch(() => new Response("a,b\r\n1,2\r\n", { status: 200 }));
  const api = makeApi({ fetchImpl });
  assert.equal(await api.get("/t.csv", { as: "text" }), "a,b\r\n1,2\r\n");
  assert.equal(await (await api.get("/t.csv", { as: "blob" })).text(), "a,b\r\n1,2\r\n");
  const response = await api.get("/t.csv", { as: "response" });
  assert.equal(response.bodyUsed, false);
  assert.equal(await response.text(), "a,b\r\n1,2\r\n");
  assert.equal(calls[0].init.headers.Accept, undefined); // not only JSON is welcome
  await assert.rejects(api.get("/t.csv", { as: "xml" }), TypeError);
});

test("a failed download is still read as the JSON envelope", async () => {
  const api = makeApi({ fetchImpl: async () => json({ error: "not found", detail: "no such image" }, 404) });
  await assert.rejects(api.get("/export.zip", { as: "response" }), (error) => error.status === 404
    && error.detail === "no such image");
});

test("an empty success answer has a null body", async () => {
  const api = makeApi({ fetchImpl: async () => new Response(null, { status: 204 }) });
  const answer = await api("DELETE", "/x");
  assert.equal(answer.status, 204);
  assert.equal(answer.body, null);
});
