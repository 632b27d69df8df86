// The save queue as data (editor/save_record.js) and the labour keeper's left-over batches, under node: which
// request brings the server up to the document, and what is kept in localStorage meanwhile.
import assert from "node:assert/strict";
import { test } from "node:test";

import { leftoverBatches } from "../../static/js/editor/labour_keeper.js";
import {
  desiredOf, holds, learn, newRecord, pendingEntry, requestFor, snapshotOf, wasOnServer,
} from "../../static/js/editor/save_record.js";

const ring = [[0, 0], [10, 0], [10, 10]];
const moved = [[0, 0], [12, 0], [10, 10]];
const serverItem = (extra = {}) => ({ id: 4, client_id: "c-1", version: 3, category_id: 1, deleted: false,
  parts: [{ points: [0, 0, 10, 0, 10, 10], hole: false }], flag: null, ...extra });
const annotation = (extra = {}) => ({ clientId: "c-1", categoryId: 1, parts: [{ ring, hole: false }], flag: null, ...extra });

test("a new annotation is created under its client id; one removed before it was sent costs nothing", () => {
  const record = newRecord("c-1");
  assert.deepEqual(requestFor(record, annotation(), 9), { method: "POST", url: "/api/images/9/annotations",
    body: { client_id: "c-1", category_id: 1, parts: [{ points: [0, 0, 10, 0, 10, 10], hole: false }] } });
  assert.equal(requestFor(record, null, 9), null);
});

test("a patch carries only what differs from the server, with the server's version; nothing when back", () => {
  const record = newRecord("c-1", serverItem());
  assert.equal(record.readOnly, false);
  assert.equal(requestFor(record, annotation(), 9), null);
  assert.deepEqual(requestFor(record, annotation({ parts: [{ ring: moved, hole: false }] }), 9).body,
    { version: 3, parts: [{ points: [0, 0, 12, 0, 10, 10], hole: false }] });
  assert.deepEqual(requestFor(record, annotation({ categoryId: 7 }), 9),
    { method: "PATCH", url: "/api/annotations/4", body: { version: 3, category_id: 7 } });
  // A flag goes with the class the person picked.
  const flag = { kind: "unsure", reason: "dark", proposal_id: null };
  assert.deepEqual(requestFor(record, annotation({ flag }), 9).body,
    { version: 3, category_id: 1, flag: { kind: "unsure", reason: "dark", proposal_id: null } });
  assert.deepEqual(requestFor(record, null, 9), { method: "DELETE", url: "/api/annotations/4", body: { version: 3 } });
});

test("undoing a delete restores the same annotation on the server", () => {
  const record = newRecord("c-1", serverItem());
  learn(record, serverItem({ version: 4, deleted: true }));
  assert.equal(record.known, null);
  assert.deepEqual(requestFor(record, annotation(), 9), { method: "PATCH", url: "/api/annotations/4",
    body: { version: 4, deleted: false, parts: [{ points: [0, 0, 10, 0, 10, 10], hole: false }], category_id: 1 } });
  assert.equal(requestFor(record, null, 9), null); // already deleted there
});

test("someone else's annotation is read-only; a snapshot is recognised in the server's answer", () => {
  assert.equal(newRecord("c-2", serverItem({ mine: false })).readOnly, true);
  const sent = snapshotOf(annotation());
  assert.ok(holds(serverItem(), sent));
  assert.ok(!holds(serverItem({ category_id: 7 }), sent));
  assert.ok(!holds(serverItem({ deleted: true }), sent));
  assert.ok(holds(serverItem({ deleted: true }), snapshotOf(null)));
});

test("a pending save is kept as the server knows it and read back as the document holds it", () => {
  const record = newRecord("c-1", serverItem());
  const entry = JSON.parse(JSON.stringify(pendingEntry(record, annotation({ categoryId: 7 }))));
  assert.deepEqual(entry, { serverClientId: "c-1", serverId: 4, version: 3,
    desired: { parts: [{ points: [0, 0, 10, 0, 10, 10], hole: false }], categoryId: 7, flag: null } });
  assert.ok(wasOnServer(entry));
  assert.deepEqual(desiredOf(entry), { parts: [{ ring, hole: false }], categoryId: 7, flag: null });
  const deleted = pendingEntry(newRecord("c-3"), null);
  assert.equal(desiredOf(deleted), null);
  assert.ok(!wasOnServer(deleted));
});

test("a left-over page's events go in batches of 5000, under its session, at its last clock", () => {
  const events = Array.from({ length: 5001 }, (_, index) => ({ seq: index + 1, kind: "vertex", t: index }));
  const batches = leftoverBatches({ sessionId: "old", savedT: 100, events });
  assert.deepEqual(batches.map((batch) => [batch.session_id, batch.sent_t, batch.events.length]),
    [["old", 5000, 5000], ["old", 5000, 1]]);
  assert.equal(leftoverBatches({ sessionId: "old", savedT: 9000, events: events.slice(0, 2) })[0].sent_t, 9000);
  assert.deepEqual(leftoverBatches(null), []);
  assert.deepEqual(leftoverBatches({ sessionId: "x", events: "not a list" }), []);
});
