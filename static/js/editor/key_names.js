// Keys as the editor names them on its buttons, in their titles and in its messages: always from the keymap
// (common/keymap.js, printed by its own chordText), so the keymap is the one place a key is named. The page
// marks what to fill: <kbd data-key="action"> gets the action's first chord, and an element's
// data-keys-title (a title with {action} where its keys go) becomes its title with all the action's chords.

import { KEYMAP, chordText } from "../common/keymap.js";

function entryOf(action, keymap) {
  const entry = keymap.find((item) => item.action === action);
  if (!entry) throw new Error(`no keymap entry for ${action}`);
  return entry;
}

/** The first chord of an action as people read it: "Ctrl+Z", "Esc", "Shift+click". */
export function keyOf(action, keymap = KEYMAP) {
  const entry = entryOf(action, keymap);
  return chordText({ ...entry, chords: entry.chords.slice(0, 1) });
}

/** All of an action's chords: "Ctrl+Shift+Z, Ctrl+Y". */
export function keysOf(action, keymap = KEYMAP) {
  return chordText(entryOf(action, keymap));
}

/** A title template with its {action}s replaced by their keys: "Undo ({undo})" -> "Undo (Ctrl+Z)". */
export function titleWithKeys(template, keymap = KEYMAP) {
  return template.replace(/\{(\w+)\}/g, (_, action) => keysOf(action, keymap));
}

/** Fill the key caps and titles the page marks under `root`. */
export function labelKeys(root, keymap = KEYMAP) {
  for (const cap of root.querySelectorAll("kbd[data-key]")) cap.textContent = keyOf(cap.dataset.key, keymap);
  for (const node of root.querySelectorAll("[data-keys-title]")) node.title = titleWithKeys(node.dataset.keysTitle, keymap);
}
