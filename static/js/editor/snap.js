// Snapping and shared vertices, as pure functions on annotation values (no DOM, tested under node).
//
// A snap target is the nearest vertex of another annotation within a radius (preferred), else the nearest
// point on one of its edges. A link is a set of vertex references {clientId, ring, index} that were made
// to share one position (by snapping); the index is only a hint: a member is found again by its exact
// coordinates, so inserting or deleting vertices elsewhere in a ring, or undoing, does not break it.

import { nearestEdgePoint, nearestVertex } from "./geometry.js";

export const SNAP_RADIUS = 8; // screen px

/** The snap target for image point p among `annotations` (skipping `excludeId`) within maxDistance (image px):
 *  {kind: "vertex", clientId, ring, index, point} or {kind: "edge", clientId, ring, edge, point}, or null. */
export function findSnap(p, annotations, maxDistance, excludeId = null) {
  let vertex = null;
  let edge = null;
  for (const annotation of annotations) {
    if (annotation.clientId === excludeId) continue;
    const rings = annotation.parts.map((part) => part.ring);
    const v = nearestVertex(p, rings, maxDistance);
    if (v && (!vertex || v.distance < vertex.distance)) vertex = { ...v, clientId: annotation.clientId };
    if (vertex) continue; // a vertex anywhere wins over any edge point
    const e = nearestEdgePoint(p, rings, maxDistance);
    if (e && (!edge || e.distance < edge.distance)) edge = { ...e, clientId: annotation.clientId };
  }
  if (vertex) {
    return { kind: "vertex", clientId: vertex.clientId, ring: vertex.ringIndex, index: vertex.vertexIndex,
      point: [...vertex.point] };
  }
  if (edge) return { kind: "edge", clientId: edge.clientId, ring: edge.ringIndex, edge: edge.edgeIndex, point: edge.point };
  return null;
}

export function samePoint(a, b) {
  return Boolean(a && b) && a[0] === b[0] && a[1] === b[1];
}

export function sameRef(a, b) {
  return a.clientId === b.clientId && a.ring === b.ring && a.index === b.index;
}

/** The index in a ring where a reference is now: its hint if that vertex is at `point`, else any vertex there. */
function resolve(getAnnotation, ref, point) {
  const annotation = getAnnotation(ref.clientId);
  const part = annotation && annotation.parts[ref.ring];
  if (!part) return -1;
  if (samePoint(part.ring[ref.index], point)) return ref.index;
  return part.ring.findIndex((vertex) => samePoint(vertex, point));
}

/** Links with `a` and `b` in one set (merging the sets they were in). Returns new links. */
export function linked(links, a, b) {
  const merged = [a, b];
  const rest = [];
  for (const link of links) {
    if (link.some((ref) => sameRef(ref, a) || sameRef(ref, b))) merged.push(...link);
    else rest.push(link);
  }
  const unique = merged.filter((ref, i) => merged.findIndex((other) => sameRef(other, ref)) === i);
  return [...rest, unique];
}

/** Links without the reference `ref` (a set left with fewer than two members goes). */
export function unlinked(links, ref) {
  return links.map((link) => link.filter((member) => !sameRef(member, ref))).filter((link) => link.length > 1);
}

/** The other vertices sharing the position of vertex `ref` ({clientId, ring, index}): the members of its link
 *  sets still at exactly its coordinates, coincident vertices of other rings of the same annotation, and
 *  coincident vertices of `coincident` annotations (so sharing survives a reload, which forgets the links). */
export function sharedWith(getAnnotation, links, ref, coincident = []) {
  const annotation = getAnnotation(ref.clientId);
  const part = annotation && annotation.parts[ref.ring];
  const point = part && part.ring[ref.index];
  if (!point) return [];
  const out = [];
  const add = (other) => {
    if (!sameRef(other, ref) && !out.some((known) => sameRef(known, other))) out.push(other);
  };
  for (const link of links) {
    const mine = link.find((member) => member.clientId === ref.clientId && member.ring === ref.ring
      && resolve(getAnnotation, member, point) === ref.index);
    if (!mine) continue;
    for (const member of link) {
      if (member === mine) continue;
      const index = resolve(getAnnotation, member, point);
      if (index >= 0) add({ clientId: member.clientId, ring: member.ring, index });
    }
  }
  for (const other of [annotation, ...coincident]) {
    other.parts.forEach((part, ring) => {
      if (other.clientId === ref.clientId && ring === ref.ring) return;
      part.ring.forEach((vertex, index) => {
        if (samePoint(vertex, point)) add({ clientId: other.clientId, ring, index });
      });
    });
  }
  return out;
}
