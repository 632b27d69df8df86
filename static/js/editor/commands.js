// Commands for the undo history: each is {label, kind, annotationId, apply(), revert()} and changes the
// document only through the store (origin "edit", so every apply and revert is saved like any edit).
// A command captures the values it needs when it is made, so undoing restores exactly what was there.
// The pure part-editing functions below make new parts and never change the ones they are given.

import { sameFlag } from "./flags.js";
import { roundPoint } from "./store.js";

export const MIN_RING_VERTICES = 3;

// --- pure edits of parts ({ring: [[x, y], ...], hole}) ---

function replaceRing(parts, partIndex, ring) {
  return parts.map((part, index) => (index === partIndex ? { ...part, ring } : part));
}

export function withVertexMoved(parts, partIndex, vertexIndex, point) {
  const ring = parts[partIndex].ring.map((p, index) => (index === vertexIndex ? roundPoint(point) : p));
  return replaceRing(parts, partIndex, ring);
}

/** A new vertex on edge `edgeIndex` (from vertex edgeIndex to the next): it becomes vertex edgeIndex + 1. */
export function withVertexInserted(parts, partIndex, edgeIndex, point) {
  const ring = [...parts[partIndex].ring];
  ring.splice(edgeIndex + 1, 0, roundPoint(point));
  return replaceRing(parts, partIndex, ring);
}

/** Null when the ring would keep fewer than three vertices. */
export function withVertexDeleted(parts, partIndex, vertexIndex) {
  const ring = parts[partIndex].ring.filter((_, index) => index !== vertexIndex);
  if (ring.length < MIN_RING_VERTICES) return null;
  return replaceRing(parts, partIndex, ring);
}

export function translated(parts, dx, dy) {
  return parts.map((part) => ({ ...part, ring: part.ring.map(([x, y]) => roundPoint([x + dx, y + dy])) }));
}

/** A ring drawn onto an annotation: another part, or a hole, last in its parts (its points rounded). */
export function withRingAdded(parts, points, hole) {
  return [...parts, { ring: points.map(roundPoint), hole: Boolean(hole) }];
}

export function withPartAdded(parts, points) {
  return withRingAdded(parts, points, false);
}

export function withHoleAdded(parts, points) {
  return withRingAdded(parts, points, true);
}

/** The annotation a closed drawing makes {clientId, categoryId, parts}: its outline (rounded) as the one part. */
export function drawnAnnotation(clientId, categoryId, points) {
  return { clientId, categoryId, parts: withPartAdded([], points) };
}

/** Several vertices moved to one point (refs {clientId, ring, index}: a vertex and those sharing its place):
 *  clientId -> the new parts of every annotation touched; `partsOf(clientId)` gives an annotation's parts or
 *  nothing (a ref to a missing annotation or ring is passed over). */
export function withVerticesMoved(partsOf, refs, point) {
  const after = new Map();
  for (const ref of refs) {
    const parts = after.get(ref.clientId) || partsOf(ref.clientId);
    if (!parts || !parts[ref.ring]) continue;
    after.set(ref.clientId, withVertexMoved(parts, ref.ring, ref.index, point));
  }
  return after;
}

// --- commands ---

/** Add a newly drawn annotation {clientId, categoryId, parts}. */
export function createAnnotation(store, annotation) {
  const value = { serverId: null, version: null, ...annotation };
  return {
    label: "draw polygon",
    kind: "create",
    annotationId: value.clientId,
    apply: () => store.add(value),
    revert: () => store.remove(value.clientId),
  };
}

export function deleteAnnotation(store, id) {
  const annotation = store.get(id);
  if (!annotation) return null;
  const index = store.list().indexOf(annotation);
  return {
    label: "delete polygon",
    kind: "delete",
    annotationId: id,
    apply: () => store.remove(id),
    revert: () => store.add(annotation, { index }),
  };
}

/** Draw a new annotation: a closed outline in class `categoryId`. */
export function drawAnnotation(store, clientId, categoryId, points) {
  return createAnnotation(store, drawnAnnotation(clientId, categoryId, points));
}

/** Add a drawn ring to annotation `id` as another part, or (hole true) as a hole. */
export function addRing(store, id, points, hole) {
  const annotation = store.get(id);
  if (!annotation) return null;
  return editParts(store, id, withRingAdded(annotation.parts, points, hole), hole ? "add hole" : "add part",
    hole ? "add-hole" : "add-part");
}

/** Replace an annotation's parts: the form every geometry edit takes. */
export function editParts(store, id, after, label, kind) {
  const annotation = store.get(id);
  if (!annotation || !after) return null;
  const before = annotation.parts;
  return {
    label,
    kind,
    annotationId: id,
    apply: () => store.setParts(id, after),
    revert: () => store.setParts(id, before),
  };
}

export function moveVertex(store, id, partIndex, vertexIndex, point) {
  const annotation = store.get(id);
  if (!annotation) return null;
  return editParts(store, id, withVertexMoved(annotation.parts, partIndex, vertexIndex, point), "move vertex",
    "move-vertex");
}

/** Move one vertex and the vertices sharing its position (refs {clientId, ring, index}) as ONE command;
 *  every annotation touched is changed (and so saved). */
export function moveSharedVertex(store, id, partIndex, vertexIndex, point, shared = []) {
  const moves = [{ clientId: id, ring: partIndex, index: vertexIndex }, ...shared];
  const after = withVerticesMoved((key) => store.get(key)?.parts, moves, point);
  if (!after.has(id)) return null;
  const before = new Map([...after.keys()].map((key) => [key, store.get(key).parts]));
  if (after.size === 1) return editParts(store, id, after.get(id), "move vertex", "move-vertex");
  return {
    label: "move shared vertex",
    kind: "move-vertex",
    annotationId: id,
    others: [...after.keys()].filter((key) => key !== id),
    apply: () => after.forEach((parts, key) => store.setParts(key, parts)),
    revert: () => before.forEach((parts, key) => store.setParts(key, parts)),
  };
}

export function insertVertex(store, id, partIndex, edgeIndex, point) {
  const annotation = store.get(id);
  if (!annotation) return null;
  return editParts(store, id, withVertexInserted(annotation.parts, partIndex, edgeIndex, point), "insert vertex",
    "insert-vertex");
}

export function deleteVertex(store, id, partIndex, vertexIndex) {
  const annotation = store.get(id);
  if (!annotation) return null;
  return editParts(store, id, withVertexDeleted(annotation.parts, partIndex, vertexIndex), "delete vertex",
    "delete-vertex");
}

export function movePolygon(store, id, dx, dy) {
  const annotation = store.get(id);
  if (!annotation) return null;
  return editParts(store, id, translated(annotation.parts, dx, dy), "move polygon", "move-polygon");
}

export function changeClass(store, id, categoryId) {
  const annotation = store.get(id);
  if (!annotation || annotation.categoryId === categoryId || !store.category(categoryId)) return null;
  const before = annotation.categoryId;
  return {
    label: "change class",
    kind: "class-change",
    annotationId: id,
    from: before,
    to: categoryId,
    apply: () => store.setCategory(id, categoryId),
    revert: () => store.setCategory(id, before),
  };
}

/** Set, change or clear an annotation's flag (flags.js), as an undoable edit like a class change. */
export function changeFlag(store, id, flag) {
  const annotation = store.get(id);
  if (!annotation || sameFlag(annotation.flag, flag)) return null;
  const before = annotation.flag || null;
  const after = flag || null;
  return {
    label: after ? (before ? "change flag" : "flag polygon") : "clear flag",
    kind: "flag",
    annotationId: id,
    from: before,
    to: after,
    apply: () => store.setFlag(id, after),
    revert: () => store.setFlag(id, before),
  };
}
