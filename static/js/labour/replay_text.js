// What the replay page says about the events, as data: events in words, polygons by class and number in the
// order drawn ("car 3") with their status, the marks under the scrubber, and the note on labour time. Pure
// (no DOM): replay.js shows it; the state at each moment is replay_state.js's.

import { formatDuration } from "../common/format.js";
import { annotationsOf, formatClock } from "./replay_state.js";

export const FALLBACK_COLOUR = "#8a8f94";
export const SKIPPED_COLOUR = "#d97706";
const GLOSS = {
  open: "the editor opens", "draw-start": "starts a polygon", vertex: "places a vertex",
  "remove-vertex": "takes a vertex back", close: "closes the polygon", cancel: "cancels the drawing",
  "ring-start": "starts a part or hole", "ring-cancel": "drops the part or hole", "trace-start": "traces an outline",
  "move-vertex": "moves a vertex", "insert-vertex": "inserts a vertex", "delete-vertex": "deletes a vertex",
  "move-polygon": "moves the polygon", "class-change": "changes the class", delete: "deletes the polygon",
  undo: "undoes", redo: "redoes", zoom: "zooms", pan: "pans", select: "selects", tool: "picks a tool",
  "class-pick": "picks a class", visibility: "tab shown or hidden",
};

/** An event in words ("Closes the polygon"); a kind without words is shown as it is. */
export function eventWords(kind) {
  const words = GLOSS[kind] || kind;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The class a polygon was closed in (else the one it was started in), from its events; null if none. */
export function categoryOf(events, annotation) {
  let category = null;
  for (const event of events) {
    if (event.annotation !== annotation || !event.data) continue;
    if (event.kind === "close" && event.data.category != null) return event.data.category;
    if (event.kind === "draw-start" && event.data.category != null && category === null) category = event.data.category;
  }
  return category;
}

/**
 * Names for the polygons the events are about, numbered in the order drawn (`only`, a polygon asked for, is
 * numbered last if its events do not show it): {annotations, name(annotation, category?)}, where `names` maps
 * class ids to class names.
 */
export function polygonNames(events, names, only = "") {
  const annotations = annotationsOf(events);
  if (only && !annotations.includes(only)) annotations.push(only);
  const numbers = new Map(annotations.map((annotation, index) => [annotation, index + 1]));
  const categories = new Map(annotations.map((annotation) => [annotation, categoryOf(events, annotation)]));
  const name = (annotation, category = categories.get(annotation)) => {
    const number = numbers.get(annotation);
    const className = names.get(category) || "polygon";
    return number ? `${className} ${number}` : className;
  };
  return { annotations, name };
}

/** Where a polygon is in its life, as the list says it. */
export function polygonStatus(polygon) {
  if (polygon.deleted) return "deleted";
  if (polygon.cancelled) return "cancelled";
  if (polygon.undone) return "undone";
  if (polygon.drawing) return polygon.closed ? "adding a part" : "drawing";
  return polygon.closed ? "closed" : "started";
}

/** The vertices a polygon shows: its parts', and the ring being drawn. */
export function vertexCount(polygon) {
  return polygon.parts.reduce((n, part) => n + part.ring.length, 0) + (polygon.drawing ? polygon.drawing.ring.length : 0);
}

/** How far along its rubber band the pointer is at `atMs` (0 to 1, in steps of 1/200), or null. */
export function rubberProgress(rubber, atMs) {
  if (!rubber) return null;
  const span = rubber.toMs - rubber.fromMs;
  const progress = span > 0 ? Math.min(1, Math.max(0, (atMs - rubber.fromMs) / span)) : 1;
  return Math.round(progress * 200) / 200;
}

/**
 * The marks under the scrubber, as {left (percent), kind, colour (or null), label}: closes in the class
 * colour, deletes in red (the style sheet's), edits the replay cannot draw in amber. `end` is stateAt() of the
 * whole replay (its `skipped`); colourOf(category) and name(annotation) as the page shows them.
 */
export function timelineMarks(events, end, duration, { colourOf, name }) {
  const span = duration || 1;
  const mark = (atMs, kind, colour, label) => ({ left: `${Math.min(100, Math.max(0, (atMs / span) * 100))}%`,
    kind, colour, label });
  const marks = [];
  for (const event of events) {
    if (event.kind === "close") {
      marks.push(mark(event.at_ms, "close", colourOf(categoryOf(events, event.annotation)),
        `${formatClock(event.at_ms)} ${name(event.annotation)} closed`));
    } else if (event.kind === "delete") {
      marks.push(mark(event.at_ms, "delete", null, `${formatClock(event.at_ms)} ${name(event.annotation)} deleted`));
    }
  }
  for (const skipped of end.skipped) {
    marks.push(mark(skipped.at_ms, "skipped", SKIPPED_COLOUR,
      `${formatClock(skipped.at_ms)} ${eventWords(skipped.kind)}: not drawn (${skipped.reason})`));
  }
  return marks;
}

/** A skipped event's line in the list of what the replay cannot draw: {time, text}. */
export function skippedLine(skipped, name) {
  return { time: formatClock(skipped.at_ms),
    text: ` ${eventWords(skipped.kind)}${skipped.annotation ? ` · ${name(skipped.annotation)}` : ""}: ${skipped.reason}` };
}

/** What the current event says beside its words: the polygon, how a vertex was placed, if it is not drawn. */
export function eventDetail(state, name) {
  const { event } = state;
  const detail = [];
  if (event && event.annotation) detail.push(name(event.annotation));
  if (event && event.kind === "vertex" && event.data && event.data.provenance) detail.push(`by ${event.data.provenance}`);
  if (event && state.skipped.some((s) => s.index === state.index)) detail.push("not drawn: its data say no position");
  return detail.join(" · ");
}

/** The note under the player on how labour time runs. */
export function thresholdNote(thresholdMs) {
  const threshold = formatDuration(Number(thresholdMs) || 30_000);
  return `Labour time: a pause longer than ${threshold} counts as ${threshold}, as in the labour `
    + "ledger, so the replay never stalls on a break; one session follows another without the time between them.";
}
