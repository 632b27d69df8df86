// The replay applies the editor's own part edits (static/js/editor/commands.js): replaying a session's
// events leaves each outline exactly where the editor's commands left it in the document.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addRing, createAnnotation, deleteAnnotation, deleteVertex, drawAnnotation, insertVertex, movePolygon,
  moveSharedVertex,
} from "../../static/js/editor/commands.js";
import { History } from "../../static/js/editor/history.js";
import { Store } from "../../static/js/editor/store.js";
import { PolygonTool } from "../../static/js/editor/tools/polygon.js";
import { View } from "../../static/js/editor/view.js";
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

/** The polygon tool in a page of its own: what it records, as the page's labour log does (actions.js perform). */
function editorPage() {
  const store = new Store({ categories: [{ id: 1, name: "car" }, { id: 2, name: "road" }] });
  const history = new History();
  const view = new View({ scale: 1 });
  const events = [];
  let ids = 0;
  const record = (kind, { annotation = null, data = {} } = {}) => events.push({
    at_ms: events.length * 1000, session: "s1", seq: events.length + 1, kind, annotation, data: data || {},
  });
  const context = {
    store, history, view, record,
    image: { width: 1280, height: 720 },
    newId: () => `draft-${++ids}`,
    perform(command, eventData = null, { record: recorded = true } = {}) {
      if (!command) return false;
      if (recorded) record(command.kind, { annotation: command.annotationId, data: eventData });
      history.run(command);
      return true;
    },
    tell: () => {}, redraw: () => {}, setCursor: () => {},
  };
  const tool = new PolygonTool(context);
  let clock = 0;
  const draw = (points) => {
    for (const [x, y] of points) {
      clock += 1000;
      tool.pointerDown({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, time: clock });
    }
    tool.keyDown({ key: "Enter", ctrlKey: false, metaKey: false, shiftKey: false });
  };
  return { store, history, events, tool, context, draw };
}

function assertSameDocument(replayed, store) {
  assert.deepEqual(replayed.skipped, []);
  const shown = replayed.polygons.filter((polygon) => polygon.visible);
  assert.deepEqual(shown.map((polygon) => polygon.annotation), store.list().map((annotation) => annotation.clientId));
  for (const polygon of shown) {
    const annotation = store.get(polygon.annotation);
    assert.deepEqual(polygon.parts, annotation.parts, polygon.annotation);
    assert.equal(polygon.category, annotation.categoryId, polygon.annotation);
  }
}

test("a replayed drawing session (create, add part, add hole, delete) ends where the polygon tool left it", () => {
  const page = editorPage();
  page.draw([[10.123, 10.456], [200.004, 10.5], [200.2, 150.777], [10, 150]]); // draft-1
  page.tool.startRing("draft-1", false);
  page.draw([[300, 300], [360.019, 300], [330, 350.555]]);
  page.tool.startRing("draft-1", true);
  page.draw([[50, 50], [100.0049, 50], [75, 100]]);
  page.context.store.activeCategoryId = 2;
  page.draw([[500, 500], [600, 500], [550, 580]]); // draft-2, then deleted
  page.context.perform(deleteAnnotation(page.store, "draft-2"), { vertices: 3 });
  page.draw([[700, 100], [800, 100], [750, 180]]); // draft-3
  assert.deepEqual(page.store.get("draft-1").parts.map((part) => part.hole), [false, false, true]);
  assert.equal(page.store.has("draft-2"), false);

  const replayed = stateAt(page.events);
  assertSameDocument(replayed, page.store);
  assert.equal(replayed.polygons.find((polygon) => polygon.annotation === "draft-2").deleted, true);

  // undone in the editor (the last drawing, then the delete) and in the replay: the same document again
  for (const command of [...page.history.undoStack].slice(-3).reverse()) {
    page.context.record("undo", { annotation: command.annotationId, data: { action: command.kind } });
    page.history.undo();
    if (command.kind === "delete") break;
  }
  assert.equal(page.store.has("draft-2"), true);
  assertSameDocument(stateAt(page.events), page.store);
});

test("the replay rounds a drawing's points as the editor's commands do, part, hole and new polygon alike", () => {
  // Points recorded off the editor's 0.01 px grid (an older page, or another client) make the same
  // document the editor's commands make from them.
  const outline = [[10.123, 10.456], [200.004, 10.5], [200.2, 150.777]];
  const part = [[300.111, 300], [360.019, 300], [330, 350.555]];
  const hole = [[50.001, 50.009], [100.0049, 50], [75, 100.996]];
  const store = new Store({ categories: [{ id: 1, name: "car" }] });
  const history = new History();
  history.run(drawAnnotation(store, "a", 1, outline));
  history.run(addRing(store, "a", part, false));
  history.run(addRing(store, "a", hole, true));
  history.run(drawAnnotation(store, "b", 1, part));
  history.run(deleteAnnotation(store, "b"));

  const replayed = stateAt(timeline([
    ...drawSteps("a", outline),
    ["ring-start", "a", { hole: false }], ...drawSteps("a", part).slice(0, -1),
    ["close", "a", { method: "enter", vertices: 3, category: 1, ring: "part" }],
    ["ring-start", "a", { hole: true }], ...drawSteps("a", hole).slice(0, -1),
    ["close", "a", { method: "enter", vertices: 3, category: 1, ring: "hole" }],
    ...drawSteps("b", part),
    ["delete", "b", { vertices: 3 }],
  ]));
  assertSameDocument(replayed, store);
  assert.deepEqual(replayed.polygons[0].parts[0].ring[0], [10.12, 10.46]);
});
