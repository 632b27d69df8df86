// The editor names keys only through the keymap: the toolbar's key caps and titles (templates/editor.html marks
// them, editor/key_names.js fills them), its hints and messages, and the help dialog's rows (editor/help.js).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { KEYMAP, chordText } from "../../static/js/common/keymap.js";
import { renderKeymap } from "../../static/js/editor/help.js";
import { keyOf, keysOf, titleWithKeys } from "../../static/js/editor/key_names.js";
import { descendants, fakeDocument } from "./fake_dom.mjs";

const PAGE = readFileSync(new URL("../../templates/editor.html", import.meta.url), "utf8");
const EDITOR_JS = ["actions.js", "next_image.js", "toolbar.js", "tools/polygon.js"]
  .map((file) => [file, readFileSync(new URL(`../../static/js/editor/${file}`, import.meta.url), "utf8")]);

test("an action's keys as the keymap prints them: the first chord on a key cap, all of them in a title", () => {
  assert.equal(keyOf("undo"), "Ctrl+Z");
  assert.equal(keyOf("redo"), "Ctrl+Shift+Z");
  assert.equal(keysOf("redo"), "Ctrl+Shift+Z, Ctrl+Y");
  assert.equal(keyOf("nextImage"), "Shift+N");
  assert.equal(keyOf("cancelPolygon"), "Esc");
  assert.equal(keyOf("snapOnce"), "Shift+click");
  assert.equal(titleWithKeys("Fit to window ({fit})"), "Fit to window (F, 0)");
  assert.equal(titleWithKeys("Snap ({toggleSnap}; or {snapOnce})"), "Snap (S; or Shift+click)");
  assert.throws(() => keyOf("noSuchAction"), /no keymap entry for noSuchAction/);
});

test("every key cap and title the editor page marks names a keymap action, and none is written by hand", () => {
  const caps = [...PAGE.matchAll(/<kbd([^>]*)>([^<]*)<\/kbd>/g)];
  assert.ok(caps.length >= 9);
  for (const [whole, attributes, text] of caps) {
    assert.equal(text, "", `a key written by hand: ${whole}`);
    const action = /data-key="(\w+)"/.exec(attributes);
    assert.ok(action, whole);
    keyOf(action[1]); // throws for an action the keymap lacks
  }
  const titles = [...PAGE.matchAll(/data-keys-title="([^"]*)"/g)].map((match) => match[1]);
  assert.ok(titles.length >= 14);
  for (const title of titles) assert.doesNotMatch(titleWithKeys(title), /[{}]/);
  // A title naming a key itself (a capital letter or a modifier in brackets) would bypass the keymap.
  for (const [, title] of PAGE.matchAll(/\stitle="([^"]*)"/g)) {
    assert.doesNotMatch(title, /\((?:[A-Z?+-]|Ctrl|Shift|Alt)\b|\(\W\)/, title);
  }
});

test("the editor's messages and hints take their keys from the keymap", () => {
  for (const [file, source] of EDITOR_JS) {
    const strings = [...source.matchAll(/"([^"\n]*)"|`([^`]*)`/g)].map((match) => match[1] ?? match[2]);
    for (const text of strings) {
      assert.doesNotMatch(text, /\b(?:Ctrl\+|Shift\+|Alt\+)|\bpress [A-Z]\b|\((?:[A-Z]|Esc|Enter)\)|\b[A-Z] follows\b/,
        `${file}: ${text}`);
    }
  }
});

test("the help dialog has one row per keymap entry, keys as key caps, in columns by group", () => {
  const container = fakeDocument().createElement("div");
  renderKeymap(container);
  const rows = descendants(container).filter((node) => node.tagName === "dt");
  assert.deepEqual(rows.map((row) => [row.dataset.action, row.textContent]),
    ["Drawing", "Editing", "Viewing"].flatMap((group) => KEYMAP.filter((entry) => entry.group === group)
      .map((entry) => [entry.action, chordText(entry)])));
  assert.deepEqual(descendants(container).filter((node) => node.tagName === "h3").map((node) => node.textContent),
    ["Drawing", "Editing", "Viewing"]);
  const undo = rows.find((row) => row.dataset.action === "undo");
  assert.deepEqual(undo.children.map((node) => [node.tagName, node.textContent]),
    [["kbd", "Ctrl"], ["#text", "+"], ["kbd", "Z"]]);
  assert.equal(undo.parent.children[undo.parent.children.indexOf(undo) + 1].textContent, "undo (up to 500 steps)");
});
