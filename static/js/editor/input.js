// Pointer, wheel and keyboard events of the stage, turned into tool calls, view changes and shortcuts.
// Tools get {image: [x, y], screen: [x, y], button, altKey, shiftKey, time}; the keyboard goes to the
// help overlay first, then the held keys (Space, T), then the active tool (Enter, Escape, Backspace...), then
// the editor's shortcuts. Which key does what is the keymap's (common/keymap.js); the handlers are below.

import { entriesWithKey, entryFor } from "../common/keymap.js";

const PAN_STEP_PX = 60;
const WHEEL_ZOOM_RATE = 0.0015; // per wheel pixel: one notch (100 px) zooms by about 16%
const PINCH_ZOOM_RATE = 0.01;

/** Typing in these must not trigger shortcuts. */
export function isTextField(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag !== "input") return false;
  return !["button", "checkbox", "radio", "range", "color", "submit", "reset"].includes((target.type || "").toLowerCase());
}

export class Input {
  constructor({ stage, surface, view, tool, actions }) {
    this.stage = stage; // the element whose box the view maps to
    this.surface = surface; // the top canvas, which takes pointer events
    this.view = view;
    this.tool = tool; // () => active tool
    this.actions = actions;
    this.spaceHeld = false;
    this.traceHeld = false; // T held: the polygon tool traces the pointer's path without a pressed button
    this.pan = null; // {pointerId, last: [x, y], moved}
    this.lastPointer = null;
    this.bind();
  }

  pointerOf(event) {
    const rect = this.stage.getBoundingClientRect();
    const screen = [event.clientX - rect.left, event.clientY - rect.top];
    return {
      screen,
      image: this.view.screenToImage(screen[0], screen[1]),
      button: event.button,
      buttons: event.buttons,
      altKey: event.altKey,
      shiftKey: event.shiftKey,
      traceKey: this.traceHeld,
      time: performance.now(),
    };
  }

  bind() {
    const { surface } = this;
    surface.addEventListener("pointerdown", (event) => this.pointerDown(event));
    surface.addEventListener("pointermove", (event) => this.pointerMove(event));
    surface.addEventListener("pointerup", (event) => this.pointerUp(event));
    surface.addEventListener("pointercancel", (event) => this.pointerUp(event));
    surface.addEventListener("pointerleave", () => {
      this.lastPointer = null;
      this.actions.pointerAt(null);
      if (!this.pan) this.tool().pointerLeave();
    });
    surface.addEventListener("dblclick", (event) => {
      event.preventDefault();
      if (!this.pan && event.button === 0) this.tool().doubleClick(this.pointerOf(event));
    });
    surface.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
    surface.addEventListener("contextmenu", (event) => event.preventDefault());
    surface.addEventListener("auxclick", (event) => event.preventDefault());
    window.addEventListener("keydown", (event) => this.keyDown(event));
    window.addEventListener("keyup", (event) => this.keyUp(event));
    window.addEventListener("blur", () => {
      this.spaceHeld = false;
      this.traceHeld = false;
      this.updateCursor();
    });
  }

  updateCursor() {
    if (this.pan) this.surface.style.cursor = "grabbing";
    else if (this.spaceHeld) this.surface.style.cursor = "grab";
    else this.surface.style.cursor = this.toolCursor || this.tool().cursor;
  }

  setToolCursor(cursor) {
    this.toolCursor = cursor;
    this.updateCursor();
  }

  pointerDown(event) {
    event.preventDefault();
    this.actions.focusStage();
    if (this.pan) return;
    const panning = event.button === 1 || (event.button === 0 && this.spaceHeld);
    this.surface.setPointerCapture(event.pointerId);
    if (panning) {
      this.pan = { pointerId: event.pointerId, last: [event.clientX, event.clientY], moved: 0 };
      this.updateCursor();
      return;
    }
    this.tool().pointerDown(this.pointerOf(event));
  }

  pointerMove(event) {
    if (this.pan) {
      if (event.pointerId !== this.pan.pointerId) return;
      const dx = event.clientX - this.pan.last[0];
      const dy = event.clientY - this.pan.last[1];
      this.pan.last = [event.clientX, event.clientY];
      this.pan.moved += Math.abs(dx) + Math.abs(dy);
      this.actions.panBy(dx, dy, null);
      return;
    }
    const pointer = this.pointerOf(event);
    this.lastPointer = pointer;
    this.actions.pointerAt(pointer.image);
    this.tool().pointerMove(pointer);
  }

  pointerUp(event) {
    if (this.surface.hasPointerCapture(event.pointerId)) this.surface.releasePointerCapture(event.pointerId);
    if (this.pan) {
      if (event.pointerId !== this.pan.pointerId) return;
      const moved = this.pan.moved;
      this.pan = null;
      this.updateCursor();
      if (moved) this.actions.panEnded(event.button === 1 ? "middle-drag" : "space-drag");
      return;
    }
    this.tool().pointerUp(this.pointerOf(event));
  }

  /** Shift or Alt pressed or released over a still pointer: the tool hears it (snap targets show at once). */
  modifierChanged(event) {
    if (!this.lastPointer || this.pan) return;
    this.lastPointer = { ...this.lastPointer, shiftKey: event.shiftKey, altKey: event.altKey };
    this.tool().pointerMove(this.lastPointer);
  }

  /** After the view moved under a still pointer: the tool hears where the pointer now is on the image. */
  refreshPointer() {
    if (!this.lastPointer || this.pan) return;
    const screen = this.lastPointer.screen;
    this.lastPointer = { ...this.lastPointer, image: this.view.screenToImage(screen[0], screen[1]) };
    this.actions.pointerAt(this.lastPointer.image);
    this.tool().pointerMove(this.lastPointer);
  }

  wheel(event) {
    event.preventDefault();
    const rect = this.stage.getBoundingClientRect();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? rect.height : 1;
    const rate = event.ctrlKey ? PINCH_ZOOM_RATE : WHEEL_ZOOM_RATE;
    const factor = Math.exp(-event.deltaY * unit * rate);
    this.actions.zoomBy(factor, event.clientX - rect.left, event.clientY - rect.top, "wheel");
  }

  keyDown(event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === "Shift" || event.key === "Alt") this.modifierChanged(event);
    if (isTextField(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (this.actions.helpOpen()) {
      this.press(entryFor(event, "help"), event); // the open help takes every key
      return;
    }
    if (this.press(entryFor(event, "held"), event)) return;
    if (event.target && event.target.type === "range" && event.key.startsWith("Arrow")) return; // the slider's own keys
    if (this.tool().keyDown(event)) {
      event.preventDefault();
      return;
    }
    this.press(entryFor(event, "editor"), event);
  }

  keyUp(event) {
    if (event.key === "Shift" || event.key === "Alt") this.modifierChanged(event);
    for (const entry of entriesWithKey(event.key, "held")) HELD_RELEASES[entry.action](this);
  }

  /** Run a keymap entry's handler; a handled key does nothing else (no scrolling, no button press). */
  press(entry, event) {
    if (!entry) return false;
    KEY_HANDLERS[entry.action](this, event);
    event.preventDefault();
    return true;
  }

  /** Where a keyed zoom centres: the pointer over the stage, else the stage's middle. */
  zoomCentre() {
    if (this.lastPointer) return this.lastPointer.screen;
    const rect = this.stage.getBoundingClientRect();
    return [rect.width / 2, rect.height / 2];
  }
}

const PAN_DIRECTIONS = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

function panKey(input, event, step) {
  const [dx, dy] = PAN_DIRECTIONS[event.key];
  input.actions.panBy(dx * step, dy * step, "arrow-key");
}

/** What each action of the keymap (common/keymap.js) that this module dispatches does: (input, event). */
export const KEY_HANDLERS = {
  closeHelp: (input) => input.actions.toggleHelp(false),
  openHelp: (input) => input.actions.toggleHelp(true),
  panHold(input) {
    if (input.spaceHeld) return; // the key repeats while held
    input.spaceHeld = true;
    input.updateCursor();
  },
  trace(input) {
    input.traceHeld = true; // the polygon tool traces the pointer's path without a pressed button
  },
  undo: (input) => input.actions.undo(),
  redo: (input) => input.actions.redo(),
  pan: (input, event) => panKey(input, event, PAN_STEP_PX),
  panFar: (input, event) => panKey(input, event, PAN_STEP_PX * 4),
  pickClass: (input, event) => input.actions.pickClassNumber(Number(event.key)),
  selectTool: (input) => input.actions.setTool("select"),
  polygonTool: (input) => input.actions.setTool("polygon"),
  nextImage: (input) => input.actions.nextImage("key"),
  cycleOpacity: (input) => input.actions.cycleOpacity(),
  toggleSnap: (input) => input.actions.toggleSnap(),
  toggleAllVisible: (input) => input.actions.toggleAllVisible(),
  toggleClassVisible: (input) => input.actions.toggleClassVisible(),
  addPart: (input) => input.actions.addRing(false),
  addHole: (input) => input.actions.addRing(true),
  fit: (input) => input.actions.fit("key"),
  zoomIn: (input) => input.actions.zoomStep(1, input.zoomCentre(), "key"),
  zoomOut: (input) => input.actions.zoomStep(-1, input.zoomCentre(), "key"),
};

/** The held keys' releases. */
export const HELD_RELEASES = {
  panHold(input) {
    input.spaceHeld = false;
    input.updateCursor();
  },
  trace(input) {
    input.traceHeld = false;
  },
};
