// The side panel's Layers section: "Mine" and one row per other person whose outlines this browser was
// given (shared layers, or everyone's for the instructor), each with a visibility switch and a count, and an
// "All others" switch. It shows state; what the switches do comes from `actions`. Names are set as text.
// The section stays hidden while there is no one else's layer to show.

import { element } from "../common/dom.js";
import { MINE, layersOf } from "./layers.js";

export class LayersPanel {
  constructor(root, { store, layers, actions }) {
    this.store = store;
    this.layers = layers; // () => the LayerVisibility in use
    this.actions = actions;
    this.section = root.querySelector("#layers-panel");
    this.list = root.querySelector("#layer-list");
    this.others = root.querySelector("#layers-others");
    this.pending = false;
    this.byPointer = false;
    this.bind();
  }

  bind() {
    // A switch flipped with the mouse gives focus back to the stage, so the editor's keys keep working.
    this.section.addEventListener("pointerdown", () => {
      this.byPointer = true;
    });
    this.section.addEventListener("change", (event) => {
      const box = event.target;
      if (box === this.others) this.actions.setOthersVisible(box.checked);
      else if (box.dataset && box.dataset.layer) this.actions.setLayerVisible(box.dataset.layer, box.checked);
      if (this.byPointer) this.actions.focusStage();
      this.byPointer = false;
    });
  }

  /** Rebuild at the next frame (many changes in one task rebuild it once). */
  changed() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const layers = layersOf(this.store.list());
    const visibility = this.layers();
    const others = layers.filter((layer) => !layer.mine);
    this.section.hidden = others.length === 0;
    const fragment = document.createDocumentFragment();
    for (const layer of layers) {
      const item = element(document, "li", { className: `layer-row${layer.mine ? " mine" : ""}` });
      const label = element(document, "label");
      const box = element(document, "input");
      box.type = "checkbox";
      box.dataset.layer = layer.key;
      box.checked = visibility.layerShown(layer.key);
      const name = element(document, "span", { className: "layer-name", text: layer.name });
      name.title = layer.mine ? "Your own outlines" : `${layer.name} (${layer.key}): read-only`;
      label.append(box, name, element(document, "span", { className: "layer-count", text: String(layer.count) }));
      item.append(label);
      fragment.append(item);
    }
    this.list.replaceChildren(fragment);
    const state = visibility.othersState(layers.map((layer) => layer.key).filter((key) => key !== MINE));
    this.others.checked = state !== "none";
    this.others.indeterminate = state === "some";
  }
}
