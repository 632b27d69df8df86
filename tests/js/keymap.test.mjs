// The keymap (static/js/common/keymap.js): which entry a key event asks for, that every dispatched action has a
// handler in input.js, and that the keys the table gives the tools are the keys the tools take.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  GROUPS, KEYMAP, chordText, entriesWithKey, entryFor, markdownTable,
} from "../../static/js/common/keymap.js";
import { HELD_RELEASES, KEY_HANDLERS } from "../../static/js/editor/input.js";
import { Store } from "../../static/js/editor/store.js";
import { PolygonTool } from "../../static/js/editor/tools/polygon.js";
import { SelectTool } from "../../static/js/editor/tools/select.js";
import { View } from "../../static/js/editor/view.js";
import { History } from "../../static/js/editor/history.js";

const DISPATCHED = new Set(["editor", "held", "help"]);

function keyEvent(key, modifiers = {}) {
  return { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...modifiers };
}

/** The event a chord makes: its modifiers held, its key (Shift gives a capital letter, as browsers do). */
function chordEvent(chord) {
  const held = chord.slice(0, -1);
  const shift = held.includes("Shift");
  const key = chord[chord.length - 1];
  return keyEvent(shift && key.length === 1 ? key.toUpperCase() : key,
    { ctrlKey: held.includes("Ctrl"), altKey: held.includes("Alt"), shiftKey: shift });
}

const action = (event, scope = "editor") => (entryFor(event, scope) || {}).action || null;

test("every entry names its action, chords, description, group and scope", () => {
  const scopes = new Set([...DISPATCHED, "polygon", "select", "pointer"]);
  for (const entry of KEYMAP) {
    assert.match(entry.action, /^[a-z][A-Za-z]+$/, entry.action);
    assert.ok(entry.chords.length && entry.chords.every((chord) => chord.length >= 1), entry.action);
    assert.ok(entry.description, entry.action);
    assert.ok(GROUPS.includes(entry.group), entry.action);
    assert.ok(scopes.has(entry.scope), entry.action);
  }
  assert.equal(new Set(KEYMAP.map((entry) => entry.action)).size, KEYMAP.length, "one entry per action");
});

test("each dispatched action has a handler in input.js, and each handler an entry", () => {
  const dispatched = KEYMAP.filter((entry) => DISPATCHED.has(entry.scope)).map((entry) => entry.action);
  assert.deepEqual(Object.keys(KEY_HANDLERS).sort(), [...dispatched].sort());
  const held = KEYMAP.filter((entry) => entry.scope === "held").map((entry) => entry.action);
  assert.deepEqual(Object.keys(HELD_RELEASES).sort(), held.sort());
});

test("each dispatched chord presses its own entry", () => {
  for (const entry of KEYMAP.filter((item) => DISPATCHED.has(item.scope))) {
    for (const chord of entry.chords) {
      assert.equal(action(chordEvent(chord), entry.scope), entry.action, `${chord.join("+")} in ${entry.scope}`);
    }
  }
});

test("letters in either case; Shift counts only where listed; Ctrl and Alt exactly as listed", () => {
  assert.equal(action(keyEvent("n")), "polygonTool");
  assert.equal(action(keyEvent("N")), "polygonTool", "Caps Lock");
  assert.equal(action(keyEvent("N", { shiftKey: true })), "nextImage");
  assert.equal(action(keyEvent("P", { shiftKey: true })), "polygonTool");
  assert.equal(action(keyEvent("?", { shiftKey: true })), "openHelp");
  assert.equal(action(keyEvent("+", { shiftKey: true })), "zoomIn");
  assert.equal(action(keyEvent("ArrowLeft")), "pan");
  assert.equal(action(keyEvent("ArrowLeft", { shiftKey: true })), "panFar");
  assert.equal(action(keyEvent("z", { ctrlKey: true })), "undo");
  assert.equal(action(keyEvent("z", { metaKey: true })), "undo", "⌘ on a Mac");
  assert.equal(action(keyEvent("Z", { ctrlKey: true, shiftKey: true })), "redo");
  assert.equal(action(keyEvent("Y", { ctrlKey: true, shiftKey: true })), "redo");
  assert.equal(action(keyEvent("z", { ctrlKey: true, altKey: true })), null);
  assert.equal(action(keyEvent("z")), null);
  assert.equal(action(keyEvent("p", { altKey: true })), null);
  assert.equal(action(keyEvent("s", { ctrlKey: true })), null, "Ctrl+S stays the browser's");
  assert.equal(action(keyEvent("Escape")), null, "Esc is the tools'");
  assert.equal(action(keyEvent("x")), null);
  assert.equal(action(keyEvent("5")), "pickClass");
});

test("Space is held with any modifier, T only alone or with Shift; the open help closes on Esc and ?", () => {
  assert.equal(action(keyEvent(" ", { ctrlKey: true }), "held"), "panHold");
  assert.equal(action(keyEvent("T", { shiftKey: true }), "held"), "trace");
  assert.equal(action(keyEvent("t", { ctrlKey: true }), "held"), null);
  assert.deepEqual(entriesWithKey("T", "held").map((entry) => entry.action), ["trace"]);
  assert.equal(action(keyEvent("Escape", { ctrlKey: true }), "help"), "closeHelp");
  assert.equal(action(keyEvent("?", { shiftKey: true }), "help"), "closeHelp");
  assert.equal(action(keyEvent("p"), "help"), null);
});

test("keys print as people write them", () => {
  const text = (name) => chordText(KEYMAP.find((entry) => entry.action === name));
  assert.equal(text("redo"), "Ctrl+Shift+Z, Ctrl+Y");
  assert.equal(text("pickClass"), "1–9");
  assert.equal(text("panHold"), "Space");
  assert.equal(text("snapOnce"), "Shift+click");
  assert.equal(text("closeHelp"), "Esc, ?");
  const table = markdownTable().split("\n");
  assert.equal(table.length, KEYMAP.length + 2);
  assert.ok(table.includes("|  | `Ctrl`+`Shift`+`Z`, `Ctrl`+`Y` | redo |"));
});

// --- the tools' own keys ---

function toolContext() {
  const store = new Store({ categories: [{ id: 1, name: "road", colour: "#804080" }] });
  const history = new History();
  let ids = 0;
  return {
    store, history, view: new View(), image: { width: 1280, height: 720 },
    newId: () => `draft-${++ids}`,
    record: () => {},
    perform(command) {
      if (!command) return false;
      history.run(command);
      return true;
    },
    snapOn: () => true,
    tell: () => {},
    redraw: () => {},
    setCursor: () => {},
  };
}

let clock = 0;
function click(tool, view, [x, y]) {
  clock += 1000;
  tool.pointerDown({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, altKey: false, shiftKey: false, time: clock });
  tool.pointerUp({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, time: clock });
}

/** A polygon tool drawing three vertices, the last two snapped onto a neighbour's vertices (so B can follow). */
function drawingTool() {
  const ctx = toolContext();
  ctx.store.add({ clientId: "neighbour", categoryId: 1,
    parts: [{ ring: [[400, 200], [500, 180], [600, 200], [600, 400], [400, 400]], hole: false }] });
  const tool = new PolygonTool(ctx);
  for (const point of [[300, 100], [400, 200], [600, 200]]) click(tool, ctx.view, point);
  assert.equal(tool.state.points.length, 3);
  return tool;
}

/** An edit tool with a polygon selected, and one of its vertices. */
function selectingTool() {
  const ctx = toolContext();
  ctx.store.add({ clientId: "square", categoryId: 1,
    parts: [{ ring: [[100, 100], [300, 100], [300, 200], [100, 200], [50, 150]], hole: false }] });
  ctx.store.select("square", { part: 0, index: 4 });
  return new SelectTool(ctx);
}

test("the keys the table gives a tool are the keys that tool takes", () => {
  const makers = { polygon: drawingTool, select: selectingTool };
  for (const entry of KEYMAP.filter((item) => makers[item.scope])) {
    for (const chord of entry.chords) {
      const tool = makers[entry.scope]();
      assert.equal(tool.keyDown(chordEvent(chord)), true, `${entry.scope} tool takes ${chord.join("+")}`);
    }
  }
});
