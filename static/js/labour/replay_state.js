// The replay's pure core: what an image looked like at a moment of labour time, rebuilt from the ledger's
// events ({at_ms, session, seq, kind, annotation, data}, in the order GET /api/images/<id>/replay gives them).
// No DOM, no globals: plain data in, plain data out, so node can test it.
//
// Only what the events say is drawn. A drawing grows by its `vertex` events (data.point, data.index), loses
// the vertices its `remove-vertex` events name, closes (a new polygon, or a part or hole added to one) or is
// cancelled. Closes and later edits are the editor's own pure edits (editor/commands.js); edits are applied
// where their data give positions (move-vertex `to`, insert-vertex `point`, delete-vertex `index`,
// move-polygon `dx`/`dy`), a class change takes its `to`, a delete removes the polygon. Undo and redo are
// replayed from each session's own history, rebuilt from the same events, and only when the undone command is
// the one the event names.
// Anything that cannot be drawn that way is listed in `skipped` with the reason, for the page to mark on its
// timeline instead of guessing.

import {
  drawnAnnotation, translated, withRingAdded, withVertexDeleted, withVertexInserted, withVerticesMoved,
} from "../editor/commands.js";

export const EDIT_KINDS = new Set(["move-vertex", "insert-vertex", "delete-vertex", "move-polygon", "class-change",
  "delete"]);
const HISTORY_DEPTH = 500; // the editor's (static/js/editor/history.js)

function isPoint(value) {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number" && Number.isFinite(v));
}

function isIndex(value, length) {
  return Number.isInteger(value) && value >= 0 && value < length;
}

function copyParts(parts) {
  return parts.map((part) => ({ ring: part.ring.map((point) => [...point]), hole: part.hole }));
}

/** The index of the last event at or before `atMs` (-1 before the first); events are sorted by at_ms. */
export function eventIndexAt(events, atMs) {
  let low = 0;
  let high = events.length; // the first event after atMs is in [low, high]
  while (low < high) {
    const middle = (low + high) >> 1;
    if (events[middle].at_ms <= atMs) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** The annotations the events are about, in order of first appearance. */
export function annotationsOf(events) {
  const seen = new Set();
  for (const event of events) if (event.annotation) seen.add(event.annotation);
  return [...seen];
}

/** "mm:ss" of labour time (minutes go past 59 rather than adding hours). */
export function formatClock(ms) {
  const seconds = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

class Replayer {
  constructor() {
    this.polygons = new Map(); // annotation -> polygon, in order of first appearance
    this.histories = new Map(); // session -> {undo: [], redo: []}
    this.pendingRing = new Map(); // annotation -> hole (bool): a ring-start waiting for its drawing
    this.skipped = [];
    this.placed = 0;
    this.border = null; // the run of border-following vertices last added: {annotation, start, count}
  }

  polygon(annotation, at) {
    let found = this.polygons.get(annotation);
    if (!found) {
      found = {
        annotation, order: this.polygons.size, category: null, parts: [], drawing: null, closed: false,
        deleted: false, cancelled: false, undone: false, firstAt: at, closedAt: null, deletedAt: null,
        lastAt: at, edits: 0, points: [],
      };
      this.polygons.set(annotation, found);
    }
    found.lastAt = at;
    return found;
  }

  history(session) {
    let found = this.histories.get(session);
    if (!found) this.histories.set(session, found = { undo: [], redo: [] });
    return found;
  }

  skip(index, event, reason) {
    this.skipped.push({ index, at_ms: event.at_ms, kind: event.kind, annotation: event.annotation || null, reason });
  }

  snapshot(polygon) {
    return { parts: copyParts(polygon.parts), category: polygon.category, deleted: polygon.deleted,
      undone: polygon.undone, closed: polygon.closed };
  }

  restore(polygon, snap) {
    Object.assign(polygon, { parts: copyParts(snap.parts), category: snap.category, deleted: snap.deleted,
      undone: snap.undone, closed: snap.closed });
  }

  /** Remember a command the editor put on its history: `change()` applies it to the polygons in `touched`. */
  command(event, action, touched, change) {
    const before = new Map(touched.map((polygon) => [polygon.annotation, this.snapshot(polygon)]));
    change();
    const after = new Map(touched.map((polygon) => [polygon.annotation, this.snapshot(polygon)]));
    this.push(event, { annotation: event.annotation, action, before, after, drawable: true });
  }

  push(event, entry) {
    const history = this.history(event.session);
    history.undo.push(entry);
    if (history.undo.length > HISTORY_DEPTH) history.undo.shift();
    history.redo = [];
  }

  apply(event, index) {
    const { kind, annotation } = event;
    const data = event.data && typeof event.data === "object" ? event.data : {};
    if (!annotation) return;
    if (kind !== "vertex") this.border = null;
    switch (kind) {
      case "draw-start": return this.drawStart(event, data);
      case "ring-start": {
        this.polygon(annotation, event.at_ms);
        this.pendingRing.set(annotation, Boolean(data.hole));
        return undefined;
      }
      case "ring-cancel": {
        this.pendingRing.delete(annotation);
        return undefined;
      }
      case "vertex": return this.vertex(event, data, index);
      case "remove-vertex": return this.removeVertex(event, data, index);
      case "close": return this.close(event, data, index);
      case "cancel": return this.cancel(event);
      case "undo":
      case "redo": return this.step(event, data, index);
      default:
        if (EDIT_KINDS.has(kind)) return this.edit(event, data, index);
        return undefined;
    }
  }

  drawStart(event, data) {
    const polygon = this.polygon(event.annotation, event.at_ms);
    const ring = this.pendingRing.get(event.annotation);
    this.pendingRing.delete(event.annotation);
    const isRing = polygon.closed && !polygon.deleted && !polygon.undone;
    polygon.drawing = { ring: [], hole: isRing ? Boolean(ring) : false, extra: isRing };
    if (!isRing) {
      Object.assign(polygon, { parts: [], cancelled: false, deleted: false, undone: false, closed: false });
      if (data.category !== undefined && data.category !== null) polygon.category = data.category;
    }
  }

  vertex(event, data, index) {
    this.placed += 1;
    const polygon = this.polygon(event.annotation, event.at_ms);
    if (!polygon.drawing) {
      // A vertex with no drawing start before it (a lost event): a drawing begins here.
      this.drawStart({ ...event, kind: "draw-start" }, {});
    }
    const ring = polygon.drawing.ring;
    if (!isPoint(data.point)) {
      this.skip(index, event, "no position");
      this.border = null;
      return;
    }
    let at = Number.isInteger(data.index) && data.index >= 0 && data.index <= ring.length ? data.index : ring.length;
    if (data.provenance === "border") {
      const run = this.border;
      if (run && run.annotation === event.annotation && at === run.start + run.count) {
        run.count += 1;
      } else if (run && run.annotation === event.annotation && at === run.start) {
        // B pressed again: the editor took back the way it had inserted (without events) and goes the other way.
        ring.splice(run.start, run.count);
        run.count = 1;
        at = Math.min(at, ring.length);
      } else {
        this.border = { annotation: event.annotation, start: at, count: 1 };
      }
    } else {
      this.border = null;
    }
    ring.splice(at, 0, [data.point[0], data.point[1]]);
  }

  removeVertex(event, data, index) {
    const polygon = this.polygons.get(event.annotation);
    const ring = polygon && polygon.drawing && polygon.drawing.ring;
    if (!ring || !ring.length) return this.skip(index, event, "no drawing");
    const at = isIndex(data.index, ring.length) ? data.index : ring.length - 1;
    ring.splice(at, 1);
    polygon.lastAt = event.at_ms;
    return undefined;
  }

  close(event, data, index) {
    const polygon = this.polygon(event.annotation, event.at_ms);
    const drawing = polygon.drawing;
    if (!drawing || drawing.ring.length < 3) {
      polygon.drawing = null;
      return this.skip(index, event, "no outline to close");
    }
    polygon.drawing = null;
    // the editor's own edits (commands.js): the same parts, rounded the same way
    const hole = data.ring === "hole" || (data.ring !== "part" && drawing.hole);
    if (drawing.extra) {
      this.command(event, hole ? "add-hole" : "add-part", [polygon], () => {
        polygon.parts = withRingAdded(polygon.parts, drawing.ring, hole);
      });
    } else {
      const category = data.category !== undefined && data.category !== null ? data.category : polygon.category;
      this.command(event, "create", [polygon], () => {
        const drawn = drawnAnnotation(polygon.annotation, category, drawing.ring);
        Object.assign(polygon, { category: drawn.categoryId, parts: drawn.parts, closed: true, undone: false,
          deleted: false, closedAt: event.at_ms });
      });
      // the state "before" a create is: not there
      const entry = this.history(event.session).undo.at(-1);
      entry.before.set(polygon.annotation, { parts: [], category: polygon.category, deleted: false, undone: true,
        closed: false });
    }
    if (polygon.closedAt === null) polygon.closedAt = event.at_ms;
    return undefined;
  }

  cancel(event) {
    const polygon = this.polygon(event.annotation, event.at_ms);
    const extra = polygon.drawing && polygon.drawing.extra;
    polygon.drawing = null;
    if (!extra && !polygon.closed) polygon.cancelled = true;
  }

  edit(event, data, index) {
    const { kind } = event;
    const polygon = this.polygons.get(event.annotation);
    if (!polygon || !polygon.closed || polygon.deleted || polygon.undone) {
      this.push(event, { annotation: event.annotation, action: kind, drawable: false });
      return this.skip(index, event, "polygon not in the replay");
    }
    polygon.edits += 1;
    const parts = polygon.parts;
    const part = Number.isInteger(data.part) ? data.part : 0;
    const ring = parts[part] && parts[part].ring;
    let change = null;
    let touched = [polygon];
    if (kind === "move-vertex" && ring && isIndex(data.index, ring.length) && isPoint(data.to)) {
      // Vertices shared with neighbours sit where this one was and moved with it (the editor's one command).
      const others = this.sharing(polygon, data);
      touched = [polygon, ...others];
      const refs = [{ clientId: polygon.annotation, ring: part, index: data.index },
        ...others.flatMap((other) => verticesAt(other, data.from))];
      change = () => {
        const moved = withVerticesMoved((annotation) => this.polygons.get(annotation).parts, refs, data.to);
        for (const other of touched) other.parts = moved.get(other.annotation);
      };
    } else if (kind === "insert-vertex" && ring && Number.isInteger(data.index) && data.index >= 0
      && data.index <= ring.length && isPoint(data.point)) {
      // the event names the new vertex's index; the editor's edit, the edge before it
      change = () => { polygon.parts = withVertexInserted(parts, part, data.index - 1, data.point); };
    } else if (kind === "delete-vertex" && ring && isIndex(data.index, ring.length)
      && withVertexDeleted(parts, part, data.index)) {
      change = () => { polygon.parts = withVertexDeleted(parts, part, data.index); };
    } else if (kind === "move-polygon" && Number.isFinite(data.dx) && Number.isFinite(data.dy)) {
      change = () => { polygon.parts = translated(parts, data.dx, data.dy); };
    } else if (kind === "class-change" && data.to !== undefined && data.to !== null) {
      change = () => { polygon.category = data.to; };
    } else if (kind === "delete") {
      change = () => {
        polygon.deleted = true;
        polygon.deletedAt = event.at_ms;
      };
    }
    if (!change) {
      this.push(event, { annotation: event.annotation, action: kind, drawable: false });
      return this.skip(index, event, "no position in the event");
    }
    // snapshots copy the parts, so changing them in place leaves the history's copies as they were
    this.command(event, kind, touched, change);
    return undefined;
  }

  /** The other polygons with a vertex where a moved shared vertex was (at most `shared` of them). */
  sharing(polygon, data) {
    const wanted = Number.isInteger(data.shared) ? data.shared : 0;
    if (!wanted || !isPoint(data.from)) return [];
    const found = [];
    for (const other of this.polygons.values()) {
      if (other === polygon || !other.closed || other.deleted || other.undone) continue;
      if (other.parts.some((p) => p.ring.some(([x, y]) => x === data.from[0] && y === data.from[1]))) found.push(other);
      if (found.length >= wanted) break;
    }
    return found;
  }

  step(event, data, index) {
    const history = this.history(event.session);
    const [from, to] = event.kind === "undo" ? [history.undo, history.redo] : [history.redo, history.undo];
    const entry = from.at(-1);
    if (!entry || entry.annotation !== event.annotation || (data.action && entry.action !== data.action)) {
      return this.skip(index, event, "history not in the replay");
    }
    from.pop();
    to.push(entry);
    if (!entry.drawable) return this.skip(index, event, "no position in the undone edit");
    const snaps = event.kind === "undo" ? entry.before : entry.after;
    for (const [annotation, snap] of snaps) {
      const polygon = this.polygons.get(annotation);
      if (polygon) {
        this.restore(polygon, snap);
        polygon.lastAt = event.at_ms;
      }
    }
    return undefined;
  }
}

/** Refs {clientId, ring, index} to each of a polygon's vertices at `point`. */
function verticesAt(polygon, point) {
  return polygon.parts.flatMap((part, ring) => part.ring.flatMap(([x, y], index) =>
    (x === point[0] && y === point[1] ? [{ clientId: polygon.annotation, ring, index }] : [])));
}

function visible(polygon) {
  return !polygon.cancelled && !polygon.deleted && !polygon.undone && (polygon.closed || Boolean(polygon.drawing));
}

/**
 * The image at labour time `atMs`: every event with at_ms <= atMs applied in order.
 *
 * Returns {index, event, placed, shown, polygons, skipped, rubber}:
 * - `index`: the last event applied (-1 before the first), `event` that event (or null);
 * - `placed`: vertex events so far; `shown`: vertices on screen (visible polygons and drawings);
 * - `polygons`: every annotation seen so far, in order of first appearance, each {annotation, order, category,
 *   parts: [{ring: [[x, y], ...], hole}], points (the outer ring, or the drawing's), drawing: {ring, hole, extra}
 *   | null, closed, deleted, cancelled, undone, visible, firstAt, closedAt, deletedAt, lastAt, edits};
 * - `skipped`: events that could not be drawn, {index, at_ms, kind, annotation, reason};
 * - `rubber`: the drawing line to the next vertex (or back to the first at close) of the drawing most
 *   recently worked on, {annotation, from, to, fromMs, toMs}, or null.
 */
export function stateAt(events, atMs = Infinity) {
  const index = eventIndexAt(events, atMs);
  const replayer = new Replayer();
  for (let i = 0; i <= index; i += 1) replayer.apply(events[i], i);
  const polygons = [...replayer.polygons.values()].map((polygon) => {
    const shown = visible(polygon);
    const outer = polygon.parts.find((part) => !part.hole);
    return {
      ...polygon,
      parts: copyParts(polygon.parts),
      drawing: polygon.drawing ? { ...polygon.drawing, ring: polygon.drawing.ring.map((p) => [...p]) } : null,
      points: (outer ? outer.ring : polygon.drawing ? polygon.drawing.ring : []).map((p) => [...p]),
      visible: shown,
    };
  });
  let shownCount = 0;
  for (const polygon of polygons) {
    if (!polygon.visible) continue;
    if (polygon.closed) shownCount += polygon.parts.reduce((n, part) => n + part.ring.length, 0);
    if (polygon.drawing) shownCount += polygon.drawing.ring.length;
  }
  return {
    index,
    event: index >= 0 ? events[index] : null,
    placed: replayer.placed,
    shown: shownCount,
    polygons,
    skipped: replayer.skipped,
    rubber: rubberAt(events, index, polygons),
  };
}

/** The line being drawn after event `index`: from the last vertex of the latest drawing to where its next
 *  vertex lands (or to its first vertex when the next event closes it); null when no drawing is under way. */
function rubberAt(events, index, polygons) {
  const drawing = polygons.filter((polygon) => polygon.drawing && polygon.drawing.ring.length && polygon.visible)
    .sort((a, b) => b.lastAt - a.lastAt)[0];
  if (!drawing || index < 0) return null;
  const ring = drawing.drawing.ring;
  const from = ring[ring.length - 1];
  for (let i = index + 1; i < events.length && i <= index + 500; i += 1) {
    const event = events[i];
    if (event.annotation !== drawing.annotation || event.kind === "trace-start") continue;
    const data = event.data || {};
    if (event.kind === "vertex" && isPoint(data.point)
      && (!Number.isInteger(data.index) || data.index === ring.length)) {
      return { annotation: drawing.annotation, from, to: [...data.point], fromMs: events[index].at_ms, toMs: event.at_ms };
    }
    if (event.kind === "close" && ring.length >= 3) {
      return { annotation: drawing.annotation, from, to: [...ring[0]], fromMs: events[index].at_ms, toMs: event.at_ms };
    }
    return null;
  }
  return null;
}
