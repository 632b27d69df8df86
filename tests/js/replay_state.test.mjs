import assert from "node:assert/strict";
import { test } from "node:test";

import {
  annotationsOf, eventIndexAt, formatClock, stateAt,
} from "../../static/js/labour/replay_state.js";

/** Events as the replay endpoint gives them: one session, at_ms rising by `gap` unless given. */
function timeline(steps, session = "s1") {
  let at = 0;
  return steps.map(([kind, annotation, data = {}, gap = 1000], seq) => {
    if (seq) at += gap;
    return { at_ms: at, session, seq: seq + 1, kind, annotation: annotation || null, data };
  });
}

const SQUARE = [[10, 10], [50, 10], [50, 40], [10, 40]];

function drawSteps(id, points = SQUARE, category = 7) {
  return [
    ["draw-start", id, { category }],
    ...points.map((point, index) => ["vertex", id, { point, provenance: "click", index }]),
    ["close", id, { method: "enter", vertices: points.length, category }],
  ];
}

test("eventIndexAt finds the last event at or before a time", () => {
  const events = timeline([["open"], ["tool"], ["zoom"]]); // at 0, 1000, 2000
  assert.equal(eventIndexAt(events, -1), -1);
  assert.equal(eventIndexAt(events, 0), 0);
  assert.equal(eventIndexAt(events, 999.9), 0);
  assert.equal(eventIndexAt(events, 1000), 1);
  assert.equal(eventIndexAt(events, 1e9), 2);
  assert.equal(eventIndexAt([], 5), -1);
});

test("formatClock gives mm:ss and lets minutes pass 59", () => {
  assert.equal(formatClock(0), "00:00");
  assert.equal(formatClock(61_999), "01:01");
  assert.equal(formatClock(3_725_000), "62:05");
  assert.equal(formatClock(-5), "00:00");
});

test("vertices appear one by one, in recorded order, and the polygon fills at close", () => {
  const events = timeline([["open"], ...drawSteps("a")]);
  assert.equal(stateAt(events, 0).polygons.length, 0);
  const two = stateAt(events, 3000); // open, draw-start, two vertices
  assert.equal(two.placed, 2);
  assert.equal(two.shown, 2);
  assert.equal(two.event.kind, "vertex");
  const [drawing] = two.polygons;
  assert.deepEqual(drawing.points, SQUARE.slice(0, 2));
  assert.equal(drawing.closed, false);
  assert.ok(drawing.drawing);
  assert.equal(drawing.category, 7);
  const done = stateAt(events);
  assert.equal(done.polygons[0].closed, true);
  assert.equal(done.polygons[0].drawing, null);
  assert.deepEqual(done.polygons[0].parts, [{ ring: SQUARE, hole: false }]);
  assert.equal(done.placed, 4);
  assert.equal(done.index, events.length - 1);
});

test("the rubber line runs from the last vertex to the next, and back to the first before the close", () => {
  const events = timeline([["open"], ...drawSteps("a")]);
  const rubber = stateAt(events, 2500).rubber; // after vertex 0 (at 2000), vertex 1 at 3000
  assert.deepEqual(rubber, { annotation: "a", from: SQUARE[0], to: SQUARE[1], fromMs: 2000, toMs: 3000 });
  const closing = stateAt(events, 5500).rubber; // after the last vertex, the close at 6000
  assert.deepEqual(closing.to, SQUARE[0]);
  assert.equal(stateAt(events).rubber, null);
});

test("remove-vertex takes a vertex back and cancel removes the drawing", () => {
  const events = timeline([
    ["draw-start", "a", { category: 1 }],
    ["vertex", "a", { point: [1, 1], index: 0 }],
    ["vertex", "a", { point: [2, 2], index: 1 }],
    ["remove-vertex", "a", { point: [2, 2], index: 1 }],
    ["vertex", "a", { point: [3, 3], index: 1 }],
    ["cancel", "a", { vertices: 2, reason: "escape" }],
  ]);
  const before = stateAt(events, 4000);
  assert.deepEqual(before.polygons[0].points, [[1, 1], [3, 3]]);
  assert.equal(before.placed, 3);
  assert.equal(before.shown, 2);
  const after = stateAt(events);
  assert.equal(after.polygons[0].cancelled, true);
  assert.equal(after.polygons[0].visible, false);
  assert.equal(after.shown, 0);
  assert.equal(after.placed, 3, "placed counts every vertex event, also the ones taken back");
});

test("edits with positions are applied; a delete hides the polygon", () => {
  const events = timeline([
    ...drawSteps("a"),
    ["move-vertex", "a", { part: 0, index: 1, from: [50, 10], to: [60, 5], shared: 0 }],
    ["insert-vertex", "a", { part: 0, index: 2, point: [70, 25] }],
    ["delete-vertex", "a", { part: 0, index: 0, point: [10, 10], via: "key" }],
    ["move-polygon", "a", { dx: 1, dy: 2 }],
    ["class-change", "a", { from: 7, to: 3, via: "panel" }],
    ["delete", "a", { vertices: 4 }],
  ]);
  const closeAt = events[5].at_ms;
  const edited = stateAt(events, closeAt + 5000);
  assert.deepEqual(edited.polygons[0].points, [[61, 7], [71, 27], [51, 42], [11, 42]]);
  assert.equal(edited.polygons[0].category, 3);
  assert.equal(edited.shown, 4);
  assert.deepEqual(edited.skipped, []);
  const gone = stateAt(events);
  assert.equal(gone.polygons[0].deleted, true);
  assert.equal(gone.polygons[0].visible, false);
  assert.equal(gone.polygons[0].deletedAt, events.at(-1).at_ms);
  assert.equal(gone.shown, 0);
});

test("a moved shared vertex moves the neighbour's vertex that was at the same place", () => {
  const events = timeline([
    ...drawSteps("a", [[0, 0], [10, 0], [10, 10]]),
    ...drawSteps("b", [[10, 0], [20, 0], [10, 10]]),
    ["move-vertex", "a", { part: 0, index: 1, from: [10, 0], to: [12, 1], shared: 1 }],
  ]);
  const state = stateAt(events);
  assert.deepEqual(state.polygons[0].points[1], [12, 1]);
  assert.deepEqual(state.polygons[1].points[0], [12, 1]);
});

test("edits whose data lack positions are listed as skipped, not guessed", () => {
  const events = timeline([
    ...drawSteps("a"),
    ["move-vertex", "a", { part: 0, index: 1 }],
    ["move-polygon", "a", {}],
    ["move-vertex", "ghost", { part: 0, index: 0, to: [1, 1] }],
  ]);
  const state = stateAt(events);
  assert.deepEqual(state.polygons[0].points, SQUARE);
  assert.deepEqual(state.skipped.map((s) => [s.kind, s.annotation, s.reason]), [
    ["move-vertex", "a", "no position in the event"],
    ["move-polygon", "a", "no position in the event"],
    ["move-vertex", "ghost", "polygon not in the replay"],
  ]);
  assert.equal(state.skipped[0].at_ms, events[6].at_ms);
});

test("undo and redo replay the session's own history", () => {
  const events = timeline([
    ...drawSteps("a"),
    ["move-vertex", "a", { part: 0, index: 0, from: [10, 10], to: [0, 0] }],
    ["undo", "a", { action: "move-vertex" }],
    ["redo", "a", { action: "move-vertex" }],
    ["undo", "a", { action: "move-vertex" }],
    ["undo", "a", { action: "create" }],
    ["redo", "a", { action: "create" }],
  ]);
  const at = (i) => stateAt(events, events[i].at_ms);
  assert.deepEqual(at(6).polygons[0].points[0], [0, 0]);
  assert.deepEqual(at(7).polygons[0].points[0], [10, 10]);
  assert.deepEqual(at(8).polygons[0].points[0], [0, 0]);
  assert.deepEqual(at(9).polygons[0].points[0], [10, 10]);
  assert.equal(at(10).polygons[0].visible, false, "undoing the close takes the polygon away");
  assert.equal(at(10).shown, 0);
  assert.equal(at(11).polygons[0].visible, true);
  assert.deepEqual(at(11).polygons[0].points, SQUARE);
  assert.deepEqual(at(11).skipped, []);
});

test("an undo the replay cannot match is skipped, and undoing an undrawable edit is marked too", () => {
  const events = timeline([
    ...drawSteps("a"),
    ["undo", "b", { action: "move-vertex" }],
    ["move-polygon", "a", {}],
    ["undo", "a", { action: "move-polygon" }],
  ]);
  const state = stateAt(events);
  assert.deepEqual(state.skipped.map((s) => [s.kind, s.reason]), [
    ["undo", "history not in the replay"],
    ["move-polygon", "no position in the event"],
    ["undo", "no position in the undone edit"],
  ]);
  assert.deepEqual(state.polygons[0].points, SQUARE);
});

test("undo stacks are per session", () => {
  const first = timeline(drawSteps("a"), "s1");
  const offset = first.at(-1).at_ms;
  const second = timeline([["undo", "a", { action: "create" }]], "s2").map((e) => ({ ...e, at_ms: e.at_ms + offset + 1 }));
  const state = stateAt([...first, ...second]);
  assert.equal(state.polygons[0].visible, true);
  assert.equal(state.skipped[0].reason, "history not in the replay");
});

test("parts and holes are added to their polygon; a cancelled ring leaves the polygon as it was", () => {
  const hole = [[20, 20], [30, 20], [30, 30]];
  const events = timeline([
    ...drawSteps("a"),
    ["ring-start", "a", { hole: true }],
    ["draw-start", "a", { category: 7 }],
    ...hole.map((point, index) => ["vertex", "a", { point, index, provenance: "click" }]),
    ["close", "a", { method: "enter", vertices: 3, category: 7, ring: "hole" }],
    ["ring-start", "a", { hole: false }],
    ["draw-start", "a", { category: 7 }],
    ["vertex", "a", { point: [90, 90], index: 0 }],
    ["cancel", "a", { vertices: 1 }],
    ["ring-cancel", "a"],
  ]);
  const drawingHole = stateAt(events, events[9].at_ms);
  assert.equal(drawingHole.polygons[0].closed, true);
  assert.deepEqual(drawingHole.polygons[0].drawing.ring, hole.slice(0, 2));
  assert.equal(drawingHole.polygons[0].drawing.hole, true);
  assert.equal(drawingHole.shown, 6);
  const state = stateAt(events);
  const [polygon] = state.polygons;
  assert.deepEqual(polygon.parts, [{ ring: SQUARE, hole: false }, { ring: hole, hole: true }]);
  assert.equal(polygon.visible, true);
  assert.equal(polygon.cancelled, false);
  assert.equal(state.shown, 7);
});

test("border-following vertices are inserted where they belong, and B again goes the other way", () => {
  const events = timeline([
    ["draw-start", "a", {}],
    ["vertex", "a", { point: [0, 0], index: 0 }],
    ["vertex", "a", { point: [10, 0], index: 1, provenance: "snap" }],
    ["vertex", "a", { point: [10, 10], index: 2, provenance: "snap" }],
    ["vertex", "a", { point: [15, 3], index: 2, provenance: "border" }],
    ["vertex", "a", { point: [15, 7], index: 3, provenance: "border" }],
    ["zoom", null, { zoom: 2 }],
    ["vertex", "a", { point: [5, 5], index: 2, provenance: "border" }],
  ]);
  assert.deepEqual(stateAt(events, events[5].at_ms).polygons[0].points,
    [[0, 0], [10, 0], [15, 3], [15, 7], [10, 10]]);
  assert.deepEqual(stateAt(events).polygons[0].points, [[0, 0], [10, 0], [5, 5], [10, 10]]);
});

test("annotationsOf lists annotations in order of first appearance", () => {
  const events = timeline([["open"], ...drawSteps("b"), ...drawSteps("a"), ["select", "b"]]);
  assert.deepEqual(annotationsOf(events), ["b", "a"]);
});

test("stateAt does not change the events it is given", () => {
  const events = timeline([...drawSteps("a"), ["move-vertex", "a", { part: 0, index: 0, to: [1, 1] }]]);
  const copy = JSON.parse(JSON.stringify(events));
  const state = stateAt(events);
  state.polygons[0].points[0][0] = 999;
  assert.deepEqual(events, copy);
  assert.deepEqual(stateAt(events).polygons[0].points[0], [1, 1]);
});
