// The document: the image's annotations keyed by client id, the selection, the active class and the
// polygon under the pointer. Every change goes through a method here, which emits one change event
// ({type, id, origin}); rendering, the polygon list and saving all follow those events.
//
// An annotation is an immutable value: {clientId, categoryId, parts: [{ring: [[x, y], ...], hole}],
// serverId, version, flag, mine, owner}. Changing one replaces it, so a command can keep the value it replaced.
// `flag` is null or a flag (flags.js); `mine` false marks someone else's annotation (read-only, see layers.js),
// `owner` {id, name} says whose it is.
// `origin` says who changed it: "edit" (the person, through a command: to be saved) or "server" (an
// answer or a reload: already saved).

import { categoryFromServer, flagFromServer } from "./flags.js";
import { fromFlat, toFlat } from "./geometry.js";
import { linked, sharedWith, unlinked } from "./snap.js";

export const EDIT = "edit";
export const SERVER = "server";
export const DECIMALS = 2; // stored coordinates: 0.01 px, well inside the server's 0.001 px precision

export function roundCoordinate(value) {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
}

export function roundPoint([x, y]) {
  return [roundCoordinate(x), roundCoordinate(y)];
}

/** Server parts ({points: flat, hole}) -> editor parts ({ring, hole}). */
export function partsFromServer(parts) {
  return parts.map((part) => ({ ring: fromFlat(part.points), hole: Boolean(part.hole) }));
}

/** Editor parts -> server parts. */
export function partsToServer(parts) {
  return parts.map((part) => ({ points: toFlat(part.ring), hole: part.hole }));
}

export function sameParts(a, b) {
  return JSON.stringify(partsToServer(a)) === JSON.stringify(partsToServer(b));
}

export function vertexCount(annotation) {
  return annotation.parts.reduce((sum, part) => sum + part.ring.length, 0);
}

/** An annotation value from a server answer (GET list, POST, PATCH). While a flag is open its class is the
 *  person's pick (the server stores the void class meanwhile). */
export function annotationFromServer(item, clientId = item.client_id) {
  return Object.freeze({
    clientId,
    categoryId: categoryFromServer(item),
    parts: partsFromServer(item.parts),
    serverId: item.id,
    version: item.version,
    flag: flagFromServer(item.flag),
    mine: item.mine !== false,
    owner: item.owner || null,
  });
}

export class Store {
  constructor({ categories = [], annotations = [] } = {}) {
    this.categories = categories;
    this.categoryIndex = new Map(categories.map((category) => [category.id, category]));
    this.annotations = new Map();
    for (const annotation of annotations) this.annotations.set(annotation.clientId, Object.freeze({ ...annotation }));
    this.selection = { id: null, vertex: null }; // vertex: {part, index} of the selected annotation
    this.activeCategoryId = categories.length ? categories[0].id : null;
    this.hoverId = null;
    this.links = []; // shared vertices: sets of {clientId, ring, index} made to coincide by snapping (snap.js)
    this.revision = 0; // rises with every change to an annotation: the base layer redraws on it
    this.listeners = new Set();
  }

  // --- reading ---

  get(id) {
    return this.annotations.get(id) || null;
  }

  has(id) {
    return this.annotations.has(id);
  }

  /** Annotations in drawing order (oldest first, so the newest is drawn on top). */
  list() {
    return [...this.annotations.values()];
  }

  category(id) {
    return this.categoryIndex.get(id) || null;
  }

  get selected() {
    return this.get(this.selection.id);
  }

  // --- annotations ---

  /** Add an annotation (at `index` in the drawing order, or last). */
  add(annotation, { index = null, origin = EDIT } = {}) {
    const value = Object.freeze({ serverId: null, version: null, ...annotation });
    if (index === null || index >= this.annotations.size) {
      this.annotations.delete(value.clientId);
      this.annotations.set(value.clientId, value);
    } else {
      const entries = [...this.annotations.entries()].filter(([key]) => key !== value.clientId);
      entries.splice(Math.max(0, index), 0, [value.clientId, value]);
      this.annotations = new Map(entries);
    }
    this.changed("add", value.clientId, origin);
    return value;
  }

  /** Remove an annotation; returns {annotation, index} of what was removed, or null. */
  remove(id, { origin = EDIT } = {}) {
    const annotation = this.get(id);
    if (!annotation) return null;
    const index = [...this.annotations.keys()].indexOf(id);
    this.annotations.delete(id);
    if (this.selection.id === id) this.setSelection(null, null);
    if (this.hoverId === id) this.setHover(null);
    this.changed("remove", id, origin);
    return { annotation, index };
  }

  setParts(id, parts, { origin = EDIT } = {}) {
    if (!this.update(id, { parts })) return;
    const vertex = this.selection.id === id ? this.selection.vertex : null;
    if (vertex && !(parts[vertex.part] && vertex.index < parts[vertex.part].ring.length)) {
      this.setSelection(id, null);
    }
    this.changed("parts", id, origin);
  }

  setCategory(id, categoryId, { origin = EDIT } = {}) {
    if (!this.update(id, { categoryId })) return;
    this.changed("category", id, origin);
  }

  setFlag(id, flag, { origin = EDIT } = {}) {
    if (!this.update(id, { flag: flag || null })) return;
    this.changed("flag", id, origin);
  }

  /** The server's id and version for an annotation (after a save); no edit to save. */
  setServerMeta(id, { serverId, version }) {
    if (!this.update(id, { serverId, version })) return;
    this.changed("meta", id, SERVER);
  }

  update(id, fields) {
    const annotation = this.get(id);
    if (!annotation) return false;
    this.annotations.set(id, Object.freeze({ ...annotation, ...fields }));
    return true;
  }

  // --- shared vertices (not part of the saved document: each annotation is saved on its own) ---

  /** Link two vertex references {clientId, ring, index}: dragging one later moves both. */
  link(a, b) {
    this.links = linked(this.links, a, b);
  }

  unlink(ref) {
    this.links = unlinked(this.links, ref);
  }

  /** The other vertices sharing the position of vertex `ref` (see snap.js sharedWith): linked ones, and
   *  those of the annotations `include` accepts that sit at exactly the same coordinates. */
  sharedWith(ref, include = () => true) {
    return sharedWith((id) => this.get(id), this.links, ref, this.list().filter(include));
  }

  // --- selection, active class, hover ---

  select(id, vertex = null) {
    if (id !== null && !this.has(id)) return;
    this.setSelection(id, id === null ? null : vertex);
  }

  setSelection(id, vertex) {
    const same = this.selection.id === id && JSON.stringify(this.selection.vertex) === JSON.stringify(vertex);
    if (same) return;
    this.selection = { id, vertex };
    this.emit({ type: "selection", id, origin: EDIT });
  }

  setActiveCategory(categoryId) {
    if (!this.categoryIndex.has(categoryId) || this.activeCategoryId === categoryId) return;
    this.activeCategoryId = categoryId;
    this.emit({ type: "active-category", id: null, origin: EDIT });
  }

  setHover(id) {
    if (this.hoverId === id) return;
    this.hoverId = id;
    this.emit({ type: "hover", id, origin: EDIT });
  }

  // --- listening ---

  /** Listen to every change; returns a function that stops listening. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(type, id, origin) {
    this.revision += 1;
    this.emit({ type, id, origin });
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }
}
