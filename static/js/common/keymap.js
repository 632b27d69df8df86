// The editor's keys and mouse gestures, in one table: the key handling (editor/input.js) looks actions up
// here, the help dialog (editor/help.js) draws its rows from it, and the README's shortcut table is
// generated from it (tests/js/test_keymap.py checks they agree).
//
// An entry: {action, chords, description, group, scope}. A chord lists the modifiers to hold, then the key
// (a KeyboardEvent.key, letters in lower case) or, for a pointer gesture, what the mouse does.
// `scope` says who acts on it:
// - "editor": input.js calls the action's handler (after the active tool has declined the key);
// - "held": input.js, while the key is held (before the tool hears it);
// - "help": input.js, while the help dialog is open (it takes every key then);
// - "polygon" / "select": that tool's keyDown (editor/tools/), which hears each key first;
// - "pointer": the pointer handlers and tools (documented here, not dispatched).
// `anyModifiers`: the chord is pressed whatever else is held (Ctrl+Space still pans).

const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
const ARROWS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"];

export const GROUPS = ["Drawing", "Editing", "Viewing"];

export const KEYMAP = [
  // --- drawing ---
  { action: "polygonTool", chords: [["p"], ["n"]], description: "polygon tool", group: "Drawing", scope: "editor" },
  { action: "addVertex", chords: [["click"]], description: "add a vertex", group: "Drawing", scope: "pointer" },
  { action: "closePolygon", chords: [["Enter"]], group: "Drawing", scope: "polygon",
    description: "close the polygon (or click its first vertex, or double-click)" },
  { action: "removeLastVertex", chords: [["Backspace"], ["Delete"]], description: "remove the last vertex",
    group: "Drawing", scope: "polygon" },
  { action: "snapOnce", chords: [["Shift", "click"]], group: "Drawing", scope: "pointer",
    description: "snap to another polygon's vertex (shared) or edge" },
  { action: "toggleSnap", chords: [["s"]], description: "snap always on / off", group: "Drawing", scope: "editor" },
  { action: "followBorder", chords: [["b"]], group: "Drawing", scope: "polygon",
    description: "after snapping to two vertices of a neighbour: follow its border between them (again: the other way)" },
  { action: "trace", chords: [["t"]], group: "Drawing", scope: "held",
    description: "hold and move to trace: a vertex every 12 screen px along the path (or press and drag)" },
  { action: "cancelPolygon", chords: [["Escape"]], description: "cancel the polygon", group: "Drawing",
    scope: "polygon" },
  { action: "pickClass", chords: DIGITS.map((digit) => [digit]), group: "Drawing", scope: "editor",
    description: "pick a class; in the edit tool, give it to the selected polygon" },
  { action: "undo", chords: [["Ctrl", "z"]], description: "undo (up to 500 steps)", group: "Drawing", scope: "editor" },
  { action: "redo", chords: [["Ctrl", "Shift", "z"], ["Ctrl", "y"]], description: "redo", group: "Drawing",
    scope: "editor" },
  // --- editing ---
  { action: "selectTool", chords: [["v"]], description: "edit tool", group: "Editing", scope: "editor" },
  { action: "selectPolygon", chords: [["click"]], description: "select a polygon", group: "Editing",
    scope: "pointer" },
  { action: "moveVertex", chords: [["drag a vertex"]], group: "Editing", scope: "pointer",
    description: "move it, and the vertices shared with it (snapped onto it, or at exactly the same place)" },
  { action: "unshareVertex", chords: [["Shift", "drag a vertex"], ["Alt", "drag a vertex"]], group: "Editing",
    scope: "pointer", description: "move only this one: unshare it (Alt may be pressed during the drag)" },
  { action: "insertVertex", chords: [["drag a midpoint"]], description: "insert a vertex", group: "Editing",
    scope: "pointer" },
  { action: "deleteVertex", chords: [["Alt", "click a vertex"]], description: "delete it", group: "Editing",
    scope: "pointer" },
  { action: "movePolygon", chords: [["drag inside"]], description: "move the selected polygon", group: "Editing",
    scope: "pointer" },
  { action: "deleteSelected", chords: [["Delete"], ["Backspace"]], group: "Editing", scope: "select",
    description: "delete the selected vertex, or else the polygon" },
  { action: "addPart", chords: [["a"]], group: "Editing", scope: "editor",
    description: "add a part to the selected polygon: draw it, Enter closes" },
  { action: "addHole", chords: [["c"]], group: "Editing", scope: "editor",
    description: "cut a hole in the selected polygon: draw it, Enter closes" },
  { action: "clearSelection", chords: [["Escape"]], description: "clear the selection", group: "Editing",
    scope: "select" },
  // --- viewing ---
  { action: "zoomAtPointer", chords: [["wheel"]], description: "zoom at the pointer (up to 32x)", group: "Viewing",
    scope: "pointer" },
  { action: "zoomIn", chords: [["+"], ["="]], description: "zoom in", group: "Viewing", scope: "editor" },
  { action: "zoomOut", chords: [["-"], ["_"]], description: "zoom out", group: "Viewing", scope: "editor" },
  { action: "fit", chords: [["f"], ["0"]], description: "fit the image to the window", group: "Viewing",
    scope: "editor" },
  { action: "panHold", chords: [[" "]], anyModifiers: true, group: "Viewing", scope: "held",
    description: "hold and drag to pan (or drag with the middle button)" },
  { action: "pan", chords: ARROWS.map((arrow) => [arrow]), description: "pan", group: "Viewing", scope: "editor" },
  { action: "panFar", chords: ARROWS.map((arrow) => ["Shift", arrow]), description: "pan further",
    group: "Viewing", scope: "editor" },
  { action: "cycleOpacity", chords: [["o"]], description: "cycle fill opacity", group: "Viewing", scope: "editor" },
  { action: "toggleAllVisible", chords: [["h"]], description: "hide or show all polygons", group: "Viewing",
    scope: "editor" },
  { action: "toggleClassVisible", chords: [["g"]], group: "Viewing", scope: "editor",
    description: "hide or show the active class (or its eye in the class list)" },
  { action: "nextImage", chords: [["Shift", "n"]], description: "next image (workshop): saves everything first",
    group: "Viewing", scope: "editor" },
  { action: "openHelp", chords: [["?"]], description: "show this list", group: "Viewing", scope: "editor" },
  { action: "closeHelp", chords: [["Escape"], ["?"]], anyModifiers: true, description: "close this list",
    group: "Viewing", scope: "help" },
];

export const MODIFIERS = ["Ctrl", "Alt", "Shift"];
const KEY_NAMES = { " ": "Space", Escape: "Esc", ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑", ArrowDown: "↓" };

/** A KeyboardEvent.key as the table writes it: single characters in lower case (Caps Lock, Shift+N). */
export function normalKey(key) {
  return typeof key === "string" && key.length === 1 ? key.toLowerCase() : key;
}

/** Whether a key event ({key, ctrlKey, metaKey, altKey, shiftKey}) presses a chord: the key, Ctrl (or ⌘)
 *  and Alt exactly as listed, Shift held when listed and otherwise either way (Shift is how "?", "+" and
 *  "_" are typed). */
export function pressesChord(chord, event, anyModifiers = false) {
  const key = chord[chord.length - 1];
  if (normalKey(event.key) !== key) return false;
  if (anyModifiers) return true;
  const held = new Set(chord.slice(0, -1));
  if (Boolean(event.ctrlKey || event.metaKey) !== held.has("Ctrl")) return false;
  if (Boolean(event.altKey) !== held.has("Alt")) return false;
  return !held.has("Shift") || Boolean(event.shiftKey);
}

/** The entry of `scope` a key event asks for, or null; of several, the chord with more modifiers wins
 *  (Shift+N over N, Ctrl+Shift+Z over Ctrl+Z). */
export function entryFor(event, scope, keymap = KEYMAP) {
  let best = null;
  let bestModifiers = -1;
  for (const entry of keymap) {
    if (entry.scope !== scope) continue;
    for (const chord of entry.chords) {
      if (chord.length - 1 > bestModifiers && pressesChord(chord, event, entry.anyModifiers)) {
        best = entry;
        bestModifiers = chord.length - 1;
      }
    }
  }
  return best;
}

/** The entries of a scope with this key, whatever the modifiers (a held key is released by its key alone). */
export function entriesWithKey(key, scope, keymap = KEYMAP) {
  return keymap.filter((entry) => entry.scope === scope
    && entry.chords.some((chord) => chord[chord.length - 1] === normalKey(key)));
}

/** How a key is written for people: "Z", "Esc", "Space", "←". */
export function keyName(key) {
  if (KEY_NAMES[key]) return KEY_NAMES[key];
  return key.length === 1 ? key.toUpperCase() : key;
}

/** An entry's chords as pieces to print: [{text, key}] where `key` marks a key cap (a <kbd>, or `code` in
 *  Markdown) and the rest is plain text (joins and mouse gestures). A run of digits prints as "1"–"9". */
export function chordPieces(entry) {
  const pieces = [];
  const keys = entry.chords.map((chord) => chord.join("+"));
  if (keys.length > 2 && DIGITS.join("").includes(keys.join(""))) {
    return [{ text: keys[0], key: true }, { text: "–", key: false }, { text: keys[keys.length - 1], key: true }];
  }
  entry.chords.forEach((chord, index) => {
    if (index) pieces.push({ text: ", ", key: false });
    chord.forEach((part, at) => {
      if (at) pieces.push({ text: "+", key: false });
      const gesture = entry.scope === "pointer" && at === chord.length - 1;
      pieces.push(gesture ? { text: part, key: false } : { text: MODIFIERS.includes(part) ? part : keyName(part), key: true });
    });
  });
  return pieces;
}

/** An entry's chords as plain text: "Ctrl+Shift+Z, Ctrl+Y". */
export function chordText(entry) {
  return chordPieces(entry).map((piece) => piece.text).join("");
}

/** The README's shortcut table, one row per entry: | group (on its first row) | press | does |. */
export function markdownTable(keymap = KEYMAP) {
  const lines = ["| | press | does |", "|---|---|---|"];
  let group = null;
  for (const entry of keymap) {
    const press = chordPieces(entry).map((piece) => (piece.key ? `\`${piece.text}\`` : piece.text)).join("");
    lines.push(`| ${entry.group === group ? "" : `**${entry.group}**`} | ${press} | ${entry.description} |`);
    group = entry.group;
  }
  return lines.join("\n");
}
