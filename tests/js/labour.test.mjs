import assert from "node:assert/strict";
import { test } from "node:test";

import { Labour } from "../../static/js/editor/labour.js";

function clock(times) {
  let index = 0;
  return () => times[Math.min(index++, times.length - 1)];
}

test("events are numbered in order and time never goes back", () => {
  const labour = new Labour({ sessionId: "session-1", now: clock([10, 25.55, 20, 40]) });
  const events = ["tool", "vertex", "vertex", "close"].map((kind) => labour.record(kind));
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual(events.map((e) => e.t), [10, 25.6, 25.6, 40]);
});

test("data is flat and simple: points and numbers rounded, nothing undefined", () => {
  const labour = new Labour({ sessionId: "session-1", now: () => 1 });
  const event = labour.record("vertex", { annotation: "abcdefgh", data: { point: [1.23456, 7], provenance: "click",
    missing: undefined, nested: { a: 1 } } });
  assert.deepEqual(event.data, { point: [1.23, 7], provenance: "click", nested: "[object Object]" });
  assert.equal(event.annotation, "abcdefgh");
  assert.throws(() => labour.record("Not A Kind"));
});

test("an annotation's events are taken for its save; the rest go on their own", () => {
  const labour = new Labour({ sessionId: "s", now: () => 1 });
  labour.record("zoom");
  labour.record("vertex", { annotation: "aaaaaaaa" });
  labour.record("vertex", { annotation: "bbbbbbbb" });
  labour.record("close", { annotation: "aaaaaaaa" });
  const taken = labour.take("aaaaaaaa");
  assert.deepEqual(taken.map((e) => e.kind), ["vertex", "close"]);
  const general = labour.takeGeneral((id) => id === "bbbbbbbb");
  assert.deepEqual(general.map((e) => e.kind), ["zoom"]);
  assert.equal(labour.size, 1);
});

test("events given back after a failed request keep their order", () => {
  const labour = new Labour({ sessionId: "s", now: () => 1 });
  for (let i = 0; i < 4; i++) labour.record("vertex", { annotation: i % 2 ? "aaaaaaaa" : "bbbbbbbb" });
  const taken = labour.take("aaaaaaaa");
  labour.record("close");
  labour.putBack(taken);
  assert.deepEqual(labour.events.map((e) => e.seq), [1, 2, 3, 4, 5]);
});

test("at most a limit of events per request", () => {
  const labour = new Labour({ sessionId: "s", now: () => 1 });
  for (let i = 0; i < 12; i++) labour.record("pan");
  assert.equal(labour.takeGeneral(() => false, 5).length, 5);
  assert.equal(labour.size, 7);
});

test("active time follows the ledger's rule: each gap counts up to the idle threshold", () => {
  let now = 0;
  const labour = new Labour({ sessionId: "s", now: () => now, idleMs: 30000 });
  assert.equal(labour.activeNow(), 0);
  labour.record("open");
  now = 4000;
  labour.record("draw-start");
  now = 94000; // a long pause: counted as 30 s
  labour.record("vertex");
  assert.equal(labour.activeMs, 34000);
  now = 95500; // the running gap counts live, capped the same way
  assert.equal(labour.activeNow(), 35500);
  now = 500000;
  assert.equal(labour.activeNow(), 64000);
});

test("a request's sent_t is never behind an event already recorded", () => {
  let now = 100;
  const labour = new Labour({ sessionId: "s", now: () => now });
  labour.record("open");
  now = 50; // a clock that went back
  assert.equal(labour.clock(), 100);
  assert.equal(labour.toJSON().savedT, 100);
});
