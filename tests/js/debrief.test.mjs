import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { bigNumbers, classPace, debriefModel, paid, scaled } from "../../static/js/debrief/model.js";
import { SOURCE_LINKS, linkFor, sourceOf } from "../../static/js/debrief/sources.js";
import { FILM_MS, Film, drawnSoFar, filmRate, progressAt } from "../../static/js/debrief/timelapse.js";

const PRESETS = JSON.parse(readFileSync(new URL("../../annotator/data/scale_presets.json", import.meta.url), "utf8"));
const PAY = JSON.parse(readFileSync(new URL("../../annotator/data/pay_defaults.json", import.meta.url), "utf8"));

// A room: 3 live outlines and a deleted one on 2 images, 120 s of active time, one cancelled drawing.
const REPORT = {
  definitions: { active_ms: "Counted time.", clicks: "Vertices placed by hand.", deleted: "Deleted keep figures." },
  totals: { active_ms: 120_000, polygons: 4, vertices: 22, clicks: 19, people: 2, images: 2 },
  classes: [
    { category: "road", colour: "#808080", polygons: 1, mean_ms: 50_000, median_ms: 50_000, vertices: 7 },
    { category: "car", colour: "#0000ff", polygons: 3, mean_ms: 20_000, median_ms: 18_000, vertices: 15 },
    { category: "sky", colour: "#8080ff", polygons: 0, mean_ms: null, median_ms: null, vertices: 0 },
  ],
  polygons: [
    { image_id: 1, category_id: 7, deleted: false, closed: true, vertices: 5, total_ms: 20_000 },
    { image_id: 1, category_id: 7, deleted: true, closed: true, vertices: 5, total_ms: 10_000 },
    { image_id: 1, category_id: 1, deleted: false, closed: true, vertices: 7, total_ms: 50_000 },
    { image_id: 2, category_id: 7, deleted: false, closed: true, vertices: 5, total_ms: 30_000 },
  ],
  cancelled: [{ total_ms: 4_000 }],
  images: [{ image_id: 1 }, { image_id: 2 }],
};

test("the big numbers are the report's totals, time in hours", () => {
  assert.deepEqual(bigNumbers(REPORT).map(({ key, field, raw, value }) => [key, field, raw, value]), [
    ["person-hours", "active_ms", 120_000, 120_000 / 3_600_000], ["objects", "polygons", 4, 4],
    ["vertices", "vertices", 22, 22], ["clicks", "clicks", 19, 19]]);
});

test("time per object by class is the class's mean, slowest first, classes without outlines left out", () => {
  assert.deepEqual(classPace(REPORT).map((row) => [row.category, row.msPerObject, row.medianMs]),
    [["road", 50_000, 50_000], ["car", 20_000, 18_000]]);
});

test("the room's work at Cityscapes and COCO scale: its pace per object times the published objects and images", () => {
  const rows = scaled(REPORT, PRESETS);
  const pace = 120_000 / 3; // all active time over the three live outlines
  assert.deepEqual(rows.map((row) => row.id), ["cityscapes-fine", "coco"]);
  assert.equal(rows[0].hours, (pace * 18.8 * 5000) / 3_600_000);
  assert.equal(rows[0].lowerBound, true);
  assert.equal(rows[0].publishedHours, (5400 * 1000 * 5000) / 3_600_000);
  assert.equal(rows[1].hours, (pace * 7.7 * 328_000) / 3_600_000);
  assert.equal(rows[1].objects, 7.7 * 328_000);
  const empty = scaled({ ...REPORT, polygons: [] }, PRESETS);
  assert.equal(empty[0].hours, null);
});

test("the pay: the room's work split as the receipt pays it, a scaled dataset paid on all its objects and hours", () => {
  const rows = scaled(REPORT, PRESETS);
  const result = paid(REPORT, PAY, rows);
  assert.deepEqual(result.models.map((model) => model.name), ["per_polygon", "per_image", "hourly"]);
  const room = result.rows[0];
  assert.equal(room.key, "room");
  assert.equal(room.pay.per_polygon.amount, 3 * 0.01); // live, closed outlines only
  assert.equal(room.pay.per_image.amount, 2 * 0.0028);
  assert.equal(room.pay.hourly.amount, (120_000 / 3_600_000) * 2);
  const coco = result.rows.find((row) => row.key === "coco");
  assert.equal(coco.pay.per_polygon.amount, 0.01 * 7.7 * 328_000);
  assert.equal(coco.pay.per_image.amount, 0.0028 * 328_000);
  assert.ok(Math.abs(coco.pay.hourly.amount - rows[1].hours * 2) < 1e-6);
  assert.equal(debriefModel(REPORT, PRESETS, null).paid, null);
});

test("every number's dialog has a definition and a source; only checked addresses are linked", () => {
  const context = { report: REPORT, presets: PRESETS, settings: PAY, ledgerUrl: "/api/labour/summary.json" };
  for (const key of ["person-hours", "objects", "vertices", "clicks", "class-pace", "pace", "film", "scale-coco",
    "published-coco", "scale-cityscapes-fine", "published-cityscapes-fine", "pay-per_polygon", "pay-per_image",
    "pay-hourly"]) {
    const found = sourceOf(key, context);
    assert.ok(found.title && found.definition && found.source, key);
  }
  assert.equal(sourceOf("person-hours", context).url, "/api/labour/summary.json");
  assert.match(sourceOf("clicks", context).definition, /Vertices placed by hand/);
  assert.equal(sourceOf("scale-coco", context).url, "https://arxiv.org/abs/1405.0312");
  assert.equal(sourceOf("pay-hourly", context).url, null);
  assert.equal(linkFor("Someone, 2030").url, null);
  assert.ok(SOURCE_LINKS.every((link) => link.url.startsWith("https://")));
});

const OUTLINE = (id, first, closed, points = [0, 0, 10, 0, 10, 10, 0, 10]) => ({
  id, image_id: 1, colour: "#f00", first_ms: first, closed_at_ms: closed, parts: [{ points, hole: false }] });

test("the film's speed: the whole session in 60 s, never slower than real time, or a fixed rate", () => {
  assert.equal(filmRate(3_600_000, "fit"), 60);
  assert.equal(filmRate(10_000, "fit"), 1);
  assert.equal(filmRate(10_000, "60"), 60);
  assert.equal(FILM_MS, 60_000);
});

test("an outline grows vertex by vertex from its first vertex to its close", () => {
  const outline = OUTLINE(1, 1000, 2000);
  assert.equal(progressAt(outline, 999), null);
  assert.equal(progressAt(outline, 1500), 0.5);
  assert.equal(progressAt(outline, 2000), 1);
  assert.deepEqual(drawnSoFar(outline, 0), [0, 0]);
  assert.deepEqual(drawnSoFar(outline, 0.5), [0, 0, 10, 0]);
  assert.deepEqual(drawnSoFar(outline, 1), [0, 0, 10, 0, 10, 10, 0, 10]);
});

test("the film steps forward by closes and starts, and going back starts it over", () => {
  const film = new Film({ start_ms: 0, end_ms: 300, outlines: [OUTLINE(2, 100, 300), OUTLINE(1, 0, 200)] });
  assert.equal(film.span, 300);
  let step = film.at(50);
  assert.deepEqual([step.closed.length, step.drawing.map((item) => item.outline.id), step.reset], [0, [1], false]);
  step = film.at(150);
  assert.deepEqual(step.drawing.map((item) => [item.outline.id, item.fraction]), [[1, 0.75], [2, 0.25]]);
  step = film.at(250);
  assert.deepEqual([step.closed.map((outline) => outline.id), step.closedCount], [[1], 1]);
  step = film.at(300);
  assert.deepEqual([step.closed.map((outline) => outline.id), step.closedCount, step.drawing], [[2], 2, []]);
  step = film.at(210);
  assert.equal(step.reset, true);
  assert.deepEqual([step.closed.map((outline) => outline.id), step.closedCount], [[1], 1]);
});
