// The side panel: the class picker (colour, number key, name; the definition as a tooltip and under the
// list) and the polygon list (class, vertex count, the ledger's time and clicks; click selects, hover
// highlights on the canvas). The list holds the person's own polygons; a flagged one carries a badge with its
// reason as a tooltip. Others' layers are listed in the Layers section (layers_panel.js).
// Every name is set as text, never as HTML.

import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { flagBadge } from "./flags.js";
import { isMine } from "./layers.js";
import { vertexCount } from "./store.js";

/** Scroll a list so an item of it shows, moving nothing else on the page (scrollIntoView would). */
function reveal(list, item) {
  const outer = list.getBoundingClientRect();
  const inner = item.getBoundingClientRect();
  if (inner.top < outer.top) list.scrollTop -= outer.top - inner.top;
  else if (inner.bottom > outer.bottom) list.scrollTop += inner.bottom - outer.bottom;
}

/** An eye, drawn (no emoji font needed); CSS strikes it through when the class is hidden. */
function eyeIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  const outline = document.createElementNS(ns, "path");
  outline.setAttribute("d", "M1 8s2.6-4.5 7-4.5S15 8 15 8s-2.6 4.5-7 4.5S1 8 1 8z");
  const pupil = document.createElementNS(ns, "circle");
  pupil.setAttribute("cx", "8");
  pupil.setAttribute("cy", "8");
  pupil.setAttribute("r", "2.2");
  const slash = document.createElementNS(ns, "path");
  slash.setAttribute("class", "eye-slash");
  slash.setAttribute("d", "M2.5 13.5l11-11");
  svg.append(outline, pupil, slash);
  return svg;
}

function swatch(colour) {
  const node = element(document, "span", { className: "swatch" });
  node.style.background = colour || "transparent";
  return node;
}

export class Panel {
  constructor(root, { store, sync, actions, figures }) {
    this.store = store;
    this.sync = sync;
    this.figures = figures;
    this.actions = actions;
    this.classList = root.querySelector("#class-list");
    this.classFilter = root.querySelector("#class-filter");
    this.definition = root.querySelector("#class-definition");
    this.polygonList = root.querySelector("#polygon-list");
    this.polygonCount = root.querySelector("#polygon-count");
    this.polygonEmpty = root.querySelector("#polygon-empty");
    this.classButtons = new Map();
    this.eyeButtons = new Map();
    this.polygonItems = new Map();
    this.pending = false;
    this.buildClasses();
    this.bind();
  }

  buildClasses() {
    const fragment = document.createDocumentFragment();
    this.store.categories.forEach((category, index) => {
      const item = element(document, "li");
      const button = element(document, "button", { className: "class-button" });
      button.type = "button";
      button.dataset.categoryId = String(category.id);
      button.title = category.definition || category.name;
      button.setAttribute("aria-pressed", "false");
      button.append(swatch(category.colour), element(document, "span", { className: "class-key",
        text: index < 9 ? String(index + 1) : "" }),
        element(document, "span", { className: "class-name", text: category.name }),
          element(document, "span", { className: "class-super", text: category.supercategory || "" }));
      const eye = element(document, "button", { className: "class-eye" });
      eye.append(eyeIcon());
      eye.type = "button";
      eye.dataset.eyeCategory = String(category.id);
      eye.title = `Hide or show the ${category.name} polygons`;
      eye.setAttribute("aria-label", `Show ${category.name}`);
      eye.setAttribute("aria-pressed", "true");
      item.append(button, eye);
      fragment.append(item);
      this.classButtons.set(category.id, button);
      this.eyeButtons.set(category.id, eye);
    });
    this.classList.append(fragment);
  }

  bind() {
    this.classList.addEventListener("click", (event) => {
      const eye = event.target.closest(".class-eye");
      if (eye) {
        this.actions.toggleClassVisible(Number(eye.dataset.eyeCategory), "picker");
        if (event.detail > 0) this.actions.focusStage();
        return;
      }
      const button = event.target.closest(".class-button");
      if (!button) return;
      this.actions.pickClass(Number(button.dataset.categoryId), "picker");
      if (event.detail > 0) this.actions.focusStage();
    });
    this.classFilter.addEventListener("input", () => this.filterClasses());
    this.classFilter.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const first = [...this.classButtons.values()].find((button) => !button.parentElement.hidden);
      if (first) first.click();
      this.classFilter.value = "";
      this.filterClasses();
      this.showActiveClass();
      this.actions.focusStage();
      event.preventDefault();
    });
    this.polygonList.addEventListener("click", (event) => {
      const item = event.target.closest("[data-client-id]");
      if (!item) return;
      this.actions.selectFromList(item.dataset.clientId);
      if (event.detail > 0) this.actions.focusStage();
    });
    this.polygonList.addEventListener("pointerover", (event) => {
      const item = event.target.closest("[data-client-id]");
      this.store.setHover(item ? item.dataset.clientId : null);
    });
    this.polygonList.addEventListener("pointerleave", () => this.store.setHover(null));
  }

  filterClasses() {
    const text = this.classFilter.value.trim().toLowerCase();
    for (const category of this.store.categories) {
      const button = this.classButtons.get(category.id);
      const haystack = `${category.name} ${category.supercategory || ""}`.toLowerCase();
      button.parentElement.hidden = Boolean(text) && !haystack.includes(text);
    }
  }

  /** The eye toggles: pressed while the class is shown. */
  showVisibility(settings) {
    for (const [id, eye] of this.eyeButtons) {
      const shown = !settings.hiddenCategories.has(id);
      eye.setAttribute("aria-pressed", String(shown));
      eye.classList.toggle("off", !shown || settings.hideAll);
    }
  }

  showActiveClass() {
    const activeId = this.store.activeCategoryId;
    for (const [id, button] of this.classButtons) button.setAttribute("aria-pressed", String(id === activeId));
    const category = this.store.category(activeId);
    this.definition.textContent = category ? `${category.name}: ${category.definition || "no definition"}` : "";
    const button = this.classButtons.get(activeId);
    if (button && !button.parentElement.hidden) reveal(this.classList, button.parentElement);
  }

  /** Rebuild the polygon list at the next frame (many changes in one task rebuild it once). */
  polygonsChanged() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.renderPolygons();
    });
  }

  renderPolygons() {
    const annotations = this.store.list().filter(isMine);
    const fragment = document.createDocumentFragment();
    this.polygonItems.clear();
    annotations.forEach((annotation, index) => {
      const category = this.store.category(annotation.categoryId);
      const item = element(document, "li");
      const button = element(document, "button", { className: "polygon-item" });
      button.type = "button";
      button.dataset.clientId = annotation.clientId;
      const count = vertexCount(annotation);
      button.append(element(document, "span", { className: "polygon-number", text: String(index + 1) }),
        swatch(category && category.colour),
        element(document, "span", { className: "polygon-class",
          text: category ? category.name : `class ${annotation.categoryId}` }),
        element(document, "span", { className: "polygon-vertices", text: `${count} pts` }),
          element(document, "span", { className: "polygon-sync" }),
        element(document, "span", { className: "polygon-labour" }));
      const badge = flagBadge(annotation.flag);
      if (badge) {
        const mark = element(document, "span", { className: `polygon-flag${badge.resolved ? " resolved" : ""}`,
          text: badge.text });
        mark.title = badge.title;
        mark.setAttribute("aria-label", badge.title);
        button.querySelector(".polygon-class").prepend(mark);
      }
      item.append(button);
      fragment.append(item);
      this.polygonItems.set(annotation.clientId, button);
    });
    this.polygonList.replaceChildren(fragment);
    this.polygonCount.textContent = String(annotations.length);
    this.polygonEmpty.hidden = annotations.length > 0;
    this.showSelection();
    this.showSync();
    this.showFigures();
  }

  /** Each polygon's time and clicks as the ledger has them ("…" until its events reached the server). */
  showFigures() {
    for (const [clientId, button] of this.polygonItems) {
      const figure = this.figures && this.figures.figure(this.sync.serverClientId(clientId));
      const line = button.querySelector(".polygon-labour");
      if (!figure) {
        line.textContent = "…";
        line.title = "Time not yet counted: its events have not reached the server.";
        continue;
      }
      const clicks = `${figure.clicks} click${figure.clicks === 1 ? "" : "s"}`;
      line.textContent = `${formatDuration(figure.total_ms)} · ${clicks}`;
      line.title = `draw ${formatDuration(figure.draw_ms)}, search ${formatDuration(figure.search_ms)}, `
        + `edit ${formatDuration(figure.edit_ms)}; ${figure.vertices_placed} vertices placed `
        + `(${figure.clicks} by click, ${figure.traced} traced, ${figure.followed} along a border)`;
    }
  }

  showSelection() {
    const { id } = this.store.selection;
    for (const [clientId, button] of this.polygonItems) {
      const selected = clientId === id;
      button.setAttribute("aria-current", selected ? "true" : "false");
      button.classList.toggle("hovered", clientId === this.store.hoverId);
      if (selected) reveal(this.polygonList, button.parentElement);
    }
  }

  showHover() {
    for (const [clientId, button] of this.polygonItems) button.classList.toggle("hovered", clientId === this.store.hoverId);
  }

  showSync() {
    for (const [clientId, button] of this.polygonItems) {
      const unsaved = this.sync.claims(clientId);
      button.classList.toggle("unsaved", unsaved);
      button.title = unsaved ? "Not yet saved" : "Saved";
    }
  }
}
