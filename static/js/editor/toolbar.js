// The toolbar and status bar: tool buttons, undo/redo, the active class, fill opacity, zoom readout,
// the save state badge and a line for messages. It shows state; what its buttons do comes from `actions`.
// The keys on its buttons, in their titles and in its hints are the keymap's (key_names.js).

import { keyOf, labelKeys } from "./key_names.js";

const SAVE_TEXT = { saved: "All saved", saving: "Saving…", offline: "Offline: will retry" };
const MESSAGE_MS = 8000;

export class Toolbar {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      tools: [...root.querySelectorAll("[data-tool]")],
      undo: $("undo"), redo: $("redo"),
      activeClass: $("active-class"), activeSwatch: $("active-swatch"), activeName: $("active-name"),
      opacity: $("opacity"), opacityValue: $("opacity-value"),
      zoomReadout: $("zoom-readout"), zoomIn: $("zoom-in"), zoomOut: $("zoom-out"), zoomFit: $("zoom-fit"),
      zoomActual: $("zoom-actual"), saveState: $("save-state"), help: $("help-button"),
      snap: $("snap-toggle"), addPart: $("add-part"), addHole: $("add-hole"), hideAll: $("hide-all"),
      brightness: $("brightness"), contrast: $("contrast"), followBorder: $("follow-border"),
      cursor: $("cursor-position"), message: $("message"), hint: $("hint"), nextImage: $("next-image"),
    };
    this.messageTimer = null;
    labelKeys(root);
    this.bind();
  }

  bind() {
    const { el, actions } = this;
    // A button clicked with the mouse gives focus back to the stage, so Space and Enter keep their editor meaning.
    const click = (button, handler) => button.addEventListener("click", (event) => {
      handler(event);
      if (event.detail > 0) actions.focusStage();
    });
    for (const button of el.tools) click(button, () => actions.setTool(button.dataset.tool));
    click(el.undo, () => actions.undo());
    click(el.redo, () => actions.redo());
    click(el.zoomIn, () => actions.zoomStep(1, null, "button"));
    click(el.zoomOut, () => actions.zoomStep(-1, null, "button"));
    click(el.zoomFit, () => actions.fit("button"));
    click(el.zoomActual, () => actions.zoomTo(1, "button"));
    click(el.help, () => actions.toggleHelp(true));
    if (el.snap) click(el.snap, () => actions.toggleSnap());
    if (el.addPart) click(el.addPart, () => actions.addRing(false, "button"));
    if (el.hideAll) click(el.hideAll, () => actions.toggleAllVisible("button"));
    if (el.followBorder) click(el.followBorder, () => actions.followBorder());
    for (const name of ["brightness", "contrast"]) {
      const slider = el[name];
      if (!slider) continue;
      slider.addEventListener("input", () => actions.setImageFilter(name, Number(slider.value) / 100));
      slider.addEventListener("change", () => actions.focusStage());
    }
    if (el.addHole) click(el.addHole, () => actions.addRing(true, "button"));
    if (el.nextImage) click(el.nextImage, () => actions.nextImage("button"));
    el.activeClass.addEventListener("click", () => actions.focusClassFilter());
    el.saveState.addEventListener("click", () => actions.retrySaves());
    el.opacity.addEventListener("input", () => actions.setOpacity(Number(el.opacity.value) / 100));
    el.opacity.addEventListener("change", () => actions.focusStage());
  }

  showTool(name) {
    for (const button of this.el.tools) button.setAttribute("aria-pressed", String(button.dataset.tool === name));
    this.root.dataset.tool = name;
    this.el.hint.textContent = name === "polygon"
      ? `Click to add vertices · drag to trace · ${keyOf("snapOnce")} snaps · ${keyOf("followBorder")} follows a border · `
        + `${keyOf("closePolygon")} closes · ${keyOf("cancelPolygon")} cancels · ${keyOf("openHelp")} keys`
      : `Click a polygon · drag vertices or midpoints (${keyOf("unshareVertex")}: unshare) · `
        + `${keyOf("deleteVertex")} deletes it · ${keyOf("openHelp")} keys`;
  }

  showBorderOffer(on) {
    if (this.el.followBorder) this.el.followBorder.hidden = !on;
  }

  showVisibility(settings) {
    if (this.el.hideAll) this.el.hideAll.setAttribute("aria-pressed", String(settings.hideAll));
  }

  showImageFilter(settings) {
    for (const name of ["brightness", "contrast"]) {
      if (this.el[name]) this.el[name].value = String(Math.round(settings[name] * 100));
    }
  }

  showSnap(on) {
    if (this.el.snap) this.el.snap.setAttribute("aria-pressed", String(on));
  }

  showHistory(history) {
    this.el.undo.disabled = !history.canUndo;
    this.el.redo.disabled = !history.canRedo;
  }

  showActiveClass(category) {
    this.el.activeSwatch.style.background = category ? category.colour : "transparent";
    this.el.activeName.textContent = category ? category.name : "none";
    this.el.activeClass.title = category ? category.definition || category.name : "";
  }

  showOpacity(opacity) {
    const percent = Math.round(opacity * 100);
    this.el.opacity.value = String(percent);
    this.el.opacityValue.textContent = `${percent}%`;
  }

  showZoom(scale) {
    const percent = scale * 100;
    this.el.zoomReadout.textContent = `${percent >= 100 ? Math.round(percent) : percent.toFixed(percent < 10 ? 1 : 0)}%`;
  }

  showSaveState(state, pending, retryAt) {
    const badge = this.el.saveState;
    badge.dataset.state = state;
    let text = SAVE_TEXT[state] || state;
    if (state !== "saved" && pending > 1) text += ` (${pending})`;
    badge.textContent = text;
    badge.title = state === "offline"
      ? `The server cannot be reached. Your work is kept in this browser and sent when it can be${
        retryAt ? ` (next try ${new Date(retryAt).toLocaleTimeString()})` : ""}. Click to try now.`
      : state === "saving" ? "Sending your latest edits to the server." : "Every polygon and edit is on the server.";
  }

  showCursor(point) {
    this.el.cursor.textContent = point ? `x ${point[0].toFixed(1)}  y ${point[1].toFixed(1)}` : "";
  }

  message(text, level = "info") {
    const line = this.el.message;
    line.textContent = text;
    line.dataset.level = level;
    clearTimeout(this.messageTimer);
    this.messageTimer = setTimeout(() => {
      line.textContent = "";
    }, level === "error" ? MESSAGE_MS * 2 : MESSAGE_MS);
  }
}
