// The select tool edits polygons, as a state machine:
//   idle --press in a polygon--> selected (idle)
//   idle --press on a vertex of the selected polygon--> dragging-vertex --release--> idle (vertex moved)
//   idle --press on a midpoint handle--> inserting --release--> idle (vertex inserted where released)
//   idle --press inside the selected polygon--> pressing --moved past a few px--> dragging-polygon --release--> idle
//   Alt+press on a vertex deletes it; Escape during a drag puts everything back.
// A vertex shared with other polygons (linked by snapping, see snap.js) drags them along, as one command;
// Shift+press, or Alt held during the drag, moves only this one and unlinks it.
// Nothing changes the document until release: the drag is a preview, then one command for history.
// Only what the context calls editable can be picked (someone else's layer is shown but read-only), and a
// shared vertex never drags someone else's vertex along.

import { bounds, distance, nearestEdgePoint, nearestVertex, pointInParts, signedArea } from "../geometry.js";
import {
  deleteAnnotation, deleteVertex, insertVertex, moveSharedVertex, moveVertex, movePolygon, withVertexDeleted, withVertexInserted,
  withVertexMoved, translated,
} from "../commands.js";
import { isMine } from "../layers.js";
import { roundPoint } from "../store.js";
import { HIT_RADIUS, MIDPOINT_RADIUS, midpointHandles } from "../renderer.js";

const DRAG_THRESHOLD_PX = 3;
const EDGE_PICK_PX = 5;

function area(parts) {
  return parts.reduce((sum, part) => sum + (part.hole ? -1 : 1) * Math.abs(signedArea(part.ring)), 0);
}

/** The annotation a press at image point p picks: the smallest one containing it, else one whose outline is near. */
export function pickAnnotation(annotations, p, edgeDistance) {
  let best = null;
  let bestArea = Infinity;
  for (const annotation of annotations) {
    if (!pointInParts(p, annotation.parts)) continue;
    const size = area(annotation.parts);
    if (size < bestArea) {
      best = annotation;
      bestArea = size;
    }
  }
  if (best) return best;
  let nearest = null;
  for (const annotation of annotations) {
    const hit = nearestEdgePoint(p, annotation.parts.map((part) => part.ring), edgeDistance);
    if (hit && (!nearest || hit.distance < nearest.distance)) nearest = { annotation, distance: hit.distance };
  }
  return nearest ? nearest.annotation : null;
}

export class SelectTool {
  constructor(context) {
    this.context = context;
    this.name = "select";
    this.cursor = "default";
    this.state = { mode: "idle" };
    this.hovering = null; // {kind: "vertex"|"midpoint"|"polygon", ...}
  }

  /** In the middle of a press or drag: undo waits until it is over. */
  get busy() {
    return this.state.mode !== "idle";
  }

  get store() {
    return this.context.store;
  }

  /** Shown and the person's to change (context.editable; else context.visible; else everything). */
  editable = (annotation) => Boolean(annotation)
    && (this.context.editable || this.context.visible || (() => true))(annotation);

  clampPoint([x, y]) {
    const { width, height } = this.context.image;
    return roundPoint([Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))]);
  }

  /** What is under the pointer: a handle of the selected polygon first, then any polygon. */
  hitTest(pointer) {
    const { view } = this.context;
    const selected = this.store.selected;
    if (selected) {
      const rings = selected.parts.map((part) => part.ring);
      const vertex = nearestVertex(pointer.image, rings, view.imageDistance(HIT_RADIUS));
      if (vertex) return { kind: "vertex", id: selected.clientId, part: vertex.ringIndex, index: vertex.vertexIndex };
      const toScreen = (point) => view.imageToScreen(point[0], point[1]);
      for (let part = 0; part < rings.length; part++) {
        for (const handle of midpointHandles(rings[part], toScreen)) {
          if (distance(handle.screen, pointer.screen) <= MIDPOINT_RADIUS + 4) {
            return { kind: "midpoint", id: selected.clientId, part, edge: handle.edge, point: handle.point };
          }
        }
      }
    }
    const picked = pickAnnotation(this.store.list().filter(this.editable), pointer.image, view.imageDistance(EDGE_PICK_PX));
    return picked ? { kind: "polygon", id: picked.clientId } : null;
  }

  pointerDown(pointer) {
    if (pointer.button !== 0 || this.state.mode !== "idle") return;
    const hit = this.hitTest(pointer);
    const { store } = this;
    if (!hit) {
      store.select(null);
      return;
    }
    if (hit.kind === "vertex") {
      if (pointer.altKey) {
        this.deleteVertex(hit.id, hit.part, hit.index, "alt-click");
        return;
      }
      store.select(hit.id, { part: hit.part, index: hit.index });
      const from = store.get(hit.id).parts[hit.part].ring[hit.index];
      const shared = store.sharedWith({ clientId: hit.id, ring: hit.part, index: hit.index }, this.context.visible)
        .filter((ref) => isMine(store.get(ref.clientId)));
      this.state = { mode: "dragging-vertex", id: hit.id, part: hit.part, index: hit.index, from, to: from,
        start: pointer.screen, moved: false, shared, detach: Boolean(pointer.shiftKey) };
      return;
    }
    if (hit.kind === "midpoint") {
      this.state = { mode: "inserting", id: hit.id, part: hit.part, edge: hit.edge, point: roundPoint(hit.point),
        start: pointer.screen, moved: false };
      this.context.redraw();
      return;
    }
    if (hit.id !== store.selection.id) {
      store.select(hit.id);
      this.context.record("select", { annotation: hit.id, data: { via: "canvas" } });
      return;
    }
    store.select(hit.id); // a press inside the selected polygon forgets the selected vertex
    this.state = { mode: "pressing", id: hit.id, start: pointer.screen, origin: pointer.image, dx: 0, dy: 0,
      moved: false };
  }

  pointerMove(pointer) {
    const state = this.state;
    if (state.mode === "idle") {
      this.setHover(this.hitTest(pointer));
      return;
    }
    const travelled = distance(state.start, pointer.screen);
    if (!state.moved && travelled < DRAG_THRESHOLD_PX) return;
    state.moved = true;
    if (state.mode === "dragging-vertex") {
      state.to = this.clampPoint(pointer.image);
      if (pointer.altKey) state.detach = true;
    } else if (state.mode === "inserting") {
      state.point = this.clampPoint(pointer.image);
    } else if (state.mode === "pressing" || state.mode === "dragging-polygon") {
      state.mode = "dragging-polygon";
      [state.dx, state.dy] = this.clampDelta(state.id, pointer.image[0] - state.origin[0],
        pointer.image[1] - state.origin[1]);
    }
    this.context.redraw();
  }

  /** A move that keeps the whole polygon inside the image. */
  clampDelta(id, dx, dy) {
    const annotation = this.store.get(id);
    if (!annotation) return [0, 0];
    const box = bounds(annotation.parts.map((part) => part.ring));
    const { width, height } = this.context.image;
    return [Math.min(width - box.maxX, Math.max(-box.minX, dx)), Math.min(height - box.maxY, Math.max(-box.minY, dy))];
  }

  pointerUp() {
    const state = this.state;
    this.state = { mode: "idle" };
    const { context, store } = this;
    if (state.mode === "dragging-vertex" && state.moved && distance(state.from, state.to) > 0) {
      const shared = state.detach ? [] : state.shared;
      if (state.detach && state.shared.length && store.unlink) {
        store.unlink({ clientId: state.id, ring: state.part, index: state.index });
      }
      context.perform(moveSharedVertex(store, state.id, state.part, state.index, state.to, shared),
        { part: state.part, index: state.index, from: state.from, to: state.to, shared: shared.length,
          unshared: state.detach && state.shared.length > 0 });
    } else if (state.mode === "inserting") {
      if (context.perform(insertVertex(store, state.id, state.part, state.edge, state.point),
        { part: state.part, index: state.edge + 1, point: state.point })) {
        store.select(state.id, { part: state.part, index: state.edge + 1 });
      }
    } else if (state.mode === "dragging-polygon" && (state.dx || state.dy)) {
      context.perform(movePolygon(store, state.id, state.dx, state.dy), { dx: state.dx, dy: state.dy });
    }
    context.redraw();
  }

  pointerLeave() {
    this.setHover(null);
  }

  doubleClick() {}

  setHover(hit) {
    const before = JSON.stringify(this.hovering);
    this.hovering = hit;
    this.store.setHover(hit ? hit.id : null);
    if (JSON.stringify(hit) !== before) {
      const cursors = { vertex: "move", midpoint: "copy", polygon: "pointer" };
      let cursor = hit ? cursors[hit.kind] : "default";
      if (hit && hit.kind === "polygon" && hit.id === this.store.selection.id) cursor = "move";
      this.context.setCursor(cursor);
      this.context.redraw();
    }
  }

  deleteVertex(id, part, index, via) {
    const annotation = this.store.get(id);
    if (!annotation) return false;
    if (!withVertexDeleted(annotation.parts, part, index)) {
      this.context.tell("A polygon keeps at least three vertices; delete the whole polygon instead (Delete).", "warn");
      return false;
    }
    const point = annotation.parts[part].ring[index];
    const done = this.context.perform(deleteVertex(this.store, id, part, index), { part, index, point, via });
    if (done) this.store.select(id, null);
    return done;
  }

  deleteSelected() {
    const { selection } = this.store;
    if (!selection.id) return false;
    if (selection.vertex) return this.deleteVertex(selection.id, selection.vertex.part, selection.vertex.index, "key");
    const annotation = this.store.get(selection.id);
    return this.context.perform(deleteAnnotation(this.store, selection.id),
      { vertices: annotation.parts.reduce((n, part) => n + part.ring.length, 0) });
  }

  keyDown(event) {
    const { key } = event;
    if (key === "Escape") {
      if (this.state.mode !== "idle") {
        this.state = { mode: "idle" }; // drop the drag: nothing was changed yet
        this.context.redraw();
        return true;
      }
      const { selection } = this.store;
      if (selection.vertex) this.store.select(selection.id, null);
      else if (selection.id) this.store.select(null);
      else return false;
      return true;
    }
    if ((key === "Delete" || key === "Backspace") && this.state.mode === "idle") return this.deleteSelected();
    return false;
  }

  deactivate() {
    this.state = { mode: "idle" };
    this.setHover(null);
  }

  /** The selected polygon as the drag would leave it, or null when nothing is being dragged. */
  preview() {
    const state = this.state;
    const annotation = state.id ? this.store.get(state.id) : null;
    if (!annotation) return null;
    if (state.mode === "dragging-vertex" && state.moved) {
      const shared = state.detach ? [] : state.shared;
      let parts = withVertexMoved(annotation.parts, state.part, state.index, state.to);
      const others = new Map();
      for (const ref of shared) {
        if (ref.clientId === state.id) {
          parts = withVertexMoved(parts, ref.ring, ref.index, state.to);
          continue;
        }
        const other = others.get(ref.clientId) || (this.store.get(ref.clientId) || {}).parts;
        if (other) others.set(ref.clientId, withVertexMoved(other, ref.ring, ref.index, state.to));
      }
      return { id: state.id, parts, others: [...others].map(([id, otherParts]) => ({ id, parts: otherParts })) };
    }
    if (state.mode === "inserting") {
      return { id: state.id, parts: withVertexInserted(annotation.parts, state.part, state.edge, state.point) };
    }
    if (state.mode === "dragging-polygon") {
      return { id: state.id, parts: translated(annotation.parts, state.dx, state.dy), moving: true };
    }
    return null;
  }

  hover() {
    return this.state.mode === "idle" ? this.hovering : null;
  }

  draft() {
    return null;
  }
}
