// The replay applies the editor's own part edits (static/js/editor/commands.js): replaying a session's
// events leaves each outline exactly where the editor's commands left it in the document.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createAnnotation, deleteVertex, insertVertex, movePolygon, moveSharedVertex,
} from "../../static/js/editor/commands.js";
import { History } from "../../static/js/editor/history.js";
import { Store } from "../../static/js/editor/store.js";
import { stateAt } from "../../static/js/labour/replay_state.js";

function timeline(steps) {
  return steps.map(([kind, annotation, data = {}], seq) => ({
    at_ms: seq * 1000, session: "s1", seq: seq + 1, kind, annotation, data,
  }));
}

function drawSteps(id, points) {
  return [
    ["draw-start", id, { category: 1 }],
    ...points.map((point, index) => ["vertex", id, { point, provenance: "click", index }]),
    ["close", id, { method: "enter", vertices: points.length, category: 1 }],
  ];
}

const A = [[10.1, 10.1], [40.1, 10.1], [40.1, 30.1], [10.1, 30.1]];
const B = [[40.1, 10.1], [70.1, 10.1], [40.1, 30.1]];

test("a replayed session ends where the editor's commands left the document", () => {
  const store = new Store({ categories: [{ id: 1, name: "car" }] });
  const history = new History();
  history.run(createAnnotation(store, { clientId: "a", categoryId: 1, parts: [{ ring: A, hole: false }] }));
  history.run(createAnnotation(store, { clientId: "b", categoryId: 1, parts: [{ ring: B, hole: false }] }));
  // Each edit as the editor makes it, and the event it records (tools/select.js).
  const edits = [
    [() => moveSharedVertex(store, "a", 0, 1, [44.35, 12.2], [{ clientId: "b", ring: 0, index: 0 }]),
      ["move-vertex", "a", { part: 0, index: 1, from: [40.1, 10.1], to: [44.35, 12.2], shared: 1 }]],
    [() => insertVertex(store, "a", 0, 1, [45.5, 20.05]),
      ["insert-vertex", "a", { part: 0, index: 2, point: [45.5, 20.05] }]],
    [() => deleteVertex(store, "a", 0, 3),
      ["delete-vertex", "a", { part: 0, index: 3, point: [40.1, 30.1], via: "key" }]],
    [() => movePolygon(store, "a", 0.2, 0.7), ["move-polygon", "a", { dx: 0.2, dy: 0.7 }]],
  ];
  for (const [command] of edits) history.run(command()); // each made on the document the one before left

  const replayed = stateAt(timeline([...drawSteps("a", A), ...drawSteps("b", B), ...edits.map(([, event]) => event)]));
  assert.deepEqual(replayed.skipped, []);
  for (const polygon of replayed.polygons) {
    assert.deepEqual(polygon.parts, store.get(polygon.annotation).parts, polygon.annotation);
  }
  // a point moved by a sum that floats cannot hold exactly (10.1 + 0.2) lands where the editor rounds it
  assert.deepEqual(replayed.polygons[0].points[0], [10.3, 10.8]);
});
