// The polygon tool, a small state machine:
//   idle --press--> drawing --press on the first vertex / Enter / double-click--> idle (polygon made)
//   drawing --Escape--> idle (nothing made); Backspace (or Ctrl+Z) takes back the last vertex.
// While drawing, a rubber-band edge follows the pointer. Points are clamped to the image.
// Snapping (Shift held, or the Snap toggle): a new vertex lands on the nearest vertex (preferred) or edge
// point of another polygon within SNAP_RADIUS screen px; a vertex snapped onto a vertex is linked to it.
// Following a border (B, after snapping to two vertices of one neighbour in a row): the neighbour's
// vertices between them are inserted, the shorter way round; B again takes the other way.
// Tracing: pressing and dragging (or moving with T held) lays vertices along the path every TRACE_SPACING
// screen px.
// Adding a ring (startRing): the next polygon drawn becomes another part, or a hole, of an existing
// annotation on close, as one undoable command.

import { distance, pathLength, resampleAlong, signedArea, walkRing } from "../geometry.js";
import { addRing, drawAnnotation } from "../commands.js";
import { isMine } from "../layers.js";
import { roundPoint } from "../store.js";
import { keyOf } from "../key_names.js";
import { HIT_RADIUS } from "../renderer.js";
import { SNAP_RADIUS, findSnap, samePoint } from "../snap.js";

export const MIN_AREA = 1; // px²: the server drops smaller parts as slivers
const REPEAT_PX = 3; // a press this near the last vertex adds nothing (the second press of a double-click)
const AFTER_CLOSE_MS = 500; // a press this soon after closing, at the same place, is the rest of a double-click
export const TRACE_SPACING = 12; // screen px between the vertices laid by tracing

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
    this.hoverSnap = null; // the snap target under the pointer before drawing starts
    this.ring = null; // {clientId, hole}: the next polygon drawn is added to that annotation
  }

  /** The next polygon drawn becomes another part (or a hole) of annotation `clientId`. */
  startRing(clientId, hole) {
    if (!this.context.store.has(clientId)) return false;
    this.cancel("new ring");
    this.ring = { clientId, hole: Boolean(hole) };
    this.context.record("ring-start", { annotation: clientId, data: { hole: Boolean(hole) } });
    const keys = `${keyOf("closePolygon")} closes, ${keyOf("cancelPolygon")} cancels`;
    this.context.tell(hole ? `Draw the hole inside the polygon: click round it, ${keys}.`
      : `Draw the new part: click round it, ${keys}.`);
    this.context.redraw();
    return true;
  }

  /** Whether a pointer event snaps: Shift held, or the Snap toggle on. */
  snapping(pointer) {
    return Boolean(pointer.shiftKey || (this.context.snapOn && this.context.snapOn()));
  }

  findSnap(pointer) {
    if (!this.snapping(pointer)) return null;
    const { store, view } = this.context;
    const visible = this.context.visible || (() => true);
    return findSnap(pointer.image, store.list().filter(visible), view.imageDistance(SNAP_RADIUS), null);
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
    const snap = this.findSnap(pointer);
    const point = this.clampPoint(snap ? snap.point : pointer.image);
    const provenance = snap ? "snap" : "click";
    if (!this.drawing) {
      const recent = this.lastClose;
      if (recent && pointer.time - recent.time < AFTER_CLOSE_MS && this.screenDistance(recent.point, pointer.image) < REPEAT_PX * 2) {
        return;
      }
      if (this.ring && !this.context.store.has(this.ring.clientId)) this.ring = null;
      const id = this.ring ? this.ring.clientId : this.context.newId();
      this.state = { mode: "drawing", id, points: [], snaps: [], cursor: point, snap: null, border: null,
        press: { screen: pointer.screen, last: pointer.screen, path: [pointer.screen], traced: false } };
      this.hoverSnap = null;
      this.context.record("draw-start", { annotation: id, data: { category: this.context.store.activeCategoryId } });
      this.addVertex(point, provenance, snap);
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
      this.addVertex(point, provenance, snap);
    }
    if (this.drawing) {
      const last = this.context.view.imageToScreen(...points[points.length - 1]);
      this.state.press = { screen: pointer.screen, last, path: [last], traced: false };
    }
  }

  /** Add a vertex; `snap` is the snap target it landed on (or null), `provenance` how it was made. */
  addVertex(point, provenance = "click", snap = null, extra = {}) {
    const { id, points, snaps } = this.state;
    points.push(point);
    snaps.push(snap && snap.kind === "vertex" ? { clientId: snap.clientId, ring: snap.ring, index: snap.index } : null);
    this.state.border = null;
    const data = { point, provenance, index: points.length - 1, ...extra };
    if (snap) Object.assign(data, { target: snap.kind, neighbour: snap.clientId });
    this.context.record("vertex", { annotation: id, data });
    if (this.canFollowBorder) {
      this.context.tell(`Two vertices of one neighbour in a row: press ${keyOf("followBorder")} to follow its border between them.`);
    }
    this.offer();
    this.context.redraw();
  }

  pointerMove(pointer) {
    if (!this.drawing) {
      const snap = this.findSnap(pointer);
      if (JSON.stringify(snap) !== JSON.stringify(this.hoverSnap)) {
        this.hoverSnap = snap;
        this.context.redraw();
      }
      return;
    }
    const { press } = this.state;
    if (press && pointer.buttons !== undefined && (pointer.buttons & 1)) {
      this.trace(pointer);
    } else if (pointer.traceKey) {
      // T held: trace from the last vertex without a pressed button.
      if (!press || !press.key) {
        const { points } = this.state;
        const last = this.context.view.imageToScreen(...points[points.length - 1]);
        this.state.press = { screen: last, last, path: [last], traced: false, key: true };
      }
      this.trace(pointer);
    } else {
      this.state.press = null;
    }
    const snap = this.findSnap(pointer);
    this.state.snap = snap;
    this.state.cursor = this.clampPoint(snap ? snap.point : pointer.image);
    this.context.redraw();
  }

  /** The button is held and the pointer moves: lay vertices along its path every TRACE_SPACING screen px. */
  trace(pointer) {
    const { press } = this.state;
    press.path.push(pointer.screen);
    if (!press.traced && distance(press.screen, pointer.screen) < TRACE_SPACING) return;
    const laid = resampleAlong(press.path, TRACE_SPACING).slice(1);
    if (!laid.length) return;
    if (!press.traced) {
      press.traced = true;
      this.context.record("trace-start", { annotation: this.state.id, data: { spacing: TRACE_SPACING } });
    }
    for (const screen of laid) {
      this.addVertex(this.clampPoint(this.context.view.screenToImage(screen[0], screen[1])), "trace");
    }
    const last = laid[laid.length - 1];
    press.path = [last, pointer.screen];
  }

  pointerUp() {
    if (this.drawing) this.state.press = null;
  }

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
    this.state.snaps.pop();
    this.state.border = null;
    this.context.record("remove-vertex", { annotation: id, data: { point: removed, index: points.length } });
    if (!points.length) this.cancel("removed every vertex");
    this.offer();
    this.context.redraw();
    return true;
  }

  close(method) {
    if (!this.drawing) return false;
    const { id, points, snaps } = this.state;
    this.state.press = null;
    if (!closable(points)) {
      this.context.tell(points.length < 3 ? "A polygon needs at least three vertices."
        : `This outline encloses no area; add vertices elsewhere or press ${keyOf("cancelPolygon")}.`, "warn");
      return false;
    }
    const categoryId = this.context.store.activeCategoryId;
    const ring = this.ring && this.ring.clientId === id && this.context.store.get(id);
    this.context.record("close", { annotation: id, data: { method, vertices: points.length,
      category: ring ? ring.categoryId : categoryId, ...(ring ? { ring: this.ring.hole ? "hole" : "part" } : {}) } });
    this.state = { mode: "idle" };
    this.lastClose = { time: performance.now(), point: points[points.length - 1] };
    this.offer();
    if (method === "first-vertex") this.lastClose.point = points[0];
    let ringIndex = 0;
    if (ring) {
      const { hole } = this.ring;
      ringIndex = ring.parts.length;
      this.ring = null;
      this.context.perform(addRing(this.context.store, id, points, hole), null, { record: false });
      this.context.tell(`${hole ? "Hole cut" : "Part added"} (${keyOf("undo")} undoes it).`);
    } else {
      // the close event says it
      this.context.perform(drawAnnotation(this.context.store, id, categoryId, points), null, { record: false });
    }
    snaps.forEach((target, index) => {
      // Snapped onto someone else's vertex: same coordinates, but no link (their outline is read-only).
      if (target && isMine(this.context.store.get(target.clientId))) {
        this.context.store.link({ clientId: id, ring: ringIndex, index }, target);
      }
    });
    this.context.redraw();
    return true;
  }

  /** Drop the polygon being drawn. */
  cancel(reason = "escape") {
    if (!this.drawing) return false;
    const { id, points } = this.state;
    this.state = { mode: "idle" };
    if (reason !== "removed every vertex") this.ring = null;
    this.offer();
    this.context.record("cancel", { annotation: id, data: { vertices: points.length, reason } });
    this.context.redraw();
    return true;
  }

  keyDown(event) {
    const key = event.key;
    if (!this.drawing) {
      if (key === "Escape" && this.ring) {
        this.context.record("ring-cancel", { annotation: this.ring.clientId });
        this.ring = null;
        this.context.tell("No new ring.");
        return true;
      }
      return false;
    }
    if (key === "Enter") {
      this.close("enter");
      return true;
    }
    if (key === "Escape") return this.cancel();
    if (key === "Backspace" || key === "Delete") return this.removeLastVertex();
    if (key.toLowerCase() === "b" && !event.ctrlKey && !event.metaKey && !event.altKey) return this.followBorder();
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && key.toLowerCase() === "z") return this.removeLastVertex();
    return false;
  }

  /** Whether B would follow a border now: the last two vertices were snapped onto two vertices of one ring of
   *  one neighbour, or B was just pressed (again: the other way). */
  get canFollowBorder() {
    if (!this.drawing) return false;
    if (this.state.border) return true;
    const { points, snaps } = this.state;
    const [before, now] = snaps.slice(-2);
    return points.length >= 2 && Boolean(before && now) && before.clientId === now.clientId
      && before.ring === now.ring && before.index !== now.index;
  }

  /** Tell the page whether to offer the "Follow border" button. */
  offer() {
    if (this.context.offerBorder) this.context.offerBorder(this.canFollowBorder);
  }

  /** The neighbour's vertices between the last two vertices, when both were snapped onto vertices of one
   *  ring of one neighbour: inserted the shorter way round; called again, the other way. */
  followBorder() {
    const { points, snaps, id } = this.state;
    let { border } = this.state;
    let way;
    if (border) {
      // B again: take back the way inserted, then go the other way.
      points.splice(border.at + 1, border.inserted);
      snaps.splice(border.at + 1, border.inserted);
      way = !border.forward;
    } else {
      const n = points.length;
      const a = snaps[n - 2];
      const b = snaps[n - 1];
      if (n < 2 || !a || !b || a.clientId !== b.clientId || a.ring !== b.ring || a.index === b.index) {
        this.context.tell(`Snap (${keyOf("snapOnce")}) to two vertices of one neighbouring polygon, then press ${keyOf("followBorder")}.`, "warn");
        return true;
      }
      const neighbour = this.context.store.get(a.clientId);
      const ring = neighbour && neighbour.parts[a.ring] && neighbour.parts[a.ring].ring;
      if (!ring || !samePoint(ring[a.index], points[n - 2]) || !samePoint(ring[b.index], points[n - 1])) return true;
      way = pathLength(walkRing(ring, a.index, b.index, true)) <= pathLength(walkRing(ring, a.index, b.index, false));
      border = { at: n - 2, from: a, to: b };
    }
    const ring = this.context.store.get(border.from.clientId).parts[border.from.ring].ring;
    const n = ring.length;
    const between = [];
    const refs = [];
    for (let k = border.from.index; ;) {
      k = way ? (k + 1) % n : (k - 1 + n) % n;
      if (k === border.to.index) break;
      between.push([...ring[k]]);
      refs.push({ clientId: border.from.clientId, ring: border.from.ring, index: k });
    }
    points.splice(border.at + 1, 0, ...between);
    snaps.splice(border.at + 1, 0, ...refs);
    between.forEach((point, i) => this.context.record("vertex", {
      annotation: id, data: { point, provenance: "border", index: border.at + 1 + i, neighbour: border.from.clientId },
    }));
    this.state.border = { ...border, forward: way, inserted: between.length };
    this.context.tell(`Followed the border: ${between.length} vertices inserted. Press ${keyOf("followBorder")} again for the other way.`);
    this.offer();
    this.context.redraw();
    return true;
  }

  /** Leaving the tool drops an unfinished polygon. */
  deactivate() {
    this.cancel("tool change");
    this.ring = null;
  }

  preview() {
    return null;
  }

  hover() {
    return null;
  }

  /** The snap target to show on the overlay, or null. */
  snapTarget() {
    return this.drawing ? this.state.snap : this.hoverSnap;
  }

  draft() {
    if (!this.drawing) return null;
    const { points, cursor } = this.state;
    const closeable = points.length >= 3 && cursor && this.screenDistance(points[0], cursor) <= HIT_RADIUS;
    const category = this.context.store.category(this.context.store.activeCategoryId);
    return { points, cursor, closable: closeable, colour: category ? category.colour : null };
  }
}
