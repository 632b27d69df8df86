import assert from "node:assert/strict";
import { test } from "node:test";

import { History } from "../../static/js/editor/history.js";
import { Store, partsToServer } from "../../static/js/editor/store.js";
import { PolygonTool, closable } from "../../static/js/editor/tools/polygon.js";
import { SelectTool, pickAnnotation } from "../../static/js/editor/tools/select.js";
import { View } from "../../static/js/editor/view.js";

const categories = [{ id: 1, name: "road", colour: "#804080" }, { id: 7, name: "car", colour: "#00008e" }];

function context({ scale = 1 } = {}) {
  const store = new Store({ categories });
  const history = new History();
  const view = new View({ scale });
  const events = [];
  const told = [];
  let ids = 0;
  return {
    store, history, view, events, told,
    image: { width: 1280, height: 720 },
    newId: () => `draft-${String(++ids).padStart(4, "0")}`,
    record: (kind, options = {}) => events.push({ kind, ...options }),
    perform(command) {
      if (!command) return false;
      history.run(command);
      return true;
    },
    tell: (text) => told.push(text),
    redraw: () => {},
    setCursor: () => {},
  };
}

let clock = 0;
function press(tool, view, x, y, extra = {}) {
  clock += 1000;
  const screen = view.imageToScreen(x, y);
  const pointer = { image: [x, y], screen, button: 0, altKey: false, shiftKey: false, time: clock, ...extra };
  tool.pointerDown(pointer);
  return pointer;
}

function move(tool, view, x, y) {
  tool.pointerMove({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, time: clock });
}

function release(tool, view, x, y) {
  tool.pointerUp({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, time: clock });
}

const key = (name, extra = {}) => ({ key: name, ctrlKey: false, metaKey: false, shiftKey: false, ...extra });

test("three distinct points enclosing some area make a polygon", () => {
  assert.equal(closable([[0, 0], [10, 0], [0, 10]]), true);
  assert.equal(closable([[0, 0], [10, 0], [0, 0]]), false);
  assert.equal(closable([[0, 0], [10, 0], [20, 0]]), false);
});

test("clicks add vertices; a click on the first vertex closes, in the active class", () => {
  const ctx = context();
  const tool = new PolygonTool(ctx);
  ctx.store.setActiveCategory(7);
  for (const [x, y] of [[10, 10], [100, 10], [100, 80]]) press(tool, ctx.view, x, y);
  assert.equal(tool.state.points.length, 3);
  move(tool, ctx.view, 12, 11);
  assert.equal(tool.draft().closable, true);
  press(tool, ctx.view, 12, 11);
  assert.equal(tool.drawing, false);
  const [annotation] = ctx.store.list();
  assert.equal(annotation.categoryId, 7);
  assert.deepEqual(partsToServer(annotation.parts)[0].points, [10, 10, 100, 10, 100, 80]);
  assert.deepEqual(ctx.events.map((e) => e.kind), ["draw-start", "vertex", "vertex", "vertex", "close"]);
  assert.equal(ctx.events[1].data.provenance, "click");
});

test("Enter and double-click close; a double-click adds its point once", () => {
  const ctx = context();
  const tool = new PolygonTool(ctx);
  for (const [x, y] of [[10, 10], [100, 10], [100, 80]]) press(tool, ctx.view, x, y);
  assert.equal(tool.keyDown(key("Enter")), true);
  press(tool, ctx.view, 300, 300);
  press(tool, ctx.view, 400, 300);
  press(tool, ctx.view, 400, 400);
  press(tool, ctx.view, 400.5, 400); // the second press of the double-click
  tool.doubleClick();
  assert.equal(ctx.store.list().length, 2);
  assert.equal(ctx.store.list()[1].parts[0].ring.length, 3);
});

test("Escape cancels, Backspace takes back the last vertex, and a close needs three", () => {
  const ctx = context();
  const tool = new PolygonTool(ctx);
  press(tool, ctx.view, 10, 10);
  press(tool, ctx.view, 50, 10);
  assert.equal(tool.keyDown(key("Enter")), true);
  assert.equal(tool.drawing, true);
  assert.equal(ctx.told.length, 1);
  tool.keyDown(key("Backspace"));
  assert.deepEqual(tool.state.points, [[10, 10]]);
  tool.keyDown(key("Escape"));
  assert.equal(tool.drawing, false);
  assert.equal(ctx.store.list().length, 0);
  assert.equal(ctx.events.at(-1).kind, "cancel");
  assert.equal(tool.keyDown(key("Escape")), false); // nothing to cancel: the key is free for others
});

test("points outside the image are clamped to its edge", () => {
  const ctx = context();
  const tool = new PolygonTool(ctx);
  press(tool, ctx.view, -20, 50);
  press(tool, ctx.view, 200, -5);
  press(tool, ctx.view, 1400, 800);
  tool.keyDown(key("Enter"));
  assert.deepEqual(partsToServer(ctx.store.list()[0].parts)[0].points, [0, 50, 200, 0, 1280, 720]);
});

function withSquare(scale = 1) {
  const ctx = context({ scale });
  ctx.store.add({ clientId: "square-1", categoryId: 1, parts: [{ ring: [[100, 100], [300, 100], [300, 200], [100, 200]], hole: false }] });
  return { ctx, tool: new SelectTool(ctx) };
}

test("the smallest polygon under the pointer is picked, or one whose outline is near", () => {
  const big = { clientId: "big00000", parts: [{ ring: [[0, 0], [100, 0], [100, 100], [0, 100]], hole: false }] };
  const small = { clientId: "small000", parts: [{ ring: [[40, 40], [60, 40], [60, 60], [40, 60]], hole: false }] };
  assert.equal(pickAnnotation([small, big], [50, 50], 2).clientId, "small000");
  assert.equal(pickAnnotation([small, big], [10, 10], 2).clientId, "big00000");
  assert.equal(pickAnnotation([small, big], [101, 50], 2).clientId, "big00000");
  assert.equal(pickAnnotation([small, big], [120, 50], 2), null);
});

test("select, then drag a vertex: one command, undoable", () => {
  const { ctx, tool } = withSquare();
  press(tool, ctx.view, 200, 150);
  release(tool, ctx.view, 200, 150);
  assert.equal(ctx.store.selection.id, "square-1");
  press(tool, ctx.view, 302, 201);
  move(tool, ctx.view, 320, 230);
  assert.deepEqual(tool.preview().parts[0].ring[2], [320, 230]);
  assert.deepEqual(ctx.store.get("square-1").parts[0].ring[2], [300, 200]); // nothing changed until release
  release(tool, ctx.view, 320, 230);
  assert.deepEqual(ctx.store.get("square-1").parts[0].ring[2], [320, 230]);
  assert.equal(ctx.history.undoStack.length, 1);
  ctx.history.undo();
  assert.deepEqual(ctx.store.get("square-1").parts[0].ring[2], [300, 200]);
});

test("a midpoint handle inserts a vertex where it is released", () => {
  const { ctx, tool } = withSquare();
  ctx.store.select("square-1");
  press(tool, ctx.view, 200, 100);
  move(tool, ctx.view, 210, 80);
  release(tool, ctx.view, 210, 80);
  assert.deepEqual(ctx.store.get("square-1").parts[0].ring, [[100, 100], [210, 80], [300, 100], [300, 200], [100, 200]]);
  assert.deepEqual(ctx.store.selection.vertex, { part: 0, index: 1 });
});

test("Alt+click and Delete remove vertices, down to three; then Delete removes the polygon", () => {
  const { ctx, tool } = withSquare();
  ctx.store.select("square-1");
  press(tool, ctx.view, 100, 200, { altKey: true });
  assert.equal(ctx.store.get("square-1").parts[0].ring.length, 3);
  press(tool, ctx.view, 100, 100);
  release(tool, ctx.view, 100, 100);
  assert.deepEqual(ctx.store.selection.vertex, { part: 0, index: 0 });
  assert.equal(tool.keyDown(key("Delete")), false); // a triangle keeps its vertices
  assert.match(ctx.told.at(-1), /at least three/);
  tool.keyDown(key("Escape"));
  assert.equal(ctx.store.selection.vertex, null);
  tool.keyDown(key("Delete"));
  assert.equal(ctx.store.list().length, 0);
});

test("dragging inside the selected polygon moves it, kept inside the image", () => {
  const { ctx, tool } = withSquare();
  ctx.store.select("square-1");
  press(tool, ctx.view, 200, 150);
  move(tool, ctx.view, 150, 150);
  move(tool, ctx.view, 0, 140);
  release(tool, ctx.view, 0, 140);
  assert.deepEqual(ctx.store.get("square-1").parts[0].ring[0], [0, 90]);
});

test("hit radii are screen pixels: at 4x a vertex must be pressed four times closer", () => {
  const { ctx, tool } = withSquare(4);
  ctx.store.select("square-1");
  press(tool, ctx.view, 303, 100); // 12 screen px away: not the vertex, inside nothing → deselects
  assert.equal(ctx.store.selection.id, null);
  ctx.store.select("square-1");
  press(tool, ctx.view, 301.5, 100);
  assert.equal(tool.state.mode, "dragging-vertex");
});
