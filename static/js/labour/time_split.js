// "Where the time went": a person's (or a room's) active time cut into buckets that add up to it exactly,
// on screen as well as in the ledger. Pure: a labour report in (GET /api/labour/summary.json, the shape
// annotator/store/ledger/ `report()` makes), plain rows out; no DOM.
//
// The buckets are the ledger's own: the outlines' drawing, searching and editing (deleted outlines included:
// the work was done), the drawings cancelled before closing (all their time), and the looking around that
// led to no work. Every counted gap of a session lies in exactly one of them, so they sum to the active time.
// Should the report ever say otherwise (a core that counts a person's overlapping tabs once, say), the
// difference is shown as its own row rather than hidden, so the rows still add up to the total shown.
//
// Shown figures are rounded to the step common/format.js shows the total to (a tenth of a second under a
// minute, a second under an hour, a minute beyond), and printed by its formatDuration, so the total reads as the
// same active time does everywhere else. Rounding each on its own could make 0.1 + 0.1 + 0.1 show as 0.4, so
// they are rounded together (largest remainder) to the rounded total, and the percentages likewise to 100.

import { durationStep, formatDuration } from "../common/format.js";

export const BUCKETS = [
  { key: "draw", field: "draw_ms", label: "Drawing",
    definition: "From each outline's first vertex until it was closed." },
  { key: "search", field: "search_ms", label: "Searching",
    definition: "From the previous piece of work to an outline's first vertex: finding the object." },
  { key: "edit", field: "edit_ms", label: "Editing",
    definition: "Changing outlines after closing them, with the selecting and zooming on the way." },
  { key: "cancelled", field: "cancelled_ms", label: "Cancelled drawings",
    definition: "All the time of drawings cancelled before closing: searching for and drawing them." },
  { key: "other", field: "other_ms", label: "Looking around",
    definition: "At the end of a session, with no work after it." },
];
const RESIDUAL = { key: "unassigned", label: "In no bucket",
  definition: "The active time the ledger reports minus the buckets above: counted, but in none of them." };

/** Rounds `values` to whole steps that add up to exactly `target` steps (largest remainder first). */
export function roundTogether(values, step, target) {
  const exact = values.map((value) => value / step);
  const steps = exact.map((value) => Math.floor(value));
  let left = target - steps.reduce((sum, value) => sum + value, 0);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) }));
  if (left > 0) {
    order.sort((a, b) => b.remainder - a.remainder || a.index - b.index);
    for (let i = 0; left > 0; i = (i + 1) % order.length, left -= 1) steps[order[i].index] += 1;
  } else if (left < 0) {
    order.sort((a, b) => a.remainder - b.remainder || a.index - b.index);
    for (let i = 0; left < 0 && i < order.length * 2; i += 1) {
      const { index } = order[i % order.length];
      if (steps[index] > 0) {
        steps[index] -= 1;
        left += 1;
      }
    }
  }
  return steps;
}

/** Whole percentages of `values` that add up to 100 (all 0 when there is nothing). */
export function percentages(values) {
  const total = values.reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) return values.map(() => 0);
  return roundTogether(values.map((value) => (value / total) * 100), 1, 100);
}

function cancelledMs(report) {
  const stated = report.totals?.cancelled_ms;
  if (Number.isFinite(stated)) return stated;
  return (report.cancelled ?? []).reduce((sum, row) => sum + (row.total_ms ?? 0), 0);
}

/**
 * The split of a report's active time: { activeMs, step (ms), rows: [{key, label, definition, ms, steps, text,
 * percent}], total: {steps, text} }. Rows' `steps` add up to `total.steps` exactly, and `percent` to 100.
 * A row "In no bucket" appears only when the report's buckets miss its active time by more than its own
 * rounding (each figure is rounded to 0.1 ms), and is then shown like the others.
 */
export function timeSplit(report) {
  const totals = report.totals ?? {};
  const activeMs = totals.active_ms ?? 0;
  const rows = BUCKETS.map((bucket) => ({ ...bucket,
    ms: bucket.key === "cancelled" ? cancelledMs(report) : (totals[bucket.field] ?? 0) }));
  const sum = rows.reduce((total, row) => total + row.ms, 0);
  const figures = (report.polygons?.length ?? 0) + (report.cancelled?.length ?? 0) + (report.sessions?.length ?? 0);
  const tolerance = 0.05 * (figures + 1) + 0.1;
  if (Math.abs(activeMs - sum) > tolerance) rows.push({ ...RESIDUAL, ms: activeMs - sum });
  const step = durationStep(activeMs);
  const target = Math.round(activeMs / step);
  // A negative row (buckets above the active time) is rounded on its own and taken off the others' target.
  const negative = rows.filter((row) => row.ms < 0);
  const negativeSteps = Math.round(-negative.reduce((total, row) => total + row.ms, 0) / step);
  const positive = rows.filter((row) => row.ms >= 0);
  const positiveSteps = roundTogether(positive.map((row) => row.ms), step, target + negativeSteps);
  positive.forEach((row, index) => { row.steps = positiveSteps[index]; });
  const negativeShares = roundTogether(negative.map((row) => -row.ms), step, negativeSteps);
  negative.forEach((row, index) => { row.steps = -negativeShares[index]; });
  const shares = percentages(positive.map((row) => row.ms));
  positive.forEach((row, index) => { row.percent = shares[index]; });
  negative.forEach((row) => { row.percent = null; });
  // A whole number of steps prints exactly: formatDuration shows a figure up to the total's size to a step no
  // coarser than the total's (a bucket above the total, beside a negative residual, may show rounded).
  const text = (steps) => formatDuration(steps * step);
  for (const row of rows) row.text = text(row.steps);
  const totalSteps = rows.reduce((total, row) => total + row.steps, 0);
  return { activeMs, step, rows, total: { steps: totalSteps, text: text(totalSteps) } };
}
