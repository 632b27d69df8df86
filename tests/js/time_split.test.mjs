import assert from "node:assert/strict";
import { test } from "node:test";

import { percentages, roundTogether, timeSplit } from "../../static/js/labour/time_split.js";

const sum = (values) => values.reduce((total, value) => total + value, 0);

// A receipt's report: two outlines and a drawing cancelled before closing (GET /api/labour/summary.json).
function report(totals, extra = {}) {
  return { totals, polygons: [{}, {}], cancelled: [{ total_ms: totals.cancelled_ms ?? 0 }], sessions: [{}],
    ...extra };
}

test("the buckets, cancelled drawings included, add up to the active time shown", () => {
  // The case that showed 79 %: 21 % of the active time was a cancelled drawing, in no bucket.
  const split = timeSplit(report({ active_ms: 100_000, draw_ms: 40_000, search_ms: 25_000, edit_ms: 9_000,
    other_ms: 5_000, cancelled_ms: 21_000 }));
  assert.deepEqual(split.rows.map((row) => [row.key, row.text, row.percent]), [
    ["draw", "40 sec", 40], ["search", "25 sec", 25], ["edit", "9 sec", 9], ["cancelled", "21 sec", 21],
    ["other", "5 sec", 5]]);
  assert.equal(split.total.text, "1 min 40 sec"); // as the same active time reads on every page
  assert.equal(sum(split.rows.map((row) => row.percent)), 100);
});

test("rounded together: shown figures add up even when each rounded alone would not", () => {
  // Each alone: 1.0 + 1.0 + 1.0 + 1.1 + 0.0 = 4.1 s, but the active time shows as 4.2 s.
  const split = timeSplit(report({ active_ms: 4_200, draw_ms: 1_049, search_ms: 1_049, edit_ms: 1_049,
    other_ms: 1_053, cancelled_ms: 0 }));
  assert.equal(split.total.text, "4.2 sec");
  assert.equal(sum(split.rows.map((row) => row.steps)), 42);
  assert.deepEqual(split.rows.map((row) => row.text), ["1.1 sec", "1 sec", "1 sec", "0 sec", "1.1 sec"]);
  assert.deepEqual(roundTogether([0.34, 0.33, 0.33], 0.1, 10), [4, 3, 3]);
  assert.deepEqual(percentages([1, 1, 1]), [34, 33, 33]);
  assert.deepEqual(percentages([0, 0]), [0, 0]);
});

test("the total's size sets the step of every row; cancelled time comes from the drawings if need be", () => {
  assert.equal(timeSplit(report({ active_ms: 59_000 })).step, 100);
  assert.equal(timeSplit(report({ active_ms: 61_000 })).step, 1_000);
  assert.equal(timeSplit(report({ active_ms: 3_600_000 })).step, 60_000);
  const split = timeSplit({ totals: { active_ms: 600_000, draw_ms: 300_000, search_ms: 200_000, edit_ms: 0,
    other_ms: 40_000 }, polygons: [{}], cancelled: [{ total_ms: 30_000 }, { total_ms: 30_000 }], sessions: [{}] });
  assert.equal(split.rows.find((row) => row.key === "cancelled").text, "1 min");
  assert.equal(split.total.text, "10 min");
  assert.equal(split.rows.length, 5);
  // Hours of work: rows to the minute ("25 min", not "25 min 00 sec"), rounded together so they add up.
  const day = timeSplit(report({ active_ms: 7_530_000, draw_ms: 5_000_000, search_ms: 1_500_500, edit_ms: 1_029_500,
    other_ms: 0, cancelled_ms: 0 }));
  assert.deepEqual(day.rows.map((row) => row.text), ["1 hr 24 min", "25 min", "17 min", "0 sec", "0 sec"]);
  assert.equal(day.total.text, "2 hr 06 min");
  assert.equal(sum(day.rows.map((row) => row.steps)), 126);
});

test("an active time the buckets miss is shown as its own row, never hidden, and the rows still add up", () => {
  // E.g. a ledger that counts a person's overlapping tabs once: less active time than the buckets hold.
  const over = timeSplit(report({ active_ms: 50_000, draw_ms: 40_000, search_ms: 20_000, edit_ms: 0, other_ms: 0,
    cancelled_ms: 0 }));
  const residual = over.rows.find((row) => row.key === "unassigned");
  assert.equal(residual.text, "-10 sec");
  assert.equal(residual.percent, null);
  assert.equal(over.total.text, "50 sec");
  assert.equal(sum(over.rows.map((row) => row.steps)), 500);
  const under = timeSplit(report({ active_ms: 70_000, draw_ms: 40_000, search_ms: 20_000, edit_ms: 0, other_ms: 0,
    cancelled_ms: 0 }));
  assert.equal(under.rows.find((row) => row.key === "unassigned").text, "10 sec");
  assert.equal(under.total.text, "1 min 10 sec");
  // Within the figures' own rounding (0.1 ms each) there is no such row.
  const close = timeSplit(report({ active_ms: 60_000.2, draw_ms: 40_000.1, search_ms: 20_000, edit_ms: 0,
    other_ms: 0, cancelled_ms: 0 }));
  assert.ok(close.rows.every((row) => row.key !== "unassigned"));
});
