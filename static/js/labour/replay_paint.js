// Painting the replay: the polygons as they were at a moment (replay_state.js's stateAt), on a canvas laid over
// the image at the image's displayed size. Closed polygons filled in their class colour, the one being drawn
// as a haloed line with its vertices, the rubber band from the last vertex towards the next, and a ring round
// the vertex just placed or moved. Repaints only when something on screen would change.

import { rubberProgress } from "./replay_text.js";

const HALO = "rgba(0, 0, 0, 0.55)";

function ring(context, points, closed) {
  points.forEach(([x, y], index) => (index ? context.lineTo(x, y) : context.moveTo(x, y)));
  if (closed && points.length) context.closePath();
}

/** A line in `colour` on a dark halo, legible on light and dark scenes alike. */
function halo(context, width, colour) {
  context.lineWidth = width + 3;
  context.strokeStyle = HALO;
  context.stroke();
  context.lineWidth = width;
  context.strokeStyle = colour;
  context.stroke();
}

function dots(context, points, colour, radius) {
  for (const [x, y] of points) {
    context.beginPath();
    context.arc(x, y, radius, 0, Math.PI * 2);
    context.fillStyle = "#ffffff";
    context.fill();
    context.lineWidth = Math.max(1, radius / 2);
    context.strokeStyle = colour;
    context.stroke();
  }
}

export class ReplayPainter {
  /** canvas over `picture` (the <img>); image: {width, height} in image pixels; colourOf(category). */
  constructor({ canvas, picture, image, colourOf }) {
    Object.assign(this, { canvas, picture, image, colourOf });
    this.drawnKey = null;
  }

  /** Paint `state` (at event `index`, time `atMs`) at the device's pixel `ratio`. */
  paint(state, index, atMs, ratio) {
    const { canvas, picture } = this;
    const width = picture.clientWidth;
    const height = picture.clientHeight;
    if (!width || !height || !state) return;
    const progress = rubberProgress(state.rubber, atMs);
    const key = `${index}|${progress}|${width}x${height}@${ratio}`;
    if (key === this.drawnKey) return; // nothing on screen would change
    this.drawnKey = key;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const context = canvas.getContext("2d");
    const scale = (width / this.image.width) * ratio;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    const at = ([x, y]) => [x * scale, y * scale];
    const size = Math.max(1, ratio);
    this.polygons(context, state, at, size);
    this.rubber(context, state, progress, at, size);
    this.marker(context, state, at, size);
  }

  polygons(context, state, at, size) {
    const current = state.event && state.event.annotation;
    for (const polygon of state.polygons) {
      if (!polygon.visible || !polygon.closed) continue;
      const colour = this.colourOf(polygon.category);
      context.beginPath();
      for (const part of polygon.parts) ring(context, part.ring.map(at), true);
      context.globalAlpha = polygon.annotation === current ? 0.5 : 0.38;
      context.fillStyle = colour;
      context.fill("evenodd");
      context.globalAlpha = 1;
      context.lineWidth = 2 * size;
      context.strokeStyle = colour;
      context.stroke();
      for (const part of polygon.parts) dots(context, part.ring.map(at), colour, 2.5 * size);
    }
    for (const polygon of state.polygons) {
      if (!polygon.visible || !polygon.drawing || !polygon.drawing.ring.length) continue;
      const colour = this.colourOf(polygon.category);
      const points = polygon.drawing.ring.map(at);
      context.beginPath();
      ring(context, points, false);
      halo(context, 2.5 * size, colour);
      dots(context, points, colour, 3.5 * size);
    }
  }

  rubber(context, state, progress, at, size) {
    const { rubber } = state;
    if (!rubber || progress === null) return;
    const polygon = state.polygons.find((p) => p.annotation === rubber.annotation);
    const [fx, fy] = at(rubber.from);
    const [tx, ty] = at(rubber.to);
    context.beginPath();
    context.moveTo(fx, fy);
    context.lineTo(fx + (tx - fx) * progress, fy + (ty - fy) * progress);
    context.setLineDash([6 * size, 4 * size]);
    halo(context, 2 * size, this.colourOf(polygon && polygon.category));
    context.setLineDash([]);
  }

  /** The vertex just placed or changed: a ring round it. */
  marker(context, state, at, size) {
    const { event } = state;
    if (!event || !event.data || !["vertex", "insert-vertex", "move-vertex"].includes(event.kind)
      || state.skipped.some((s) => s.index === state.index)) return;
    const point = event.data.point || event.data.to;
    if (!Array.isArray(point)) return;
    const [x, y] = at(point);
    context.beginPath();
    context.arc(x, y, 8 * size, 0, Math.PI * 2);
    context.lineWidth = 2.5 * size;
    context.strokeStyle = "#ffffff";
    context.stroke();
  }
}
