// Layers: in a workshop each person's outlines are their own layer. The server marks every annotation as
// the asker's ("mine") or someone else's ("owner": {id: pseudonym, name}); others' are read-only here.
// Which layers are shown is plain state (no DOM), kept per image in localStorage (display_settings.js loads
// it, actions.js saves it).
//
// Visibility rules:
// - another person's layer follows its own switch if it has one, else the "all others" switch;
//   turning "all others" on or off resets every per-person switch, so it always does what it says;
// - hiding one's own layer hides the polygons that are there at that moment: drawing still works, and
//   what is drawn afterwards shows (so nobody draws blind).

export const MINE = "mine";
export const LAYERS_PREFIX = "annotator.layers.";

/** Whether an annotation is the person's own (older servers send no "mine": then everything is). */
export function isMine(annotation) {
  return Boolean(annotation) && annotation.mine !== false;
}

/** The layer an annotation belongs to: MINE, or its owner's pseudonym. */
export function layerKey(annotation) {
  if (isMine(annotation)) return MINE;
  return (annotation.owner && annotation.owner.id) || "unknown";
}

/** The name a layer is shown under: the owner's display name, else the pseudonym. */
export function ownerName(owner) {
  if (!owner) return "someone";
  return owner.name || owner.id || "someone";
}

/** The layers among `annotations`: Mine first (always), then one per other owner by shown name, each with
 *  {key, name, mine, count}. */
export function layersOf(annotations) {
  let own = 0;
  const others = new Map();
  for (const annotation of annotations) {
    if (isMine(annotation)) {
      own += 1;
      continue;
    }
    const key = layerKey(annotation);
    const layer = others.get(key) || { key, name: ownerName(annotation.owner), mine: false, count: 0 };
    layer.count += 1;
    others.set(key, layer);
  }
  const sorted = [...others.values()].sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  return [{ key: MINE, name: "Mine", mine: true, count: own }, ...sorted];
}

export class LayerVisibility {
  constructor({ othersShown = true, choices = {}, mineHidden = null } = {}) {
    this.othersShown = Boolean(othersShown);
    this.choices = new Map(Object.entries(choices).filter(([, shown]) => typeof shown === "boolean"));
    this.mineHidden = Array.isArray(mineHidden) ? new Set(mineHidden.map(String)) : null; // null: mine shown
    this.revision = 0; // rises with every change: the renderer's cached layer redraws on it
  }

  /** Whether the layer switch lets an annotation show (class and "hide all" switches: display_settings.js). */
  visible(annotation) {
    if (isMine(annotation)) return !(this.mineHidden && this.mineHidden.has(annotation.clientId));
    return this.layerShown(layerKey(annotation));
  }

  layerShown(key) {
    if (key === MINE) return this.mineHidden === null;
    return this.choices.has(key) ? this.choices.get(key) : this.othersShown;
  }

  /** Show or hide the own layer; hiding takes the ids of the own polygons there now. */
  setMine(shown, ownIds = []) {
    this.mineHidden = shown ? null : new Set(ownIds.map(String));
    this.revision += 1;
  }

  setLayer(key, shown) {
    if (key === MINE) throw new Error("use setMine for the own layer");
    this.choices.set(key, Boolean(shown));
    this.revision += 1;
  }

  setOthers(shown) {
    this.othersShown = Boolean(shown);
    this.choices.clear();
    this.revision += 1;
  }

  /** How the other layers among `keys` stand: "all" shown, "none", or "some" (an indeterminate switch). */
  othersState(keys) {
    const others = keys.filter((key) => key !== MINE);
    if (!others.length) return this.othersShown ? "all" : "none";
    const shown = others.filter((key) => this.layerShown(key)).length;
    if (shown === others.length) return "all";
    return shown === 0 ? "none" : "some";
  }

  /** What the hook and localStorage keep. */
  toJSON() {
    return {
      othersShown: this.othersShown,
      choices: Object.fromEntries(this.choices),
      mineHidden: this.mineHidden ? [...this.mineHidden] : null,
    };
  }

  static fromJSON(value) {
    if (!value || typeof value !== "object") return new LayerVisibility();
    return new LayerVisibility({
      othersShown: value.othersShown !== false,
      choices: value.choices && typeof value.choices === "object" ? value.choices : {},
      mineHidden: Array.isArray(value.mineHidden) ? value.mineHidden : null,
    });
  }
}

/** The layer switches kept for an image (a fresh set when none are, or storage is unavailable). */
export function loadLayers(storage, imageId) {
  try {
    const saved = storage && storage.getItem(`${LAYERS_PREFIX}${imageId}`);
    return LayerVisibility.fromJSON(saved ? JSON.parse(saved) : null);
  } catch (error) {
    return new LayerVisibility();
  }
}

export function saveLayers(storage, imageId, layers) {
  try {
    if (storage) storage.setItem(`${LAYERS_PREFIX}${imageId}`, JSON.stringify(layers.toJSON()));
  } catch (error) {
    // Storage full or forbidden: the switches hold for this page only.
  }
}
