// The debrief's time-lapse, as data: which outline is on screen, and how far drawn, at a moment of the room's
// clock. Pure: no DOM, no timers; page.js draws what this says. An outline starts at its first vertex (first_ms,
// on the server's clock) and grows vertex by vertex until its close (closed_at_ms), when it is filled. The ledger
// has each vertex's time, but the timeline carries the outline's two moments only, so its vertices are spread
// evenly between them (the definition shown on the page says so).

/** Playback speeds: "fit" plays the whole session in FILM_MS (never slower than real time); the others are fixed. */
export const FILM_MS = 60_000;
export const SPEEDS = [
  { id: "fit", label: "the whole session in 60 s" },
  { id: "60", label: "an hour in 60 s", rate: 60 },
  { id: "120", label: "an hour in 30 s", rate: 120 },
];

/** Room milliseconds per film millisecond. */
export function filmRate(spanMs, speedId = "fit") {
  const speed = SPEEDS.find((item) => item.id === speedId) ?? SPEEDS[0];
  if (speed.rate) return speed.rate;
  return Math.max(1, (spanMs > 0 ? spanMs : 0) / FILM_MS);
}

/** How far an outline is drawn at room time `t`: null before its first vertex, 0..1 while drawn, 1 once closed. */
export function progressAt(outline, t) {
  if (t < outline.first_ms) return null;
  if (t >= outline.closed_at_ms) return 1;
  const span = outline.closed_at_ms - outline.first_ms;
  return span > 0 ? (t - outline.first_ms) / span : 1;
}

/** The vertices placed so far of an outline's first outer part at `fraction` drawn: a flat [x, y, ...] (>= 1 point). */
export function drawnSoFar(outline, fraction) {
  const outer = (outline.parts ?? []).find((part) => !part.hole) ?? outline.parts?.[0];
  const points = outer?.points ?? [];
  const count = points.length / 2;
  const shown = Math.min(count, Math.max(1, Math.ceil(fraction * count)));
  return points.slice(0, shown * 2);
}

/**
 * A film of the timeline's outlines, stepped forward or sent back: `at(t)` says which outlines closed since the
 * last step (`closed`: draw them for good), which are being drawn now (`drawing`: [{outline, fraction}], drawn
 * afresh each frame), and whether everything must be drawn again (`reset`, after going back).
 */
export class Film {
  constructor(timeline) {
    this.outlines = [...(timeline.outlines ?? [])].sort((a, b) => a.closed_at_ms - b.closed_at_ms || a.id - b.id);
    this.byStart = [...this.outlines].sort((a, b) => a.first_ms - b.first_ms || a.id - b.id);
    this.start = timeline.start_ms ?? 0;
    this.end = timeline.end_ms ?? this.start;
    this.rewind();
  }

  get span() {
    return Math.max(0, this.end - this.start);
  }

  rewind() {
    this.t = -Infinity;
    this.closedCount = 0; // outlines[0 .. closedCount) are closed
    this.startedCount = 0; // byStart[0 .. startedCount) have their first vertex
  }

  /** Step to room time `t` (epoch ms). */
  at(t) {
    let reset = false;
    if (t < this.t) {
      this.rewind();
      reset = true;
    }
    this.t = t;
    const closed = [];
    while (this.closedCount < this.outlines.length && this.outlines[this.closedCount].closed_at_ms <= t) {
      closed.push(this.outlines[this.closedCount]);
      this.closedCount += 1;
    }
    while (this.startedCount < this.byStart.length && this.byStart[this.startedCount].first_ms <= t) {
      this.startedCount += 1;
    }
    const drawing = [];
    for (let index = 0; index < this.startedCount; index += 1) {
      const outline = this.byStart[index];
      if (outline.closed_at_ms > t) drawing.push({ outline, fraction: progressAt(outline, t) });
    }
    return { closed, drawing, reset, closedCount: this.closedCount };
  }
}
