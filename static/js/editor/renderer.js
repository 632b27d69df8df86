// Drawing, on two stacked canvases of the stage. The base layer holds the image and the committed
// polygons and is redrawn only when they or the view change; the overlay holds what moves with the
// pointer (selection, handles, the polygon being drawn, its rubber band) and is cheap to redraw.
// Both redraw at most once per animation frame, whatever asks for it.
// Polygons are drawn in screen pixels, so outlines and handles keep their size at any zoom.
// Someone else's polygons (shared layers, read-only) are drawn faint with a dashed outline.

import { signedArea } from "./geometry.js";
import { isMine } from "./layers.js";

export const HANDLE_RADIUS = 4.5; // drawn vertex handle, screen px
export const HIT_RADIUS = 8; // how near a vertex a press must be, screen px
export const MIDPOINT_RADIUS = 3.5;
export const MIDPOINT_MIN_EDGE = 24; // edges shorter than this on screen show no midpoint handle

const SELECT_COLOUR = "#ffffff";
const OTHERS_FILL = 0.35; // others' fill, as a share of the chosen opacity
const OTHERS_DASH = [6, 4];
const ACCENT = "#ff8a3d";

function hexToRgba(hex, alpha) {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  const value = match ? parseInt(match[1], 16) : 0x888888;
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** Screen positions of the midpoints of a ring's edges long enough to carry a handle. */
export function midpointHandles(ring, toScreen) {
  const handles = [];
  for (let edge = 0; edge < ring.length; edge++) {
    const a = toScreen(ring[edge]);
    const b = toScreen(ring[(edge + 1) % ring.length]);
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) >= MIDPOINT_MIN_EDGE) {
      const imagePoint = [(ring[edge][0] + ring[(edge + 1) % ring.length][0]) / 2,
        (ring[edge][1] + ring[(edge + 1) % ring.length][1]) / 2];
      handles.push({ edge, screen: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], point: imagePoint });
    }
  }
  return handles;
}

// The cached polygon layer reaches a few pixels past the image, so outlines on its edge keep their halo;
// above this many device pixels (deep zoom) polygons are drawn directly instead.
const LAYER_MARGIN = 4;
const MAX_LAYER_PIXELS = 12_000_000;

export class Renderer {
  constructor({ base, overlay, image, store, view, settings, tool }) {
    this.base = base;
    this.overlay = overlay;
    this.baseContext = base.getContext("2d");
    this.overlayContext = overlay.getContext("2d");
    this.image = image;
    this.store = store;
    this.view = view;
    this.settings = settings; // {opacity, hideAll, hiddenCategories, layers (a LayerVisibility)}
    this.tool = tool; // () => the active tool: preview() and draft() say what it is doing
    this.width = 0;
    this.height = 0;
    this.ratio = 1;
    this.baseDirty = true;
    this.overlayDirty = true;
    this.frame = null;
    this.hiddenIds = []; // drawn on the overlay instead while they are being dragged
    this.sharedCache = null; // {key, keys}: the selected polygon's vertices shared with others
  }

  resize(width, height) {
    this.ratio = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    for (const canvas of [this.base, this.overlay]) {
      canvas.width = Math.round(width * this.ratio);
      canvas.height = Math.round(height * this.ratio);
    }
    this.invalidate();
  }

  invalidateBase() {
    this.baseDirty = true;
    this.schedule();
  }

  invalidateOverlay() {
    this.overlayDirty = true;
    this.schedule();
  }

  invalidate() {
    this.baseDirty = true;
    this.overlayDirty = true;
    this.schedule();
  }

  schedule() {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  /** Draw now whatever is out of date. */
  draw() {
    const preview = this.tool().preview();
    const hidden = preview ? [preview.id, ...(preview.others || []).map((other) => other.id)] : [];
    if (hidden.join(" ") !== this.hiddenIds.join(" ")) {
      this.hiddenIds = hidden;
      this.baseDirty = true;
    }
    if (this.baseDirty) this.drawBase();
    if (this.overlayDirty) this.drawOverlay(preview);
    this.baseDirty = false;
    this.overlayDirty = false;
  }

  toScreen = (point) => this.view.imageToScreen(point[0], point[1]);

  drawBase() {
    const ctx = this.baseContext;
    const { scale, offsetX, offsetY } = this.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.base.width, this.base.height);
    if (this.image && this.image.naturalWidth) {
      ctx.setTransform(this.ratio * scale, 0, 0, this.ratio * scale, this.ratio * offsetX, this.ratio * offsetY);
      ctx.imageSmoothingEnabled = scale < 2; // zoomed in, show the pixels as they are
      const { brightness = 1, contrast = 1 } = this.settings;
      // Brightness and contrast change the image only, never the polygons drawn over it.
      if (brightness !== 1 || contrast !== 1) ctx.filter = `brightness(${brightness}) contrast(${contrast})`;
      ctx.drawImage(this.image, 0, 0);
      ctx.filter = "none";
    }
    const layer = this.polygonLayer();
    if (layer) {
      // Panning only moves the cached layer: the polygons are redrawn when they or the scale change.
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(layer.canvas, Math.round(this.ratio * (offsetX - LAYER_MARGIN)), Math.round(this.ratio * (offsetY - LAYER_MARGIN)));
      return;
    }
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    this.drawPolygons(ctx, this.toScreen);
  }

  drawPolygons(ctx, toScreen) {
    for (const annotation of this.store.list()) {
      if (this.hiddenIds.includes(annotation.clientId) || !this.visible(annotation)) continue;
      const style = isMine(annotation) ? { fill: this.settings.opacity }
        : { fill: this.settings.opacity * OTHERS_FILL, width: 1.25, dash: OTHERS_DASH, halo: "rgba(0, 0, 0, 0.35)" };
      this.drawPolygon(ctx, annotation.parts, this.colourOf(annotation), style, toScreen);
    }
  }

  /** The committed polygons drawn once at the current scale, or null when that bitmap would be too large
   *  (deep zoom: then they are drawn directly, as few are on screen). */
  polygonLayer() {
    if (!this.image || !this.image.naturalWidth) return null;
    const { scale } = this.view;
    const { opacity, hideAll = false, hiddenCategories = null } = this.settings;
    const width = Math.ceil((this.image.naturalWidth * scale + 2 * LAYER_MARGIN) * this.ratio);
    const height = Math.ceil((this.image.naturalHeight * scale + 2 * LAYER_MARGIN) * this.ratio);
    if (width * height > MAX_LAYER_PIXELS) return null;
    const hidden = hiddenCategories ? [...hiddenCategories].sort().join(",") : "";
    const layers = this.settings.layers ? this.settings.layers.revision : "";
    const key = [this.store.revision, scale, this.ratio, opacity, hideAll, hidden, layers, this.hiddenIds.join(" ")].join("|");
    if (!this.layer) this.layer = { canvas: document.createElement("canvas"), key: null };
    if (this.layer.key !== key) {
      const { canvas } = this.layer;
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext("2d");
      ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
      this.drawPolygons(ctx, ([x, y]) => [x * scale + LAYER_MARGIN, y * scale + LAYER_MARGIN]);
      this.layer.key = key;
    }
    return this.layer;
  }

  /** Not hidden by the eye toggles (all, or its class) nor by its layer's switch. */
  visible(annotation) {
    const { hideAll = false, hiddenCategories = null, layers = null } = this.settings;
    return !hideAll && !(hiddenCategories && hiddenCategories.has(annotation.categoryId))
      && (!layers || layers.visible(annotation));
  }

  colourOf(annotation) {
    const category = this.store.category(annotation.categoryId);
    return category ? category.colour : "#888888";
  }

  /** Outer rings one way round and holes the other, so a nonzero fill shows overlapping parts as one
   *  (their union, as the mask has it) and holes as holes. */
  tracePath(ctx, parts, toScreen = this.toScreen) {
    ctx.beginPath();
    for (const part of parts) {
      const ring = signedArea(part.ring) < 0 === Boolean(part.hole) ? part.ring : [...part.ring].reverse();
      ring.forEach((point, index) => {
        const [x, y] = toScreen(point);
        if (index === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.closePath();
    }
  }

  drawPolygon(ctx, parts, colour, { fill = 0.4, width = 1.5, halo = "rgba(0, 0, 0, 0.55)", dash = null } = {},
    toScreen = this.toScreen) {
    this.tracePath(ctx, parts, toScreen);
    if (fill > 0) {
      ctx.fillStyle = hexToRgba(colour, fill);
      ctx.fill("nonzero");
    }
    ctx.lineJoin = "round";
    if (dash) ctx.setLineDash(dash);
    ctx.strokeStyle = halo;
    ctx.lineWidth = width + 2;
    ctx.stroke();
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
    if (dash) ctx.setLineDash([]);
  }

  drawOverlay(preview) {
    const ctx = this.overlayContext;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    const { store } = this;
    const hovered = store.get(store.hoverId);
    if (hovered && hovered.clientId !== store.selection.id && this.visible(hovered)) {
      this.drawPolygon(ctx, hovered.parts, this.colourOf(hovered), { fill: 0.12, width: 3, halo: SELECT_COLOUR });
    }
    const selected = store.selected;
    if (selected) {
      const parts = preview && preview.id === selected.clientId ? preview.parts : selected.parts;
      this.drawSelection(ctx, selected, parts, preview);
    }
    const draft = this.tool().draft();
    if (draft) this.drawDraft(ctx, draft);
    const snap = this.tool().snapTarget ? this.tool().snapTarget() : null;
    if (snap) this.drawSnap(ctx, snap);
    for (const other of (preview && preview.others) || []) {
      const annotation = store.get(other.id);
      if (annotation) this.drawPolygon(ctx, other.parts, this.colourOf(annotation), { fill: this.settings.opacity, width: 2 });
    }
  }

  /** Where a click would snap: a ring round a vertex target, a diamond on an edge point. */
  drawSnap(ctx, snap) {
    const [x, y] = this.toScreen(snap.point);
    const r = HANDLE_RADIUS + 4;
    ctx.beginPath();
    if (snap.kind === "vertex") ctx.arc(x, y, r, 0, Math.PI * 2);
    else {
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
    }
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.strokeStyle = "#22d3ee";
    ctx.lineWidth = 2;
    ctx.stroke();
  }

  /** "x,y" keys of the selected annotation's vertices that other visible annotations share (cached per revision). */
  sharedKeys(annotation) {
    const layers = this.settings.layers ? this.settings.layers.revision : "";
    const key = `${this.store.revision}:${annotation.clientId}:${this.settings.hideAll}:${[...(this.settings.hiddenCategories || [])]}:${layers}`;
    if (this.sharedCache && this.sharedCache.key === key) return this.sharedCache.keys;
    const mine = new Set(annotation.parts.flatMap((part) => part.ring.map(([x, y]) => `${x},${y}`)));
    const keys = new Set();
    for (const other of this.store.list()) {
      // Someone else's vertex at the same place does not move along (their work is read-only): not shared.
      if (other.clientId === annotation.clientId || !isMine(other) || !this.visible(other)) continue;
      for (const part of other.parts) {
        for (const [x, y] of part.ring) {
          const k = `${x},${y}`;
          if (mine.has(k)) keys.add(k);
        }
      }
    }
    this.sharedCache = { key, keys };
    return keys;
  }

  drawSelection(ctx, annotation, parts, preview) {
    const shared = this.sharedKeys(annotation);
    const colour = this.colourOf(annotation);
    this.drawPolygon(ctx, parts, colour, { fill: Math.max(this.settings.opacity, 0.15), width: 2, halo: SELECT_COLOUR });
    if (preview && preview.moving) return; // a whole-polygon drag shows no handles
    const vertex = this.store.selection.vertex;
    const hover = this.tool().hover ? this.tool().hover() : null;
    parts.forEach((part, partIndex) => {
      for (const handle of midpointHandles(part.ring, this.toScreen)) {
        const hot = hover && hover.kind === "midpoint" && hover.part === partIndex && hover.edge === handle.edge;
        ctx.beginPath();
        ctx.arc(handle.screen[0], handle.screen[1], hot ? MIDPOINT_RADIUS + 1.5 : MIDPOINT_RADIUS, 0, Math.PI * 2);
        ctx.fillStyle = hot ? ACCENT : "rgba(255, 255, 255, 0.75)";
        ctx.fill();
        ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
        ctx.lineWidth = 1;
        ctx.stroke();
      }
      part.ring.forEach((point, index) => {
        const [x, y] = this.toScreen(point);
        const chosen = vertex && vertex.part === partIndex && vertex.index === index;
        const hot = hover && hover.kind === "vertex" && hover.part === partIndex && hover.index === index;
        const radius = chosen || hot ? HANDLE_RADIUS + 1.5 : HANDLE_RADIUS;
        ctx.beginPath();
        ctx.rect(x - radius, y - radius, radius * 2, radius * 2);
        ctx.fillStyle = chosen ? ACCENT : hot ? "#ffe0c8" : SELECT_COLOUR;
        ctx.fill();
        ctx.strokeStyle = chosen ? "#000000" : colour;
        ctx.lineWidth = 1.5;
        ctx.stroke();
        if (shared.has(`${point[0]},${point[1]}`)) {
          // Shared with a neighbour: dragging it moves both (Shift+drag: only this one).
          ctx.beginPath();
          ctx.arc(x, y, radius + 3, 0, Math.PI * 2);
          ctx.strokeStyle = "#22d3ee";
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
      });
    });
  }

  drawDraft(ctx, draft) {
    const colour = draft.colour || ACCENT;
    const screen = draft.points.map(this.toScreen);
    if (screen.length >= 3) {
      // What closing now would make, faintly filled.
      ctx.beginPath();
      screen.forEach(([x, y], index) => (index === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      if (draft.cursor) ctx.lineTo(...this.toScreen(draft.cursor));
      ctx.closePath();
      ctx.fillStyle = hexToRgba(colour, 0.15);
      ctx.fill("evenodd");
    }
    ctx.lineJoin = "round";
    ctx.beginPath();
    screen.forEach(([x, y], index) => (index === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    for (const [style, width] of [["rgba(0, 0, 0, 0.6)", 3.5], [colour, 1.75]]) {
      ctx.strokeStyle = style;
      ctx.lineWidth = width;
      ctx.stroke();
    }
    if (draft.cursor && screen.length) {
      const [cx, cy] = this.toScreen(draft.cursor);
      const [lx, ly] = screen[screen.length - 1];
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(lx, ly);
      ctx.lineTo(cx, cy);
      ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.strokeStyle = SELECT_COLOUR;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      if (screen.length >= 2) {
        ctx.beginPath();
        ctx.moveTo(cx, cy);
        ctx.lineTo(screen[0][0], screen[0][1]);
        ctx.strokeStyle = "rgba(255, 255, 255, 0.45)";
        ctx.lineWidth = 1;
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    screen.forEach(([x, y], index) => {
      const first = index === 0;
      const radius = first && draft.closable ? HANDLE_RADIUS + 3 : HANDLE_RADIUS;
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, Math.PI * 2);
      ctx.fillStyle = first && draft.closable ? ACCENT : first ? colour : SELECT_COLOUR;
      ctx.fill();
      ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
      ctx.lineWidth = 1.25;
      ctx.stroke();
    });
  }
}
