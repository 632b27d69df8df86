// The replay page (/replay/<image id>): a time-lapse of how an image was labelled. Loads the image's events on
// the labour clock (GET /api/images/<id>/replay) and the classes' colours (GET /api/categories), then draws
// the polygons as they were at the scrubber's time on a canvas over the image. What is drawn comes from the
// pure stateAt() in replay_state.js, what is said about it from replay_text.js, the painting from
// replay_paint.js; this module loads, plays and scrubs. It sets text with textContent only, keeps no
// globals, and tells tests what is on screen through the canvas's data attributes (data-vertices,
// data-placed, data-at-ms, data-event-index, data-annotations).

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { ReplayPainter } from "./replay_paint.js";
import { eventIndexAt, formatClock, stateAt } from "./replay_state.js";
import {
  FALLBACK_COLOUR, eventDetail, eventWords, polygonNames, polygonStatus, skippedLine, thresholdNote, timelineMarks,
  vertexCount,
} from "./replay_text.js";

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
  frame: 0, index: null, state: null, scrubbing: false, colours: new Map(), names: new Map(), clockText: null,
  name: () => "polygon", // polygonNames(...).name once loaded
};
const colourOf = (category) => player.colours.get(category) || FALLBACK_COLOUR;
const painter = new ReplayPainter({ canvas: dom.canvas, picture: dom.image, image, colourOf });

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
    dom.note.textContent = thresholdNote(replay.idle_threshold_ms);
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

/** The scope select: the whole image, or one of the polygons the events are about (in order drawn). */
function buildScope(events) {
  const named = polygonNames(events, player.names, only);
  player.name = named.name;
  for (const annotation of named.annotations) {
    dom.scope.append(element(document, "option", { text: named.name(annotation), attrs: { value: annotation } }));
  }
  dom.scope.value = only;
  dom.scope.addEventListener("change", () => {
    const url = new URL(window.location.href);
    if (dom.scope.value) url.searchParams.set("annotation", dom.scope.value);
    else url.searchParams.delete("annotation");
    window.location.assign(url.toString());
  });
}

/** Marks under the scrubber, and the list of what the replay cannot draw. */
function buildTimeline() {
  const end = stateAt(player.events);
  const marks = timelineMarks(player.events, end, player.duration, { colourOf, name: player.name }).map((mark) => {
    const node = element(document, "span", { className: `replay-mark replay-mark-${mark.kind}`, attrs: { title: mark.label } });
    node.style.left = mark.left;
    if (mark.colour) node.style.background = mark.colour;
    return node;
  });
  for (const skipped of end.skipped) {
    const line = skippedLine(skipped, player.name);
    const item = element(document, "li");
    item.append(element(document, "span", { className: "replay-time", text: line.time }), line.text);
    dom.skipped.append(item);
  }
  dom.marks.replaceChildren(...marks);
  dom.skippedBox.hidden = !end.skipped.length;
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
  painter.paint(player.state, player.index, player.atMs, window.devicePixelRatio || 1);
}

function showState(state) {
  const { event } = state;
  dom.kind.textContent = event ? eventWords(event.kind) : "–";
  dom.kind.dataset.kind = event ? event.kind : "";
  dom.detail.textContent = eventDetail(state, player.name);
  dom.placed.textContent = String(state.placed);
  dom.shown.textContent = String(state.shown);
  Object.assign(dom.canvas.dataset, {
    vertices: String(state.shown), placed: String(state.placed), eventIndex: String(state.index),
    annotations: state.polygons.filter((p) => p.visible).map((p) => p.annotation).join(","),
  });
  showPolygons(state);
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
    const vertices = vertexCount(polygon);
    item.append(swatch,
      element(document, "span", { className: "replay-polygon-name", text: player.name(polygon.annotation, polygon.category) }),
      element(document, "span", { className: "replay-polygon-status",
        text: `${status}, ${vertices} ${vertices === 1 ? "vertex" : "vertices"}` }));
    return item;
  });
  dom.polygons.replaceChildren(...items);
  dom.none.hidden = items.length > 0;
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
