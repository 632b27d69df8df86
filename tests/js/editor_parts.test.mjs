// The editor's composition root's parts, under node: display settings, the viewport (zoom, pan, the labour
// record of them), the actions over a real store, history and labour record, "Next image" and the test hook.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../static/js/common/api.js";
import { makeActions, makePerform } from "../../static/js/editor/actions.js";
import { createAnnotation } from "../../static/js/editor/commands.js";
import {
  OPACITY_KEY, imageFilterValue, isEditableIn, isVisibleIn, loadOpacity, makeSettings, nextOpacity, rememberOpacity,
  usableStorage,
} from "../../static/js/editor/display_settings.js";
import { History } from "../../static/js/editor/history.js";
import { Labour } from "../../static/js/editor/labour.js";
import { NextImage } from "../../static/js/editor/next_image.js";
import { Store } from "../../static/js/editor/store.js";
import { HOOK_NAME, installTestHook, makeTestHook } from "../../static/js/editor/test_hook.js";
import { PolygonTool } from "../../static/js/editor/tools/polygon.js";
import { SelectTool } from "../../static/js/editor/tools/select.js";
import { View } from "../../static/js/editor/view.js";
import { QUIET_MS, Viewport, boundsOf, boxInside } from "../../static/js/editor/viewport.js";
import { MemoryStorage } from "./memory_storage.mjs";

const categories = [{ id: 1, name: "road", colour: "#804080" }, { id: 7, name: "car", colour: "#00008e" }];
const square = (x, y, side = 10) => [{ ring: [[x, y], [x + side, y], [x + side, y + side], [x, y + side]], hole: false }];

/** Timers that fire only when told: run() fires every pending one. */
function manualTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimeout: (callback) => { pending.set(next, callback); return next++; },
    clearTimeout: (id) => pending.delete(id),
    run() {
      const callbacks = [...pending.values()];
      pending.clear();
      callbacks.forEach((callback) => callback());
    },
    get size() { return pending.size; },
  };
}

const kinds = (labour) => labour.toJSON().events.map((event) => event.kind);

test("display settings: the opacity is remembered, clamped, and cycles through its steps", () => {
  const storage = new MemoryStorage();
  assert.equal(loadOpacity(storage), 0.4);
  rememberOpacity(storage, 0.6);
  assert.equal(loadOpacity(storage), 0.6);
  storage.setItem(OPACITY_KEY, "7");
  assert.equal(loadOpacity(storage), 1);
  storage.setItem(OPACITY_KEY, "dim");
  assert.equal(loadOpacity(storage), 0.4);
  assert.equal(loadOpacity(null), 0.4);
  assert.deepEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 0.5].map(nextOpacity), [0.2, 0.4, 0.6, 0.8, 0, 0, 0.6]);
  assert.deepEqual(["2", "9", "x", 0.1].map(imageFilterValue), [2, 3, 1, 0.2]);
  const refusing = { localStorage: { setItem() { throw new Error("private mode"); } } };
  assert.equal(usableStorage(refusing), null);
  assert.equal(usableStorage({ localStorage: storage }), storage);
});

test("display settings: hidden things are neither visible nor editable, and others' are never editable", () => {
  const settings = makeSettings(new MemoryStorage(), 3);
  const mine = { clientId: "a", categoryId: 1 };
  const theirs = { clientId: "b", categoryId: 1, mine: false, owner: { id: "p-1" } };
  assert.ok(isVisibleIn(settings, mine) && isEditableIn(settings, mine));
  assert.ok(isVisibleIn(settings, theirs) && !isEditableIn(settings, theirs));
  settings.hiddenCategories.add(1);
  assert.ok(!isVisibleIn(settings, mine) && !isEditableIn(settings, mine));
  settings.hiddenCategories.clear();
  settings.hideAll = true;
  assert.ok(!isVisibleIn(settings, mine));
  settings.hideAll = false;
  settings.layers.setOthers(false);
  assert.ok(isVisibleIn(settings, mine) && !isVisibleIn(settings, theirs));
});

test("viewport: a gesture is recorded once it has been still, and a resize refits only a fitted view", () => {
  const timers = manualTimers();
  const labour = new Labour({ sessionId: "s" });
  let changes = 0;
  const view = new View();
  const viewport = new Viewport({ view, image: { width: 1000, height: 500 }, labour, timers, onChange: () => changes++ });
  viewport.resized(532, 282); // fits with a 16 px margin: half size
  assert.equal(view.scale, 0.5);
  assert.ok(viewport.fitted && changes === 1);
  viewport.zoomStep(1, null, "key");
  viewport.zoomStep(1, null, "key");
  assert.equal(view.scale, 1);
  assert.equal(kinds(labour).length, 0); // still moving
  timers.run();
  assert.deepEqual(labour.toJSON().events.map((event) => [event.kind, event.data]), [["zoom", { zoom: 1, via: "key" }]]);
  assert.ok(!viewport.fitted);
  const centre = view.screenToImage(266, 141);
  viewport.resized(732, 482); // 200 px more each way: the centre stays where it was
  assert.deepEqual(view.screenToImage(366, 241), centre);
  assert.equal(view.scale, 1);
  viewport.fit("key");
  timers.run();
  assert.equal(labour.toJSON().events.at(-1).data.via, "fit-key");
  assert.ok(viewport.fitted);
  assert.equal(QUIET_MS, 400);
});

test("viewport: revealing an annotation centres it only when it is not wholly on screen", () => {
  const view = new View();
  const viewport = new Viewport({ view, image: { width: 4000, height: 4000 }, labour: new Labour({ sessionId: "s" }),
    timers: manualTimers() });
  viewport.resized(400, 300);
  viewport.zoomTo(1, "key");
  const near = { parts: square(view.screenToImage(10, 10)[0], view.screenToImage(10, 10)[1]) };
  assert.ok(boxInside(boundsOf(near), view.visibleRect(400, 300)));
  const before = view.snapshot();
  viewport.reveal(near);
  assert.deepEqual(view.snapshot(), before);
  const far = { parts: [...square(3000, 3000), { ring: [[3100, 3200], [3120, 3200], [3110, 3220]], hole: false }] };
  assert.deepEqual(boundsOf(far), { left: 3000, top: 3000, right: 3120, bottom: 3220 });
  viewport.reveal(far);
  assert.deepEqual(view.screenToImage(200, 150), [3060, 3110]);
});

/** The actions over a real store, history and labour record; the toolbar and panels recorded. */
function actionsRig() {
  const store = new Store({ categories });
  const history = new History();
  const labour = new Labour({ sessionId: "s" });
  const settings = makeSettings(new MemoryStorage(), 1);
  const said = [];
  const ui = {
    toolbar: new Proxy({}, { get: (_, name) => (...args) => said.push([name, ...args]) }),
    panel: { showVisibility() {} }, renderer: { invalidate() {}, invalidateOverlay() {}, invalidateBase() {} },
    input: { setToolCursor() {} }, layersPanel: { render() {} }, help: { open: false, toggle() {} },
  };
  const editor = { activeTool: null, ready: true };
  const perform = makePerform({ labour, history });
  const context = {
    store, view: new View(), image: { width: 100, height: 100 }, newId: () => crypto.randomUUID(),
    record: (kind, options) => labour.record(kind, options), perform, snapOn: () => false, offerBorder() {},
    visible: () => true, editable: () => true, tell() {}, redraw() {}, setCursor() {},
  };
  const tools = { select: new SelectTool(context), polygon: new PolygonTool(context) };
  editor.activeTool = tools.polygon;
  const actions = makeActions({
    store, history, labour, settings, tools, editor, perform, ui, storage: new MemoryStorage(), imageId: 1,
    isVisible: (annotation) => isVisibleIn(settings, annotation),
    isEditable: (annotation) => isEditableIn(settings, annotation),
  });
  return { store, history, labour, settings, editor, tools, actions, said, perform };
}

test("actions: a class given to the selected polygon is an undoable edit, except once the instructor decided", () => {
  const { store, history, labour, editor, tools, actions, said, perform } = actionsRig();
  perform(createAnnotation(store, { clientId: "a", categoryId: 1, parts: square(0, 0) }), null, { record: false });
  actions.setTool("select");
  assert.equal(editor.activeTool, tools.select);
  store.select("a");
  actions.pickClassNumber(2);
  assert.equal(store.get("a").categoryId, 7);
  assert.deepEqual(labour.toJSON().events.at(-1).data, { from: 1, to: 7, via: "key" });
  actions.undo();
  assert.equal(store.get("a").categoryId, 1);
  assert.deepEqual(said.at(-1), ["message", `Undone: ${history.redoStack.at(-1).label}.`]);
  actions.redo();
  assert.equal(store.get("a").categoryId, 7);

  store.setFlag("a", { kind: "none_fits", reason: "", resolution: "kept" });
  actions.pickClass(1, "picker");
  assert.equal(store.get("a").categoryId, 7);
  assert.deepEqual(said.at(-1), ["message", "The instructor has decided this polygon's class; it can no longer be changed.", "warn"]);
  assert.ok(!("escape" in actions));
});

test("actions: hiding everything drops the selection, and the fill opacity cycles", () => {
  const { store, settings, actions, labour, perform, said } = actionsRig();
  perform(createAnnotation(store, { clientId: "a", categoryId: 1, parts: square(0, 0) }), null, { record: false });
  actions.setTool("select");
  store.select("a");
  actions.toggleAllVisible();
  assert.equal(store.selected, null);
  assert.deepEqual(labour.toJSON().events.at(-1).data, { all: false, via: "key" });
  actions.setOpacity(3);
  assert.equal(settings.opacity, 1);
  actions.cycleOpacity();
  assert.equal(settings.opacity, 0);
  actions.addRing(true); // nothing selected now
  assert.deepEqual(said.at(-1), ["message", "Select a polygon first (V, then click it), then cut a hole (C).", "warn"]);
});

test("next image: stays put while a save cannot reach the server, then goes where the server says", async () => {
  const said = [];
  const opened = [];
  const element = () => ({ disabled: false, textContent: "", hidden: true });
  let saved = false;
  const requests = [];
  const next = new NextImage({
    api: async (method, url, body) => {
      requests.push([method, url, body]);
      if (url === "/api/workshop") return { body: { workshop_mode: true, images: 4, me: { assigned: [{ image_id: 1, finished: true }, { image_id: 5, finished: true }] } } };
      if (body.current === 5 && requests.length > 2) throw new ApiError(409, { error: "conflict", detail: "not yours" });
      return { body: { url: "/annotate/6" } };
    },
    sync: { whenSaved: async () => saved, flushEvents: async () => {} }, labourKeeper: { save() {} }, imageId: 5,
    ready: () => true, drawing: () => false, tell: (...args) => said.push(args), button: element(), status: element(),
    progress: element(), open: (url) => opened.push(url),
  });
  await next.go("button");
  assert.equal(said[0][1], "error");
  assert.match(said[0][0], /^Not everything is saved/);
  assert.deepEqual(opened, []);
  assert.equal(next.button.disabled, false);
  saved = true;
  await next.go("button");
  assert.deepEqual(opened, ["/annotate/6"]);
  await next.showProgress();
  assert.equal(next.progress.textContent, "Image 2 of 4");
  assert.equal(next.progress.hidden, false);
  await next.go("key");
  assert.deepEqual(said.at(-1), ["No next image: not yours", "error"]);
});

test("the test hook is the one read-only global, and reports the document in image pixels", () => {
  const { store, history, settings, editor, tools, perform } = actionsRig();
  perform(createAnnotation(store, { clientId: "a", categoryId: 1, parts: square(2, 3) }), null, { record: false });
  const view = new View({ scale: 2, offsetX: 10, offsetY: 20 });
  const hook = makeTestHook({
    stage: { getBoundingClientRect: () => ({ left: 100, top: 50 }) }, view, store, history, settings, tools, editor,
    sync: { pendingSaves: 0, saveState: "saved" }, isVisible: (annotation) => isVisibleIn(settings, annotation),
  });
  assert.deepEqual(hook.imageToClient(2, 3), { x: 114, y: 76 });
  assert.deepEqual(hook.clientToImage(114, 76), { x: 2, y: 3 });
  const state = hook.state();
  assert.equal(state.tool, "polygon");
  assert.deepEqual(state.annotations.map((a) => [a.clientId, a.mine, a.visible]), [["a", true, true]]);
  const win = {};
  installTestHook(win, hook);
  assert.equal(HOOK_NAME, "annotatorEditor");
  assert.throws(() => { "use strict"; win.annotatorEditor = null; }, TypeError);
  assert.ok(Object.isFrozen(win.annotatorEditor));
});
