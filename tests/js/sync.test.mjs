import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, makeApi } from "../../static/js/common/api.js";
import { History } from "../../static/js/editor/history.js";
import {
  changeClass, createAnnotation, deleteAnnotation, moveVertex,
} from "../../static/js/editor/commands.js";
import { Labour } from "../../static/js/editor/labour.js";
import { Store, partsToServer } from "../../static/js/editor/store.js";
import { LabourKeeper, Sync } from "../../static/js/editor/sync.js";
import { MemoryStorage } from "./memory_storage.mjs";

const categories = [{ id: 1, name: "road", colour: "#804080" }, { id: 7, name: "car", colour: "#00008e" }];
const square = () => [{ ring: [[0, 0], [10, 0], [10, 10], [0, 10]], hole: false }];

/** The save API as annotation_store.py answers it, in memory, with switches for failures. */
class FakeServer {
  constructor() {
    this.rows = new Map();
    this.nextId = 1;
    this.requests = [];
    this.events = [];
    this.down = false;
    this.hold = null; // a promise every request waits for
    this.repair = null; // parts => parts the server stores instead
    this.refuseEvents = false; // answer any request carrying events with a 400 "invalid events"
    this.limitedFor = null; // seconds: answer saves 429 with this Retry-After (a rate limit)
    this.eventsLimitedFor = null; // seconds: answer event batches 429 with this Retry-After
  }

  item(row) {
    return JSON.parse(JSON.stringify(row));
  }

  live() {
    return [...this.rows.values()].filter((row) => !row.deleted).map((row) => this.item(row));
  }

  api = async (method, url, body) => {
    this.requests.push({ method, url, body: body && JSON.parse(JSON.stringify(body)) });
    if (this.hold) await this.hold;
    if (this.down) throw new ApiError(0, { error: "offline" });
    if (this.limitedFor !== null && !url.endsWith("/events")) {
      throw new ApiError(429, { error: "too many requests", detail: `Saving faster than the server allows. Try again in ${this.limitedFor} s.` },
        this.limitedFor * 1000);
    }
    if (this.eventsLimitedFor !== null && url.endsWith("/events")) {
      throw new ApiError(429, { error: "too many requests", detail: `Sending labour events faster than the server allows. Try again in ${this.eventsLimitedFor} s.` },
        this.eventsLimitedFor * 1000);
    }
    if (body && body.events && this.refuseEvents) {
      throw new ApiError(400, { error: "invalid events", detail: "sent_t: the editor's clock ran ahead" });
    }
    if (body && body.events) this.events.push(...body.events);
    let match = /^\/api\/images\/(\d+)\/annotations$/.exec(url);
    if (match && method === "POST") {
      const existing = [...this.rows.values()].find((row) => row.client_id === body.client_id);
      if (existing) return { status: 200, body: { annotation: this.item(existing), repairs: [] } };
      if (body.parts[0].points.length < 6) {
        throw new ApiError(422, { error: "invalid annotation", detail: "parts: part 1: fewer than three distinct points" });
      }
      const parts = this.repair ? this.repair(body.parts) : body.parts;
      const row = { id: this.nextId++, client_id: body.client_id, category_id: body.category_id, parts, version: 1,
        deleted: false };
      this.rows.set(row.id, row);
      return { status: 201, body: { annotation: this.item(row), repairs: this.repair ? ["part 1: clipped"] : [] } };
    }
    if (/^\/api\/images\/\d+\/events$/.test(url)) return { status: 201, body: { events_stored: body.events.length } };
    match = /^\/api\/annotations\/(\d+)$/.exec(url);
    const row = match && this.rows.get(Number(match[1]));
    if (!row) throw new ApiError(404, { error: "annotation not found" });
    if (method === "DELETE" && row.deleted) return { status: 200, body: { annotation: this.item(row), repairs: [] } };
    if (body.version !== row.version) throw new ApiError(409, { error: "conflict", annotation: this.item(row) });
    if (row.deleted && body.deleted !== false) throw new ApiError(409, { error: "deleted", annotation: this.item(row) });
    if (method === "PATCH" && body.deleted === false) row.deleted = false; // restored, as the real server does
    if (method === "DELETE") row.deleted = true;
    if (body.parts) row.parts = body.parts;
    if (body.category_id) row.category_id = body.category_id;
    row.version += 1;
    return { status: 200, body: { annotation: this.item(row), repairs: [] } };
  };

  /** Someone else's edit, straight into the database. */
  editElsewhere(id, fields) {
    Object.assign(this.rows.get(id), fields);
    this.rows.get(id).version += 1;
  }
}

class ManualTimers {
  constructor() {
    this.pending = new Map();
    this.next = 1;
  }

  setTimeout = (fn, ms) => {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  };

  clearTimeout = (id) => {
    this.pending.delete(id);
  };

  runAll() {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const { fn } of due) fn();
  }
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

let counter = 0;
function editor(server, { storage = new MemoryStorage(), timers = new ManualTimers() } = {}) {
  const store = new Store({ categories });
  const labour = new Labour({ sessionId: `session-${++counter}`, now: () => counter });
  const sync = new Sync({ store, labour, api: server.api, imageId: 1, storage, timers,
    newId: () => `fresh-id-${++counter}` });
  const messages = [];
  sync.subscribe((event) => event.type === "message" && messages.push(event.text));
  sync.load(server.live());
  const history = new History();
  const run = (command) => history.run(command);
  return { store, labour, sync, history, run, messages, storage, timers };
}

test("a drawn polygon is created, then each edit is patched with the version of the answer before", async () => {
  const server = new FakeServer();
  const { store, run, sync } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  assert.equal(sync.saveState, "saving");
  assert.equal(sync.pendingSaves, 1);
  await settle();
  run(moveVertex(store, "poly-0001", 0, 2, [12, 12]));
  await settle();
  run(changeClass(store, "poly-0001", 7));
  await settle();
  assert.deepEqual(server.requests.map((r) => [r.method, r.body.version]),
    [["POST", undefined], ["PATCH", 1], ["PATCH", 2]]);
  assert.equal(server.requests[2].body.parts, undefined); // only what changed
  const [row] = server.live();
  assert.deepEqual(row.parts[0].points, [0, 0, 10, 0, 12, 12, 0, 10]);
  assert.equal(row.category_id, 7);
  assert.equal(store.get("poly-0001").version, 3);
  assert.equal(sync.saveState, "saved");
  assert.equal(sync.pendingSaves, 0);
});

test("edits made while the create is on its way follow it, in order", async () => {
  const server = new FakeServer();
  let release;
  server.hold = new Promise((resolve) => { release = resolve; });
  const { store, run } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  run(moveVertex(store, "poly-0001", 0, 0, [1, 1]));
  run(moveVertex(store, "poly-0001", 0, 1, [9, 1]));
  await settle();
  assert.equal(server.requests.length, 1); // one request per annotation at a time
  server.hold = null;
  release();
  await settle();
  assert.deepEqual(server.requests.map((r) => r.method), ["POST", "PATCH"]);
  assert.deepEqual(server.live()[0].parts[0].points, [1, 1, 9, 1, 10, 10, 0, 10]);
});

test("undo and redo are saved like any edit, a delete's undo restoring the same annotation", async () => {
  const server = new FakeServer();
  const { store, run, history, sync } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  run(moveVertex(store, "poly-0001", 0, 2, [20, 20]));
  await settle();
  history.undo();
  await settle();
  assert.deepEqual(server.live()[0].parts[0].points, [0, 0, 10, 0, 10, 10, 0, 10]);
  run(deleteAnnotation(store, "poly-0001"));
  await settle();
  assert.equal(server.live().length, 0);
  history.undo();
  await settle();
  const live = server.live();
  assert.equal(live.length, 1);
  assert.equal(live[0].client_id, "poly-0001"); // restored with its identity, so its ledger carries on
  assert.equal(store.get("poly-0001").serverId, live[0].id);
  const restore = server.requests.at(-1);
  assert.equal(restore.method, "PATCH");
  assert.equal(restore.body.deleted, false);
  history.redo();
  await settle();
  assert.equal(server.live().length, 0);
  assert.equal(sync.pendingSaves, 0);
});

test("a polygon drawn and undone before it was sent costs no request", async () => {
  const server = new FakeServer();
  let release;
  server.hold = new Promise((resolve) => { release = resolve; });
  const { store, run, history, sync } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  run(createAnnotation(store, { clientId: "poly-0002", categoryId: 1, parts: square() }));
  history.undo();
  server.hold = null;
  release();
  await settle();
  assert.deepEqual(server.requests.map((r) => r.body.client_id), ["poly-0001"]);
  assert.equal(sync.pendingSaves, 0);
});

test("an unreachable server: offline, kept in storage, retried with growing pauses", async () => {
  const server = new FakeServer();
  const { store, run, sync, storage, timers } = editor(server);
  server.down = true;
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  assert.equal(sync.saveState, "offline");
  assert.equal(sync.pendingSaves, 1);
  const saved = JSON.parse(storage.getItem("annotator.pending.1"));
  assert.equal(saved.items[0].serverClientId, "poly-0001");
  const delays = [];
  for (let i = 0; i < 3; i++) {
    delays.push([...timers.pending.values()][0].ms);
    timers.runAll();
    await settle();
  }
  assert.deepEqual(delays, [1000, 2000, 4000]);
  server.down = false;
  timers.runAll();
  await settle();
  assert.equal(sync.saveState, "saved");
  assert.equal(server.live().length, 1);
  assert.equal(storage.getItem("annotator.pending.1"), null);
});

test("a long outage is retried every 10 s at most, never given up, and the work arrives once", async () => {
  const server = new FakeServer();
  const { store, run, sync, timers } = editor(server);
  server.down = true;
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  const delays = [];
  let waited = 0;
  while (waited < 120000) { // two minutes of a server that does not answer
    const [pause] = [...timers.pending.values()];
    assert.ok(pause, "a retry is always scheduled while work is pending");
    delays.push(pause.ms);
    waited += pause.ms;
    timers.runAll();
    await settle();
  }
  assert.deepEqual(delays.slice(0, 6), [1000, 2000, 4000, 8000, 10000, 10000]);
  assert.ok(Math.max(...delays) <= 10000, "back within 10 s of the server's return, however long it was away");
  assert.equal(sync.saveState, "offline");
  assert.equal(sync.pendingSaves, 1);
  server.down = false;
  timers.runAll();
  await settle();
  assert.equal(sync.saveState, "saved");
  assert.equal(server.live().length, 1);
  assert.equal(server.requests.filter((r) => r.method === "POST" && r.url.endsWith("/annotations")).length,
    delays.length + 2); // the first try, one per pause, the one that got through; the row made once
  assert.equal([...timers.pending.values()].length, 0); // nothing more to retry
});

test("a reload resends what was pending: creates, edits and deletes", async () => {
  const server = new FakeServer();
  const storage = new MemoryStorage();
  const first = editor(server, { storage });
  first.run(createAnnotation(first.store, { clientId: "keep-0001", categoryId: 1, parts: square() }));
  first.run(createAnnotation(first.store, { clientId: "gone-0001", categoryId: 1, parts: square() }));
  await settle();
  server.down = true;
  first.run(moveVertex(first.store, "keep-0001", 0, 0, [2, 3]));
  first.run(deleteAnnotation(first.store, "gone-0001"));
  first.run(createAnnotation(first.store, { clientId: "new0-0001", categoryId: 7, parts: square() }));
  await settle();
  assert.equal(first.sync.pendingSaves, 3);

  server.down = false; // the page is closed and opened again
  const second = editor(server, { storage });
  await settle();
  assert.equal(second.sync.saveState, "saved");
  const live = new Map(server.live().map((row) => [row.client_id, row]));
  assert.deepEqual([...live.keys()].sort(), ["keep-0001", "new0-0001"]);
  assert.deepEqual(live.get("keep-0001").parts[0].points.slice(0, 2), [2, 3]);
  assert.deepEqual(second.store.list().map((a) => a.clientId).sort(), ["keep-0001", "new0-0001"]);
});

test("a create whose answer was lost is not made twice", async () => {
  const server = new FakeServer();
  const { store, run, sync, timers } = editor(server);
  const real = server.api;
  let first = true;
  server.api = async (...args) => {
    const answer = await real(...args);
    if (first) {
      first = false;
      throw new ApiError(0, {}); // stored, but the answer never came back
    }
    return answer;
  };
  sync.api = server.api;
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  run(moveVertex(store, "poly-0001", 0, 0, [3, 3]));
  await settle();
  timers.runAll();
  await settle();
  assert.equal(server.live().length, 1);
  assert.deepEqual(server.live()[0].parts[0].points.slice(0, 2), [3, 3]);
  assert.equal(sync.saveState, "saved");
});

test("a patch whose answer was lost is recognised in the 409 and not reported as a conflict", async () => {
  const server = new FakeServer();
  const { store, run, sync, timers, messages } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  const real = server.api;
  let drop = true;
  sync.api = async (...args) => {
    const answer = await real(...args);
    if (drop) {
      drop = false;
      throw new ApiError(0, {});
    }
    return answer;
  };
  run(moveVertex(store, "poly-0001", 0, 0, [4, 4]));
  await settle();
  timers.runAll();
  await settle();
  assert.equal(sync.saveState, "saved");
  assert.equal(store.get("poly-0001").version, 2);
  assert.deepEqual(store.get("poly-0001").parts[0].ring[0], [4, 4]);
  assert.ok(!messages.some((text) => text.includes("elsewhere")), messages.join());
});

test("someone else's change wins a 409: it is shown, and the person is told", async () => {
  const server = new FakeServer();
  const { store, run, sync, messages } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  server.editElsewhere(1, { category_id: 7, parts: [{ points: [0, 0, 30, 0, 30, 30], hole: false }] });
  run(moveVertex(store, "poly-0001", 0, 0, [1, 1]));
  await settle();
  const annotation = store.get("poly-0001");
  assert.equal(annotation.categoryId, 7);
  assert.deepEqual(partsToServer(annotation.parts)[0].points, [0, 0, 30, 0, 30, 30]);
  assert.equal(annotation.version, 2);
  assert.ok(messages.some((text) => text.includes("changed elsewhere")));
  assert.equal(sync.saveState, "saved");
  run(changeClass(store, "poly-0001", 1)); // the next edit goes on from the server's version
  await settle();
  assert.equal(server.live()[0].category_id, 1);
});

test("an outline the server refuses is taken back, with its reason", async () => {
  const server = new FakeServer();
  const { store, run, sync, messages } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: [{ ring: [[0, 0], [1, 1]], hole: false }] }));
  await settle();
  assert.equal(store.list().length, 0);
  assert.equal(sync.pendingSaves, 0);
  assert.ok(messages.some((text) => text.includes("fewer than three distinct points")));
});

test("an outline whose timing record is refused is saved without it, and the person is told", async () => {
  const server = new FakeServer();
  server.refuseEvents = true;
  const { store, run, labour, sync, messages } = editor(server);
  labour.record("vertex", { annotation: "poly-0001" });
  labour.record("close", { annotation: "poly-0001" });
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  assert.equal(server.live().length, 1);
  assert.equal(sync.pendingSaves, 0);
  assert.equal(store.list().length, 1);
  assert.ok(messages.some((text) => text.includes("Saved without part of its timing record")));
  const posts = server.requests.filter((r) => r.method === "POST");
  assert.equal(posts.length, 2);
  assert.equal(posts[1].body.events, undefined);
});

test("a repaired outline is shown as the server stored it", async () => {
  const server = new FakeServer();
  server.repair = () => [{ points: [0, 0, 8, 0, 8, 8, 0, 8], hole: false }];
  const { store, run, messages } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  assert.deepEqual(partsToServer(store.get("poly-0001").parts)[0].points, [0, 0, 8, 0, 8, 8, 0, 8]);
  assert.ok(messages.some((text) => text.includes("clipped")));
});

test("an annotation's events ride with its save; the others are sent on their own", async () => {
  const server = new FakeServer();
  const { store, run, labour, sync } = editor(server);
  labour.record("zoom");
  labour.record("vertex", { annotation: "poly-0001" });
  labour.record("close", { annotation: "poly-0001" });
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  const post = server.requests.find((r) => r.method === "POST");
  assert.deepEqual(post.body.events.map((e) => e.kind), ["vertex", "close"]);
  assert.equal(post.body.session_id, labour.sessionId);
  await sync.flushEvents();
  const events = server.requests.find((r) => r.url.endsWith("/events"));
  assert.deepEqual(events.body.events.map((e) => e.kind), ["zoom"]);
  assert.equal(labour.size, 0);
});

test("events refused with a 429 are kept and sent again once the server's Retry-After is over", async () => {
  const server = new FakeServer();
  const { labour, sync, timers } = editor(server);
  labour.record("zoom");
  labour.record("pan");
  server.eventsLimitedFor = 20;
  await sync.flushEvents();
  assert.deepEqual([...timers.pending.values()].map((pause) => pause.ms), [20000]);
  assert.equal(server.events.length, 0);
  server.eventsLimitedFor = null;
  timers.runAll();
  await settle();
  assert.deepEqual(server.events.map((e) => e.kind), ["zoom", "pan"]);
  assert.equal(labour.size, 0);
});

test("events left by an earlier page are sent under that page's session", async () => {
  const server = new FakeServer();
  const storage = new MemoryStorage();
  storage.setItem("annotator.labour.1.old-session", JSON.stringify({ sessionId: "old-session",
    events: [{ seq: 1, kind: "vertex", t: 5 }] }));
  storage.setItem("annotator.labour.2.other-image", JSON.stringify({ sessionId: "x", events: [] }));
  const labour = new Labour({ sessionId: "new-session", now: () => 1 });
  const keeper = new LabourKeeper({ labour, api: server.api, storage, imageId: 1, timers: new ManualTimers() });
  await keeper.start();
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].body.session_id, "old-session");
  assert.equal(storage.getItem("annotator.labour.1.old-session"), null);
  assert.notEqual(storage.getItem("annotator.labour.2.other-image"), null);
  labour.record("zoom");
  keeper.save();
  assert.equal(JSON.parse(storage.getItem("annotator.labour.1.new-session")).events.length, 1);
});

test("a 429 waits the server's Retry-After, sends nothing meanwhile, keeps the work, then saves it once", async () => {
  const server = new FakeServer();
  const { store, run, sync, storage, timers, messages } = editor(server);
  server.limitedFor = 30;
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 1, parts: square() }));
  await settle();
  assert.equal(server.requests.length, 1);
  assert.deepEqual([...timers.pending.values()].map((pause) => pause.ms), [30000]); // not our own 1 s
  assert.equal(sync.pendingSaves, 1);
  assert.equal(sync.saveState, "saving"); // reached, so not "offline"
  assert.equal(JSON.parse(storage.getItem("annotator.pending.1")).items[0].serverClientId, "poly-0001");
  assert.ok(messages.some((text) => text.startsWith("Saving paused: Saving faster than the server allows")));
  // Edits made while waiting are not sent before the pause is over...
  run(createAnnotation(store, { clientId: "poly-0002", categoryId: 7, parts: square() }));
  run(changeClass(store, "poly-0001", 7));
  await settle();
  assert.equal(server.requests.length, 1);
  assert.equal(sync.pendingSaves, 2);
  // ...and all go out once it is, each once, as they are now.
  server.limitedFor = null;
  timers.runAll();
  await settle();
  assert.equal(sync.saveState, "saved");
  assert.deepEqual(server.live().map((row) => [row.client_id, row.category_id]).sort(),
    [["poly-0001", 7], ["poly-0002", 7]]);
  assert.equal(server.requests.length, 3);
  assert.equal(storage.getItem("annotator.pending.1"), null);
});

test("the API reads Retry-After, in seconds or as a date, onto the error", async () => {
  const answer = (retryAfter) => async () => ({
    ok: false, status: 429, headers: new Headers(retryAfter === null ? {} : { "Retry-After": retryAfter }),
    json: async () => ({ error: "too many requests", detail: "Try again in 12 s." }),
  });
  for (const [header, expected] of [["12", 12000], [null, null], ["soon", null]]) {
    const api = makeApi({ csrfToken: "t", fetchImpl: answer(header) });
    await assert.rejects(api("POST", "/api/images/1/annotations", {}), (error) => {
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, expected);
      assert.ok(error.retryable);
      return true;
    });
  }
  const inAMinute = new Date(Date.now() + 60000).toUTCString();
  const api = makeApi({ csrfToken: "t", fetchImpl: answer(inAMinute) });
  await assert.rejects(api("POST", "/x", {}), (error) => error.retryAfterMs > 55000 && error.retryAfterMs <= 60000);
});
