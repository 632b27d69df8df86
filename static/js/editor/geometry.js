// Plane geometry for the editor, on plain [x, y] points in image pixels. Pure functions, no DOM.

/** Euclidean distance between two points. */
export function distance(a, b) {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** The point of segment a-b nearest to p, and where along the segment it lies (t in [0, 1]). */
export function projectOntoSegment(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / lengthSquared));
  return { point: [a[0] + t * dx, a[1] + t * dy], t };
}

/** Even-odd rule, so a point inside a hole ring counts as outside when rings are tested together. */
export function pointInRing(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside an annotation: inside some outer part and in none of its holes. */
export function pointInParts(p, parts) {
  const outer = parts.some((part) => !part.hole && pointInRing(p, part.ring));
  return outer && !parts.some((part) => part.hole && pointInRing(p, part.ring));
}

/** Signed area by the shoelace formula: positive when counter-clockwise in a y-down image. */
export function signedArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  }
  return -sum / 2;
}

/** The vertex of `rings` nearest to p within maxDistance: {ringIndex, vertexIndex, point, distance} or null. */
export function nearestVertex(p, rings, maxDistance) {
  let best = null;
  rings.forEach((ring, ringIndex) => {
    ring.forEach((point, vertexIndex) => {
      const d = distance(p, point);
      if (d <= maxDistance && (best === null || d < best.distance)) best = { ringIndex, vertexIndex, point, distance: d };
    });
  });
  return best;
}

/** The nearest point on any edge of `rings` within maxDistance: {ringIndex, edgeIndex, point, t, distance} or null.
 *  Edge i runs from vertex i to vertex i + 1 (wrapping). */
export function nearestEdgePoint(p, rings, maxDistance) {
  let best = null;
  rings.forEach((ring, ringIndex) => {
    for (let edgeIndex = 0; edgeIndex < ring.length; edgeIndex++) {
      const a = ring[edgeIndex];
      const b = ring[(edgeIndex + 1) % ring.length];
      const { point, t } = projectOntoSegment(p, a, b);
      const d = distance(p, point);
      if (d <= maxDistance && (best === null || d < best.distance)) best = { ringIndex, edgeIndex, point, t, distance: d };
    }
  });
  return best;
}

/** Points laid along a path every `spacing` units (trace mode): keeps the first point, then one per spacing. */
export function resampleAlong(path, spacing) {
  if (path.length === 0) return [];
  const out = [path[0]];
  let carried = 0;
  for (let i = 1; i < path.length; i++) {
    let from = path[i - 1];
    const to = path[i];
    let segment = distance(from, to);
    while (carried + segment >= spacing) {
      const t = (spacing - carried) / segment;
      const point = [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t];
      out.push(point);
      from = point;
      segment = distance(from, to);
      carried = 0;
    }
    carried += segment;
  }
  return out;
}

/** The vertices of a ring walked from index `from` to index `to`, going forward or backward (wrapping),
 *  both ends included: following a neighbour's border between two snapped points. */
export function walkRing(ring, from, to, forward) {
  const n = ring.length;
  const out = [ring[from]];
  let i = from;
  while (i !== to) {
    i = forward ? (i + 1) % n : (i - 1 + n) % n;
    out.push(ring[i]);
  }
  return out;
}

/** Length of a polyline (not closed). */
export function pathLength(points) {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distance(points[i - 1], points[i]);
  return total;
}

/** The shorter way round a ring between two vertices, as a walk (see walkRing). */
export function shorterWalk(ring, from, to) {
  const forward = walkRing(ring, from, to, true);
  const backward = walkRing(ring, from, to, false);
  return pathLength(forward) <= pathLength(backward) ? forward : backward;
}

/** Flat [x1, y1, x2, y2, ...] <-> [[x, y], ...], the server's and the editor's forms of a ring. */
export function toFlat(ring) {
  return ring.flatMap(([x, y]) => [x, y]);
}

export function fromFlat(flat) {
  const ring = [];
  for (let i = 0; i + 1 < flat.length; i += 2) ring.push([flat[i], flat[i + 1]]);
  return ring;
}

/** Axis-aligned bounds {minX, minY, maxX, maxY} of some rings. */
export function bounds(rings) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings) {
    for (const [x, y] of ring) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  }
  return { minX, minY, maxX, maxY };
}
