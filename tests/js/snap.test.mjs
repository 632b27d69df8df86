import assert from "node:assert/strict";
import { test } from "node:test";

import { moveSharedVertex } from "../../static/js/editor/commands.js";
import { History } from "../../static/js/editor/history.js";
import { findSnap, linked, sharedWith, unlinked } from "../../static/js/editor/snap.js";
import { Store, partsToServer } from "../../static/js/editor/store.js";
import { PolygonTool, TRACE_SPACING } from "../../static/js/editor/tools/polygon.js";
import { SelectTool } from "../../static/js/editor/tools/select.js";
import { View } from "../../static/js/editor/view.js";

const categories = [{ id: 1, name: "road", colour: "#804080" }];
const square = (id, x, y, size = 100) => ({
  clientId: id, categoryId: 1, parts: [{ ring: [[x, y], [x + size, y], [x + size, y + size], [x, y + size]], hole: false }],
});

function context({ scale = 1, snap = false } = {}) {
  const store = new Store({ categories });
  const history = new History();
  const view = new View({ scale });
  const events = [];
  const told = [];
  let ids = 0;
  return {
    store, history, view, events, told,
    image: { width: 1280, height: 720 },
    newId: () => `draft-${++ids}`,
    record: (kind, options = {}) => events.push({ kind, ...options }),
    perform(command) {
      if (!command) return false;
      history.run(command);
      return true;
    },
    snapOn: () => snap,
    tell: (text) => told.push(text),
    redraw: () => {},
    setCursor: () => {},
  };
}

let clock = 0;
const pointer = (view, x, y, extra = {}) => ({
  image: [x, y], screen: view.imageToScreen(x, y), button: 0, buttons: 0, altKey: false, shiftKey: false,
  time: (clock += 1000), ...extra,
});
const key = (name, extra = {}) => ({ key: name, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...extra });

test("findSnap prefers a vertex within reach, else an edge point, and skips the excluded annotation", () => {
  const annotations = [square("a", 100, 100)];
  assert.deepEqual(findSnap([104, 103], annotations, 8), { kind: "vertex", clientId: "a", ring: 0, index: 0, point: [100, 100] });
  const edge = findSnap([150, 105], annotations, 8);
  assert.equal(edge.kind, "edge");
  assert.deepEqual(edge.point, [150, 100]);
  assert.equal(edge.edge, 0);
  assert.equal(findSnap([150, 120], annotations, 8), null);
  assert.equal(findSnap([104, 103], annotations, 8, "a"), null);
  // A vertex of one polygon beats a nearer edge point of another.
  const both = [square("a", 100, 100), square("b", 0, 107, 300)];
  assert.equal(findSnap([101, 106], both, 8).kind, "vertex");
});

test("links merge, unlink, and are found again by exact coordinates after indices shift", () => {
  let links = linked([], { clientId: "b", ring: 0, index: 0 }, { clientId: "a", ring: 0, index: 1 });
  links = linked(links, { clientId: "c", ring: 0, index: 2 }, { clientId: "a", ring: 0, index: 1 });
  assert.equal(links.length, 1);
  assert.equal(links[0].length, 3);
  const annotations = new Map([
    ["a", square("a", 100, 100)],
    ["b", { clientId: "b", categoryId: 1, parts: [{ ring: [[50, 50], [200, 100], [200, 300]], hole: false }] }],
    ["c", { clientId: "c", categoryId: 1, parts: [{ ring: [[0, 0], [1, 1], [300, 300]], hole: false }] }],
  ]);
  const get = (id) => annotations.get(id);
  // b's vertex 0 moved to index 1 (a vertex inserted before it): still found; c's no longer coincides: left out.
  assert.deepEqual(sharedWith(get, links, { clientId: "a", ring: 0, index: 1 }), [{ clientId: "b", ring: 0, index: 1 }]);
  assert.deepEqual(sharedWith(get, links, { clientId: "b", ring: 0, index: 1 }), [{ clientId: "a", ring: 0, index: 1 }]);
  assert.deepEqual(sharedWith(get, unlinked(links, { clientId: "b", ring: 0, index: 0 }), { clientId: "a", ring: 0, index: 1 }), []);
});

test("Shift+click snaps a vertex onto a neighbour's vertex exactly, records provenance snap, and links it on close", () => {
  const ctx = context({ scale: 2 });
  ctx.store.add(square("a", 100, 100));
  const tool = new PolygonTool(ctx);
  tool.pointerDown(pointer(ctx.view, 202, 98, { shiftKey: true })); // 2.8 image px = 5.7 screen px from (200, 100)
  tool.pointerDown(pointer(ctx.view, 300, 100));
  tool.pointerDown(pointer(ctx.view, 300, 200));
  tool.pointerMove(pointer(ctx.view, 203, 150, { shiftKey: true }));
  assert.deepEqual(tool.snapTarget().point, [200, 150]); // an edge point, shown before the click
  tool.pointerDown(pointer(ctx.view, 203, 150, { shiftKey: true }));
  tool.keyDown(key("Enter"));
  assert.equal(tool.canFollowBorder, false);
  const drawn = ctx.store.list()[1];
  assert.deepEqual(drawn.parts[0].ring, [[200, 100], [300, 100], [300, 200], [200, 150]]);
  const vertices = ctx.events.filter((event) => event.kind === "vertex");
  assert.deepEqual(vertices.map((event) => event.data.provenance), ["snap", "click", "click", "snap"]);
  assert.equal(vertices[0].data.target, "vertex");
  assert.deepEqual(ctx.store.sharedWith({ clientId: drawn.clientId, ring: 0, index: 0 }), [{ clientId: "a", ring: 0, index: 1 }]);
  // Too far on screen (10 screen px at zoom 2): no snap; the toggle snaps without Shift.
  const far = context({ scale: 2, snap: true });
  far.store.add(square("a", 100, 100));
  const other = new PolygonTool(far);
  other.pointerDown(pointer(far.view, 202, 98));
  assert.deepEqual(other.state.points[0], [200, 100]);
  other.pointerDown(pointer(far.view, 205, 90));
  assert.deepEqual(other.state.points[1], [205, 90]);
});

test("dragging a shared vertex moves both polygons as one command; Shift+drag moves only one and unlinks", () => {
  const ctx = context();
  ctx.store.add(square("a", 100, 100));
  ctx.store.add({ clientId: "b", categoryId: 1, parts: [{ ring: [[200, 100], [300, 100], [200, 200]], hole: false }] });
  ctx.store.link({ clientId: "b", ring: 0, index: 0 }, { clientId: "a", ring: 0, index: 1 });
  const changed = [];
  ctx.store.subscribe((change) => changed.push(change));
  const tool = new SelectTool(ctx);
  ctx.store.select("b");
  tool.pointerDown(pointer(ctx.view, 200, 100));
  tool.pointerMove(pointer(ctx.view, 220, 90));
  assert.equal(tool.preview().others[0].id, "a");
  tool.pointerUp(pointer(ctx.view, 220, 90));
  assert.equal(ctx.history.undoStack.length, 1);
  assert.deepEqual(ctx.store.get("a").parts[0].ring[1], [220, 90]);
  assert.deepEqual(ctx.store.get("b").parts[0].ring[0], [220, 90]);
  assert.deepEqual(changed.filter((c) => c.type === "parts").map((c) => c.id).sort(), ["a", "b"]);
  ctx.history.undo();
  assert.deepEqual(ctx.store.get("a").parts[0].ring[1], [200, 100]);
  assert.deepEqual(ctx.store.get("b").parts[0].ring[0], [200, 100]);
  // Shift+drag: only b's vertex moves, and the link is gone.
  tool.pointerDown(pointer(ctx.view, 200, 100, { shiftKey: true }));
  tool.pointerMove(pointer(ctx.view, 230, 80));
  tool.pointerUp(pointer(ctx.view, 230, 80));
  assert.deepEqual(ctx.store.get("a").parts[0].ring[1], [200, 100]);
  assert.deepEqual(ctx.store.get("b").parts[0].ring[0], [230, 80]);
  assert.deepEqual(ctx.store.links, []);
});

test("moveSharedVertex of an unshared vertex is a plain move", () => {
  const store = new Store({ categories });
  store.add(square("a", 0, 0));
  const command = moveSharedVertex(store, "a", 0, 2, [120, 130]);
  command.apply();
  assert.deepEqual(partsToServer(store.get("a").parts)[0].points, [0, 0, 100, 0, 120, 130, 0, 100]);
  assert.equal(command.label, "move vertex");
});

test("B follows the neighbour's border between two snapped vertices, the shorter way, then the other way", () => {
  const ctx = context();
  // A hexagon-ish neighbour: vertices 0..5.
  const ring = [[100, 100], [200, 80], [300, 100], [300, 300], [200, 320], [100, 300]];
  ctx.store.add({ clientId: "n", categoryId: 1, parts: [{ ring, hole: false }] });
  const tool = new PolygonTool(ctx);
  tool.pointerDown(pointer(ctx.view, 100, 50));
  tool.pointerDown(pointer(ctx.view, 101, 101, { shiftKey: true })); // vertex 0
  tool.pointerDown(pointer(ctx.view, 299, 101, { shiftKey: true })); // vertex 2
  assert.equal(tool.canFollowBorder, true);
  assert.equal(tool.keyDown(key("b")), true);
  assert.deepEqual(tool.state.points, [[100, 50], [100, 100], [200, 80], [300, 100]]);
  tool.keyDown(key("b"));
  assert.deepEqual(tool.state.points, [[100, 50], [100, 100], [100, 300], [200, 320], [300, 300], [300, 100]]);
  tool.keyDown(key("b"));
  assert.deepEqual(tool.state.points, [[100, 50], [100, 100], [200, 80], [300, 100]]);
  const border = ctx.events.filter((event) => event.kind === "vertex" && event.data.provenance === "border");
  assert.equal(border.length, 1 + 3 + 1);
  tool.keyDown(key("Enter"));
  assert.equal(tool.canFollowBorder, false);
  const drawn = ctx.store.list()[1];
  assert.deepEqual(ctx.store.sharedWith({ clientId: drawn.clientId, ring: 0, index: 2 }), [{ clientId: "n", ring: 0, index: 1 }]);
  // Without two snapped vertices, B only says how.
  const lone = new PolygonTool(ctx);
  lone.pointerDown(pointer(ctx.view, 500, 500));
  lone.pointerDown(pointer(ctx.view, 600, 500));
  lone.keyDown(key("b"));
  assert.equal(lone.state.points.length, 2);
  assert.match(ctx.told.at(-1), /press B/);
});

test("pressing and dragging traces vertices every TRACE_SPACING screen px", () => {
  const ctx = context({ scale: 2 });
  const tool = new PolygonTool(ctx);
  tool.pointerDown(pointer(ctx.view, 100, 100, { buttons: 1 }));
  for (let x = 101; x <= 160; x += 1) tool.pointerMove(pointer(ctx.view, x, 100, { buttons: 1 }));
  for (let y = 101; y <= 160; y += 1) tool.pointerMove(pointer(ctx.view, 160, y, { buttons: 1 }));
  tool.pointerUp(pointer(ctx.view, 160, 160));
  tool.pointerMove(pointer(ctx.view, 100, 160)); // no button: no trace
  const { points } = tool.state;
  assert.equal(points.length, 1 + 20);
  for (let i = 1; i < points.length; i++) {
    const gap = Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    if (i !== 10) assert.ok(Math.abs(gap - TRACE_SPACING / 2) < 0.02, `gap ${i}: ${gap}`); // the corner cuts
  }
  assert.equal(ctx.events.filter((event) => event.data && event.data.provenance === "trace").length, 20);
  tool.pointerDown(pointer(ctx.view, 100, 160));
  tool.keyDown(key("Enter"));
  assert.equal(ctx.store.list()[0].parts[0].ring.length, 22);
});

test("a ring started on an annotation becomes its hole (or part) on close, as one undoable command", () => {
  const ctx = context();
  ctx.store.add(square("a", 100, 100, 200));
  const tool = new PolygonTool(ctx);
  assert.equal(tool.startRing("a", true), true);
  for (const [x, y] of [[150, 150], [250, 150], [250, 250], [150, 250]]) tool.pointerDown(pointer(ctx.view, x, y));
  assert.equal(tool.draftId, "a");
  tool.keyDown(key("Enter"));
  assert.equal(ctx.store.list().length, 1);
  const parts = partsToServer(ctx.store.get("a").parts);
  assert.deepEqual(parts.map((part) => part.hole), [false, true]);
  assert.deepEqual(parts[1].points, [150, 150, 250, 150, 250, 250, 150, 250]);
  assert.equal(ctx.history.undoStack.at(-1).kind, "add-hole");
  assert.equal(ctx.events.find((event) => event.kind === "close").data.ring, "hole");
  // The next polygon is an ordinary new one again.
  for (const [x, y] of [[500, 500], [600, 500], [600, 600]]) tool.pointerDown(pointer(ctx.view, x, y));
  tool.keyDown(key("Enter"));
  assert.equal(ctx.store.list().length, 2);
  ctx.history.undo();
  ctx.history.undo();
  assert.equal(ctx.store.get("a").parts.length, 1);
  // A part; Escape before drawing drops the ring.
  tool.startRing("a", false);
  assert.equal(tool.keyDown(key("Escape")), true);
  assert.equal(tool.ring, null);
  tool.startRing("a", false);
  for (const [x, y] of [[400, 100], [500, 100], [500, 200]]) tool.pointerDown(pointer(ctx.view, x, y));
  tool.keyDown(key("Enter"));
  assert.deepEqual(ctx.store.get("a").parts.map((part) => part.hole), [false, false]);
  assert.equal(ctx.history.undoStack.at(-1).label, "add part");
});

test("hidden polygons are neither picked nor snapped to", () => {
  const ctx = context();
  let shown = true;
  ctx.visible = () => shown;
  ctx.store.add(square("a", 100, 100));
  const select = new SelectTool(ctx);
  select.pointerDown(pointer(ctx.view, 150, 150));
  select.pointerUp(pointer(ctx.view, 150, 150));
  assert.equal(ctx.store.selection.id, "a");
  ctx.store.select(null);
  shown = false;
  select.pointerDown(pointer(ctx.view, 150, 150));
  select.pointerUp(pointer(ctx.view, 150, 150));
  assert.equal(ctx.store.selection.id, null);
  const draw = new PolygonTool(ctx);
  draw.pointerDown(pointer(ctx.view, 102, 102, { shiftKey: true }));
  assert.deepEqual(draw.state.points[0], [102, 102]);
});

test("coincident vertices count as shared without a link (after a reload), unless hidden", () => {
  const ctx = context();
  ctx.store.add(square("a", 100, 100));
  ctx.store.add({ clientId: "b", categoryId: 1, parts: [{ ring: [[200, 100], [300, 100], [200, 200]], hole: false }] });
  assert.deepEqual(ctx.store.sharedWith({ clientId: "b", ring: 0, index: 0 }), [{ clientId: "a", ring: 0, index: 1 }]);
  assert.deepEqual(ctx.store.sharedWith({ clientId: "b", ring: 0, index: 0 }, (annotation) => annotation.clientId !== "a"), []);
  const tool = new SelectTool(ctx);
  ctx.store.select("b");
  tool.pointerDown(pointer(ctx.view, 200, 100));
  tool.pointerMove(pointer(ctx.view, 210, 110));
  tool.pointerMove(pointer(ctx.view, 210, 110, { altKey: true })); // Alt during the drag: only this one
  tool.pointerUp(pointer(ctx.view, 210, 110));
  assert.deepEqual(ctx.store.get("a").parts[0].ring[1], [200, 100]);
  assert.deepEqual(ctx.store.get("b").parts[0].ring[0], [210, 110]);
});

test("with T held, moving traces from the last vertex without a pressed button", () => {
  const ctx = context();
  const tool = new PolygonTool(ctx);
  tool.pointerDown(pointer(ctx.view, 100, 100));
  tool.pointerUp(pointer(ctx.view, 100, 100));
  tool.pointerMove(pointer(ctx.view, 150, 100)); // no T: only the rubber band
  assert.equal(tool.state.points.length, 1);
  for (let x = 101; x <= 160; x += 1) tool.pointerMove(pointer(ctx.view, x, 100, { traceKey: true }));
  assert.deepEqual(tool.state.points.map(([x]) => x), [100, 112, 124, 136, 148, 160]);
  tool.pointerMove(pointer(ctx.view, 170, 100)); // T released
  assert.equal(tool.state.points.length, 6);
});
