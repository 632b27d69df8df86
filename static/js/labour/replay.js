// The replay page (/replay/<image id>): a time-lapse of how an image was labelled. Loads the image's events on
// the labour clock (GET /api/images/<id>/replay) and the classes' colours (GET /api/categories), then draws
// the polygons as they were at the scrubber's time on a canvas over the image. What is drawn comes from the
// pure stateAt() in replay_state.js; this module only plays, scrubs and paints. It sets text with textContent
// only, keeps no globals, and tells tests what is on screen through the canvas's data attributes
// (data-vertices, data-placed, data-at-ms, data-event-index, data-annotations).

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { annotationsOf, eventIndexAt, formatClock, stateAt } from "./replay_state.js";

const FALLBACK_COLOUR = "#8a8f94";
const SKIPPED_COLOUR = "#d97706";
const GLOSS = {
  open: "the editor opens", "draw-start": "starts a polygon", vertex: "places a vertex",
  "remove-vertex": "takes a vertex back", close: "closes the polygon", cancel: "cancels the drawing",
  "ring-start": "starts a part or hole", "ring-cancel": "drops the part or hole", "trace-start": "traces an outline",
  "move-vertex": "moves a vertex", "insert-vertex": "inserts a vertex", "delete-vertex": "deletes a vertex",
  "move-polygon": "moves the polygon", "class-change": "changes the class", delete: "deletes the polygon",
  undo: "undoes", redo: "redoes", zoom: "zooms", pan: "pans", select: "selects", tool: "picks a tool",
  "class-pick": "picks a class", visibility: "tab shown or hidden",
};

const $ = (id) => document.getElementById(id);
const dom = {
  root: $("replay"), scope: $("replay-scope"), play: $("replay-play"), speed: $("replay-speed"),
  scrubber: $("replay-scrubber"), marks: $("replay-marks"), clock: $("replay-clock"), stage: $("replay-stage"),
  image: $("replay-image"), canvas: $("replay-canvas"), kind: $("replay-kind"), detail: $("replay-detail"),
  placed: $("replay-placed"), shown: $("replay-shown"), polygons: $("replay-polygons"), none: $("replay-none"),
  skippedBox: $("replay-skipped-box"), skipped: $("replay-skipped"), note: $("replay-note"),
  message: $("replay-message"),
};
const page = JSON.parse($("replay-data").textContent);
const image = page.image;
const only = page.annotation || "";
const api = makeApi();

const player = {
  events: [], duration: 0, atMs: 0, playing: false, speed: Number(dom.speed.value) || 10, lastFrame: null,
  frame: 0, index: null, state: null, scrubbing: false, colours: new Map(), names: new Map(), numbers: new Map(), categories: new Map(), drawnKey: null, clockText: null,
};

// --- loading -------------------------------------------------------------------------------------------------

function replayUrl(annotation) {
  const query = annotation ? `?annotation=${encodeURIComponent(annotation)}` : "";
  return `/api/images/${image.id}/replay${query}`;
}

async function load() {
  try {
    const [replay, categories, whole] = await Promise.all([
      api.get(replayUrl(only)),
      api.get("/api/categories").catch(() => ({ items: [] })),
      only ? api.get(replayUrl("")).catch(() => null) : null,
    ]);
    for (const category of categories.items || []) {
      player.colours.set(category.id, category.colour || FALLBACK_COLOUR);
      player.names.set(category.id, category.name);
    }
    player.events = replay.events || [];
    player.duration = Number(replay.duration_ms) || 0;
    describeThreshold(replay.idle_threshold_ms);
    buildScope(whole ? whole.events || [] : player.events);
    buildTimeline();
    dom.scrubber.max = String(player.duration);
    dom.scrubber.disabled = !player.events.length;
    dom.play.disabled = !player.events.length;
    if (!player.events.length) {
      say(only ? "There are no recorded events for this polygon." : "There is no labour recorded for this image "
        + "yet (a participant sees only their own).");
    }
    dom.root.dataset.state = "ready";
    seek(0);
  } catch (error) {
    dom.root.dataset.state = "error";
    say(`The replay could not be loaded: ${error.message}`);
  }
}

function say(text) {
  dom.message.textContent = text;
}

function describeThreshold(thresholdMs) {
  const threshold = formatDuration(Number(thresholdMs) || 30_000);
  dom.note.textContent = `Labour time: a pause longer than ${threshold} counts as ${threshold}, as in the labour `
    + "ledger, so the replay never stalls on a break; one session follows another without the time between them.";
}

function categoryOf(events, annotation) {
  let category = null;
  for (const event of events) {
    if (event.annotation !== annotation || !event.data) continue;
    if (event.kind === "close" && event.data.category != null) return event.data.category;
    if (event.kind === "draw-start" && event.data.category != null && category === null) category = event.data.category;
  }
  return category;
}

/** A polygon as people say it: its class and its number in the order drawn ("car 3"). */
function polygonName(annotation, category = player.categories.get(annotation)) {
  const number = player.numbers.get(annotation);
  const name = player.names.get(category) || "polygon";
  return number ? `${name} ${number}` : name;
}

/** An event in words ("closes the polygon"), its kind kept for anyone who wants the raw name. */
function eventWords(kind) {
  const words = GLOSS[kind] || kind;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The scope select: the whole image, or one of the polygons the events are about (in order drawn). */
function buildScope(events) {
  const annotations = annotationsOf(events);
  if (only && !annotations.includes(only)) annotations.push(only);
  annotations.forEach((annotation, number) => {
    player.numbers.set(annotation, number + 1);
    player.categories.set(annotation, categoryOf(events, annotation));
  });
  annotations.forEach((annotation) => {
    dom.scope.append(element(document, "option", { text: polygonName(annotation), attrs: { value: annotation } }));
  });
  dom.scope.value = only;
  dom.scope.addEventListener("change", () => {
    const url = new URL(window.location.href);
    if (dom.scope.value) url.searchParams.set("annotation", dom.scope.value);
    else url.searchParams.delete("annotation");
    window.location.assign(url.toString());
  });
}

/** Marks under the scrubber: closes in the class colour, deletes in red, edits the replay cannot draw in amber. */
function buildTimeline() {
  const end = stateAt(player.events);
  const span = player.duration || 1;
  const marks = [];
  const mark = (atMs, kind, colour, label) => {
    const node = element(document, "span", { className: `replay-mark replay-mark-${kind}`, attrs: { title: label } });
    node.style.left = `${Math.min(100, Math.max(0, (atMs / span) * 100))}%`;
    if (colour) node.style.background = colour;
    marks.push(node);
  };
  for (const event of player.events) {
    if (event.kind === "close") {
      mark(event.at_ms, "close", colourOf(categoryOf(player.events, event.annotation)), `${formatClock(event.at_ms)} ${polygonName(event.annotation)} closed`);
    } else if (event.kind === "delete") {
      mark(event.at_ms, "delete", null, `${formatClock(event.at_ms)} ${polygonName(event.annotation)} deleted`);
    }
  }
  for (const skipped of end.skipped) {
    mark(skipped.at_ms, "skipped", SKIPPED_COLOUR,
      `${formatClock(skipped.at_ms)} ${eventWords(skipped.kind)}: not drawn (${skipped.reason})`);
    const item = element(document, "li");
    item.append(element(document, "span", { className: "replay-time", text: formatClock(skipped.at_ms) }),
      ` ${eventWords(skipped.kind)}${skipped.annotation ? ` · ${polygonName(skipped.annotation)}` : ""}: `
      + skipped.reason);
    dom.skipped.append(item);
  }
  dom.marks.replaceChildren(...marks);
  dom.skippedBox.hidden = !end.skipped.length;
}

function colourOf(category) {
  return player.colours.get(category) || FALLBACK_COLOUR;
}

// --- playing -------------------------------------------------------------------------------------------------

function seek(atMs) {
  player.atMs = Math.min(player.duration, Math.max(0, Number(atMs) || 0));
  schedule();
}

function setPlaying(on) {
  if (on && player.atMs >= player.duration) player.atMs = 0; // play at the end starts again
  player.playing = Boolean(on) && player.events.length > 0;
  player.lastFrame = null;
  dom.play.textContent = player.playing ? "Pause" : "Play";
  dom.play.setAttribute("aria-pressed", String(player.playing));
  dom.root.dataset.playing = String(player.playing);
  schedule();
}

function schedule() {
  if (!player.frame) player.frame = requestAnimationFrame(tick);
}

function tick(now) {
  player.frame = 0;
  if (player.playing) {
    if (player.lastFrame !== null) player.atMs = Math.min(player.duration, player.atMs + (now - player.lastFrame) * player.speed);
    player.lastFrame = now;
    if (player.atMs >= player.duration) setPlaying(false);
  }
  update();
  if (player.playing) schedule();
}

/** Bring the page up to player.atMs, touching only what changed. */
function update() {
  const { events, atMs } = player;
  const index = eventIndexAt(events, atMs);
  if (index !== player.index || !player.state) {
    player.index = index;
    player.state = stateAt(events, atMs);
    showState(player.state);
  }
  if (!player.scrubbing) dom.scrubber.value = String(atMs);
  const clock = `${formatClock(atMs)} / ${formatClock(player.duration)}`;
  if (clock !== player.clockText) {
    player.clockText = clock;
    dom.clock.textContent = clock;
  }
  dom.canvas.dataset.atMs = String(Math.round(atMs));
  draw();
}

function showState(state) {
  const { event } = state;
  dom.kind.textContent = event ? eventWords(event.kind) : "–";
  dom.kind.dataset.kind = event ? event.kind : "";
  const detail = [];
  if (event && event.annotation) detail.push(polygonName(event.annotation));
  if (event && event.kind === "vertex" && event.data && event.data.provenance) detail.push(`by ${event.data.provenance}`);
  if (event && state.skipped.some((s) => s.index === state.index)) detail.push("not drawn: its data say no position");
  dom.detail.textContent = detail.join(" · ");
  dom.placed.textContent = String(state.placed);
  dom.shown.textContent = String(state.shown);
  Object.assign(dom.canvas.dataset, {
    vertices: String(state.shown), placed: String(state.placed), eventIndex: String(state.index),
    annotations: state.polygons.filter((p) => p.visible).map((p) => p.annotation).join(","),
  });
  showPolygons(state);
}

function polygonStatus(polygon) {
  if (polygon.deleted) return "deleted";
  if (polygon.cancelled) return "cancelled";
  if (polygon.undone) return "undone";
  if (polygon.drawing) return polygon.closed ? "adding a part" : "drawing";
  return polygon.closed ? "closed" : "started";
}

function showPolygons(state) {
  const items = state.polygons.map((polygon) => {
    const item = element(document, "li");
    const status = polygonStatus(polygon);
    item.dataset.annotation = polygon.annotation;
    item.dataset.status = status;
    if (state.event && state.event.annotation === polygon.annotation) item.classList.add("current");
    const swatch = element(document, "span", { className: "replay-swatch" });
    swatch.style.background = colourOf(polygon.category);
    const name = element(document, "span", { className: "replay-polygon-name",
      text: polygonName(polygon.annotation, polygon.category) });
    const vertices = polygon.parts.reduce((n, part) => n + part.ring.length, 0)
      + (polygon.drawing ? polygon.drawing.ring.length : 0);
    const what = element(document, "span", { className: "replay-polygon-status",
      text: `${status}, ${vertices} ${vertices === 1 ? "vertex" : "vertices"}` });
    item.append(swatch, name, what);
    return item;
  });
  dom.polygons.replaceChildren(...items);
  dom.none.hidden = items.length > 0;
}

// --- painting ------------------------------------------------------------------------------------------------

function rubberProgress(rubber) {
  if (!rubber) return null;
  const span = rubber.toMs - rubber.fromMs;
  const progress = span > 0 ? Math.min(1, Math.max(0, (player.atMs - rubber.fromMs) / span)) : 1;
  return Math.round(progress * 200) / 200;
}

function draw() {
  const { canvas, image: img } = dom;
  const width = img.clientWidth;
  const height = img.clientHeight;
  if (!width || !height || !player.state) return;
  const ratio = window.devicePixelRatio || 1;
  const progress = rubberProgress(player.state.rubber);
  const key = `${player.index}|${progress}|${width}x${height}@${ratio}`;
  if (key === player.drawnKey) return; // nothing on screen would change
  player.drawnKey = key;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const context = canvas.getContext("2d");
  const scale = (width / image.width) * ratio;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  const at = ([x, y]) => [x * scale, y * scale];
  const size = Math.max(1, ratio);
  const { state } = player;
  const current = state.event && state.event.annotation;

  for (const polygon of state.polygons) {
    if (!polygon.visible || !polygon.closed) continue;
    const colour = colourOf(polygon.category);
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
    const colour = colourOf(polygon.category);
    const points = polygon.drawing.ring.map(at);
    context.beginPath();
    ring(context, points, false);
    halo(context, 2.5 * size, colour);
    dots(context, points, colour, 3.5 * size);
  }

  const { rubber } = state;
  if (rubber && progress !== null) {
    const polygon = state.polygons.find((p) => p.annotation === rubber.annotation);
    const [fx, fy] = at(rubber.from);
    const [tx, ty] = at(rubber.to);
    context.beginPath();
    context.moveTo(fx, fy);
    context.lineTo(fx + (tx - fx) * progress, fy + (ty - fy) * progress);
    context.setLineDash([6 * size, 4 * size]);
    halo(context, 2 * size, colourOf(polygon && polygon.category));
    context.setLineDash([]);
  }

  // the vertex just placed or changed: a ring round it
  const event = state.event;
  if (event && event.data && ["vertex", "insert-vertex", "move-vertex"].includes(event.kind)
    && !state.skipped.some((s) => s.index === state.index)) {
    const point = event.data.point || event.data.to;
    if (Array.isArray(point)) {
      const [x, y] = at(point);
      context.beginPath();
      context.arc(x, y, 8 * size, 0, Math.PI * 2);
      context.lineWidth = 2.5 * size;
      context.strokeStyle = "#ffffff";
      context.stroke();
    }
  }
}

function ring(context, points, closed) {
  points.forEach(([x, y], index) => (index ? context.lineTo(x, y) : context.moveTo(x, y)));
  if (closed && points.length) context.closePath();
}

/** A line in `colour` on a dark halo, legible on light and dark scenes alike. */
function halo(context, width, colour) {
  context.lineWidth = width + 3;
  context.strokeStyle = "rgba(0, 0, 0, 0.55)";
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

// --- controls ------------------------------------------------------------------------------------------------

dom.play.addEventListener("click", () => setPlaying(!player.playing));
dom.speed.addEventListener("change", () => {
  player.speed = Number(dom.speed.value) || 1;
});
dom.scrubber.addEventListener("input", () => {
  player.scrubbing = true;
  seek(Number(dom.scrubber.value));
  player.lastFrame = null;
});
dom.scrubber.addEventListener("change", () => {
  player.scrubbing = false;
  seek(Number(dom.scrubber.value));
});
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLElement && target.closest("button, select, input, textarea, a")) return;
  event.preventDefault();
  if (!dom.play.disabled) setPlaying(!player.playing);
});
new ResizeObserver(() => schedule()).observe(dom.image);
if (!dom.image.complete) dom.image.addEventListener("load", () => schedule(), { once: true });

load();
