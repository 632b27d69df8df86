// The polygon tool, a small state machine:
//   idle --press--> drawing --press on the first vertex / Enter / double-click--> idle (polygon made)
//   drawing --Escape--> idle (nothing made); Backspace (or Ctrl+Z) takes back the last vertex.
// While drawing, a rubber-band edge follows the pointer. Points are clamped to the image.

import { distance, signedArea } from "../geometry.js";
import { createAnnotation } from "../commands.js";
import { roundPoint } from "../store.js";
import { HIT_RADIUS } from "../renderer.js";

export const MIN_AREA = 1; // px²: the server drops smaller parts as slivers
const REPEAT_PX = 3; // a press this near the last vertex adds nothing (the second press of a double-click)
const AFTER_CLOSE_MS = 500; // a press this soon after closing, at the same place, is the rest of a double-click

/** Whether points make a polygon worth saving: three distinct points enclosing at least MIN_AREA. */
export function closable(points) {
  const distinct = new Set(points.map(([x, y]) => `${x},${y}`));
  return distinct.size >= 3 && Math.abs(signedArea(points)) >= MIN_AREA;
}

export class PolygonTool {
  constructor(context) {
    this.context = context;
    this.name = "polygon";
    this.cursor = "crosshair";
    this.state = { mode: "idle" };
    this.lastClose = null;
  }

  get drawing() {
    return this.state.mode === "drawing";
  }

  get busy() {
    return false;
  }

  get draftId() {
    return this.drawing ? this.state.id : null;
  }

  clampPoint([x, y]) {
    const { width, height } = this.context.image;
    return roundPoint([Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))]);
  }

  screenDistance(a, b) {
    return distance(a, b) * this.context.view.scale;
  }

  pointerDown(pointer) {
    if (pointer.button !== 0) return;
    const point = this.clampPoint(pointer.image);
    if (!this.drawing) {
      const recent = this.lastClose;
      if (recent && pointer.time - recent.time < AFTER_CLOSE_MS && this.screenDistance(recent.point, pointer.image) < REPEAT_PX * 2) {
        return;
      }
      const id = this.context.newId();
      this.state = { mode: "drawing", id, points: [], cursor: point };
      this.context.record("draw-start", { annotation: id, data: { category: this.context.store.activeCategoryId } });
      this.addVertex(point);
      return;
    }
    const { points } = this.state;
    const onFirst = this.screenDistance(points[0], pointer.image) <= HIT_RADIUS;
    if (onFirst && points.length >= 3) {
      this.close("first-vertex");
    } else if (this.screenDistance(points[points.length - 1], pointer.image) <= REPEAT_PX) {
      // the second press of a double-click, or a double tap: nothing new
    } else if (onFirst) {
      this.context.tell("A polygon needs at least three vertices before it can be closed.", "warn");
    } else {
      this.addVertex(point);
    }
  }

  addVertex(point) {
    const { id, points } = this.state;
    points.push(point);
    this.context.record("vertex", { annotation: id, data: { point, provenance: "click", index: points.length - 1 } });
    this.context.redraw();
  }

  pointerMove(pointer) {
    if (!this.drawing) return;
    this.state.cursor = this.clampPoint(pointer.image);
    this.context.redraw();
  }

  pointerUp() {}

  pointerLeave() {
    if (!this.drawing) return;
    this.state.cursor = null;
    this.context.redraw();
  }

  doubleClick() {
    if (this.drawing) this.close("double-click");
  }

  removeLastVertex() {
    if (!this.drawing) return false;
    const { id, points } = this.state;
    const removed = points.pop();
    this.context.record("remove-vertex", { annotation: id, data: { point: removed, index: points.length } });
    if (!points.length) this.cancel("removed every vertex");
    this.context.redraw();
    return true;
  }

  close(method) {
    if (!this.drawing) return false;
    const { id, points } = this.state;
    if (!closable(points)) {
      this.context.tell(points.length < 3 ? "A polygon needs at least three vertices."
        : "This outline encloses no area; add vertices elsewhere or press Escape.", "warn");
      return false;
    }
    const categoryId = this.context.store.activeCategoryId;
    this.context.record("close", { annotation: id, data: { method, vertices: points.length, category: categoryId } });
    this.state = { mode: "idle" };
    this.lastClose = { time: performance.now(), point: points[points.length - 1] };
    if (method === "first-vertex") this.lastClose.point = points[0];
    this.context.perform(createAnnotation(this.context.store, {
      clientId: id, categoryId, parts: [{ ring: points, hole: false }],
    }), null, { record: false }); // the close event says it
    this.context.redraw();
    return true;
  }

  /** Drop the polygon being drawn. */
  cancel(reason = "escape") {
    if (!this.drawing) return false;
    const { id, points } = this.state;
    this.state = { mode: "idle" };
    this.context.record("cancel", { annotation: id, data: { vertices: points.length, reason } });
    this.context.redraw();
    return true;
  }

  keyDown(event) {
    const key = event.key;
    if (!this.drawing) return false;
    if (key === "Enter") {
      this.close("enter");
      return true;
    }
    if (key === "Escape") return this.cancel();
    if (key === "Backspace" || key === "Delete") return this.removeLastVertex();
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && key.toLowerCase() === "z") return this.removeLastVertex();
    return false;
  }

  /** Leaving the tool drops an unfinished polygon. */
  deactivate() {
    this.cancel("tool change");
  }

  preview() {
    return null;
  }

  hover() {
    return null;
  }

  draft() {
    if (!this.drawing) return null;
    const { points, cursor } = this.state;
    const closeable = points.length >= 3 && cursor && this.screenDistance(points[0], cursor) <= HIT_RADIUS;
    const category = this.context.store.category(this.context.store.activeCategoryId);
    return { points, cursor, closable: closeable, colour: category ? category.colour : null };
  }
}
