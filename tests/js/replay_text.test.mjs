// The replay page's words and marks (labour/replay_text.js, pure) and its painter (replay_paint.js) on a
// recording canvas, under node.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ReplayPainter } from "../../static/js/labour/replay_paint.js";
import { stateAt } from "../../static/js/labour/replay_state.js";
import {
  SKIPPED_COLOUR, categoryOf, eventDetail, eventWords, polygonNames, polygonStatus, rubberProgress, skippedLine,
  thresholdNote, timelineMarks, vertexCount,
} from "../../static/js/labour/replay_text.js";

const SQUARE = [[10, 10], [50, 10], [50, 40], [10, 40]];
function timeline(steps) {
  return steps.map(([kind, annotation, data = {}], seq) => ({ at_ms: seq * 1000, session: "s1", seq: seq + 1, kind,
    annotation: annotation || null, data }));
}
const drawSteps = (id, category) => [["draw-start", id, { category }],
  ...SQUARE.map((point, index) => ["vertex", id, { point, provenance: "click", index }]),
  ["close", id, { method: "enter", vertices: 4, category }]];
const NAMES = new Map([[7, "car"], [3, "road"]]);

test("events in words, and polygons by class and number in the order drawn", () => {
  assert.equal(eventWords("close"), "Closes the polygon");
  assert.equal(eventWords("made-up"), "Made-up");
  const events = timeline([["open"], ...drawSteps("b", 7), ...drawSteps("a", 3), ["class-change", "b", { to: 3 }]]);
  assert.equal(categoryOf(events, "a"), 3);
  assert.equal(categoryOf(events, "nobody"), null);
  const named = polygonNames(events, NAMES, "gone");
  assert.deepEqual(named.annotations, ["b", "a", "gone"]);
  assert.deepEqual([named.name("b"), named.name("a"), named.name("gone"), named.name("b", 3), named.name("x")],
    ["car 1", "road 2", "polygon 3", "road 1", "polygon"]);
});

test("a polygon's status and vertex count, and the rubber band's progress", () => {
  const events = timeline([["open"], ...drawSteps("a", 7)]);
  const drawing = stateAt(events, 3000).polygons[0];
  assert.equal(polygonStatus(drawing), "drawing");
  assert.equal(vertexCount(drawing), 2);
  const closed = stateAt(events).polygons[0];
  assert.deepEqual([polygonStatus(closed), vertexCount(closed)], ["closed", 4]);
  assert.equal(polygonStatus({ ...closed, deleted: true }), "deleted");
  assert.equal(polygonStatus({ ...closed, drawing: { ring: [] } }), "adding a part");
  const rubber = { fromMs: 2000, toMs: 3000 };
  assert.deepEqual([rubberProgress(rubber, 1000), rubberProgress(rubber, 2333), rubberProgress(rubber, 9000)], [0, 0.335, 1]);
  assert.equal(rubberProgress(null, 5), null);
  assert.equal(rubberProgress({ fromMs: 5, toMs: 5 }, 0), 1);
});

test("the timeline marks closes in the class colour, deletes, and what cannot be drawn, where they happen", () => {
  const events = timeline([["open"], ...drawSteps("a", 7), ["delete", "a"], ["move-vertex", "a", {}]]);
  const end = stateAt(events);
  const named = polygonNames(events, NAMES);
  const marks = timelineMarks(events, end, 8000, { colourOf: (category) => (category === 7 ? "#00008e" : "#888"),
    name: named.name });
  assert.deepEqual(marks.slice(0, 2), [
    { left: "75%", kind: "close", colour: "#00008e", label: "00:06 car 1 closed" },
    { left: "87.5%", kind: "delete", colour: null, label: "00:07 car 1 deleted" }]);
  assert.equal(marks.length, 2 + end.skipped.length);
  for (const [index, skipped] of end.skipped.entries()) {
    assert.equal(marks[2 + index].colour, SKIPPED_COLOUR);
    assert.equal(skippedLine(skipped, named.name).time, marks[2 + index].label.slice(0, 5));
  }
  assert.equal(timelineMarks(events, end, 0, { colourOf: () => "", name: named.name })[0].left, "100%");
});

test("the current event's detail names the polygon and how its vertex was placed", () => {
  const events = timeline([["open"], ...drawSteps("a", 7)]);
  const named = polygonNames(events, NAMES);
  assert.equal(eventDetail(stateAt(events, 2000), named.name), "car 1 · by click");
  assert.equal(eventDetail(stateAt(events, 0), named.name), "");
  assert.match(thresholdNote(45_000), /^Labour time: a pause longer than 45 sec counts as 45 sec, as in the labour ledger/);
  assert.match(thresholdNote(undefined), /longer than 30 sec/);
});

/** A 2D context that records what is drawn. */
function recordingCanvas() {
  const calls = [];
  const context = new Proxy({}, {
    get: (target, name) => (name in target ? target[name] : (...args) => calls.push([name, ...args])),
    set: (target, name, value) => { target[name] = value; calls.push([`=${String(name)}`, value]); return true; },
  });
  return { canvas: { width: 0, height: 0, style: {}, getContext: () => context }, calls };
}

test("the painter fills closed polygons, repaints only on a change, and sizes the canvas to the picture", () => {
  const events = timeline([["open"], ...drawSteps("a", 7)]);
  const { canvas, calls } = recordingCanvas();
  const painter = new ReplayPainter({ canvas, picture: { clientWidth: 200, clientHeight: 100 },
    image: { width: 400, height: 200 }, colourOf: () => "#00008e" });
  const state = stateAt(events);
  painter.paint(state, state.index, 6000, 2);
  assert.deepEqual([canvas.width, canvas.height, canvas.style.width], [400, 200, "200px"]);
  assert.ok(calls.some((call) => call[0] === "fill" && call[1] === "evenodd"));
  assert.deepEqual(calls.find((call) => call[0] === "moveTo"), ["moveTo", 10, 10]); // image px × 0.5 × ratio 2
  const painted = calls.length;
  painter.paint(state, state.index, 6000, 2);
  assert.equal(calls.length, painted); // nothing on screen would change
  painter.paint(stateAt(events, 2500), 2, 2500, 2);
  assert.ok(calls.length > painted);
  const drawing = calls.slice(painted);
  assert.ok(drawing.some((call) => call[0] === "setLineDash" && call[1].length === 2)); // the rubber band
  assert.ok(!drawing.some((call) => call[0] === "fill" && call[1] === "evenodd")); // not closed yet
});
