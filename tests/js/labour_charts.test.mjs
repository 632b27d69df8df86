import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  CHARTS, TABLES, classMediansConfig, classMediansTable, clockAxis, clockTime, cumulativeConfig, cumulativeTable,
  headline, histogramBins, histogramConfig, histogramTable, imagesTable,
  peopleTable, personLabel, polygonsTable, scatterConfig, scatterTable, scopeSuffix, timelineConfig, timelineTable,
} from "../../static/js/labour/charts.js";

const SOURCE = readFileSync(new URL("../../static/js/labour/charts.js", import.meta.url), "utf8");
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

function polygon(id, category, colour, total_ms, vertices, extra = {}) {
  return { id, annotation: `poly-${id}`, image_id: 1, file_name: "scene_01.jpg", category, colour, person: "annotator-aaaa",
    total_ms, draw_ms: total_ms * 0.6, search_ms: total_ms * 0.4, edit_ms: 0, vertices, deleted: false,
    first_ms: T0 + id * 60_000, closed_at_ms: T0 + id * 60_000 + total_ms * 0.6, ...extra };
}

/** A summary shaped like GET /api/labour/summary.json: two people, three classes, one deleted polygon. */
function sampleSummary() {
  const polygons = [
    polygon(1, "car", "#00008e", 7_000, 4),
    polygon(2, "road", "#804080", 40_200, 5),
    polygon(3, "person", "#dc143c", 6_200, 4, { deleted: true }),
    polygon(4, "car", "#00008e", 9_000, 4),
    polygon(5, "car", "#00008e", 14_000, 4, { person: "annotator-bbbb", image_id: 2, file_name: "scene_02.jpg" }),
  ];
  return {
    idle_threshold_ms: 30_000,
    definitions: { draw_ms: "From the first vertex..." },
    names: false,
    totals: { polygons: 5, active_ms: 76_400, median_ms: 9_000, vertices: 21, vertices_placed: 22, people: 2,
      images: 2, sessions: 3, session_idle_ms: 10_000 },
    polygons,
    images: [{ image_id: 1, file_name: "scene_01.jpg", polygons: 4, vertices: 17, draw_ms: 37_440, search_ms: 24_960,
      edit_ms: 0, total_ms: 62_400, median_ms: 8_000, active_ms: 62_400 },
    { image_id: 2, file_name: "scene_02.jpg", polygons: 1, vertices: 4, draw_ms: 8_400, search_ms: 5_600, edit_ms: 0,
      total_ms: 14_000, median_ms: 14_000, active_ms: 14_000 }],
    people: [{ person: "annotator-aaaa", polygons: 4, vertices: 17, draw_ms: 1, search_ms: 1, edit_ms: 0, total_ms: 2,
      median_ms: 8_000, active_ms: 62_400, sessions: 2 },
    { person: "annotator-bbbb", polygons: 1, vertices: 4, draw_ms: 1, search_ms: 1, edit_ms: 0, total_ms: 2,
      median_ms: 14_000, active_ms: 14_000, sessions: 1 }],
    classes: [
      { category: "road", colour: "#804080", polygons: 1, median_ms: 40_200, draw_ms: 1, search_ms: 1, edit_ms: 0, total_ms: 40_200, vertices: 5 },
      { category: "car", colour: "#00008e", polygons: 3, median_ms: 9_000, draw_ms: 1, search_ms: 1, edit_ms: 0, total_ms: 30_000, vertices: 12 },
      { category: "person", colour: "#dc143c", polygons: 1, median_ms: 6_200, draw_ms: 1, search_ms: 1, edit_ms: 0, total_ms: 6_200, vertices: 4 },
    ],
    sessions: [
      { session: "s-a", person: "annotator-aaaa", started_ms: T0, ended_ms: T0 + 300_000 },
      { session: "s-b", person: "annotator-bbbb", started_ms: T0 + 250_000, ended_ms: T0 + 320_000 },
    ],
    cumulative: [{ at_ms: T0 + 64_200, hours: 0.001167 }, { at_ms: T0 + 144_120, hours: 0.012333 }],
  };
}

test("tooltips and tables say durations and numbers as every page does (common/format.js)", () => {
  const summary = sampleSummary();
  const histogram = histogramConfig(summary);
  const bins = histogramTable(summary).rows;
  assert.equal(histogram.options.plugins.tooltip.callbacks.title([{ label: histogram.data.labels[1], dataIndex: 1 }]),
    `${bins[1].from_s}–${bins[1].to_s} sec`);
  const scatter = scatterConfig(summary);
  const point = scatter.data.datasets[2].data[0];
  assert.equal(scatter.options.plugins.tooltip.callbacks.label({ dataset: scatter.data.datasets[2], raw: point }),
    "person: 4 vertices, 6.2 sec (deleted)");
  const medians = classMediansConfig(summary);
  assert.equal(medians.options.plugins.tooltip.callbacks.label({ raw: 40.2, dataIndex: 0 }),
    "median 40.2 sec (1 polygons)");
  const timeline = timelineConfig(summary);
  const session = timeline.data.datasets[0];
  assert.match(timeline.options.plugins.tooltip.callbacks.label({ dataset: session, raw: session.data[0] }),
    /^session: \d\d:\d\d:\d\d–\d\d:\d\d:\d\d \(5 min\)$/);
  const cumulative = cumulativeConfig(summary);
  assert.equal(cumulative.options.plugins.tooltip.callbacks.label({ raw: { y: 0.012333 } }),
    "0.012 person-hours (44.4 sec)");
  assert.equal(cumulative.options.scales.y.ticks.callback(0.005), "0.005");
  const cell = (table, key, row) => table.columns.find((column) => column.key === key).format(table.rows[row][key]);
  assert.equal(cell(cumulativeTable(summary), "hours", 1), "0.0123");
  assert.equal(cell(scatterTable(summary), "seconds", 0), "7.0");
});

test("clock times are HH:MM:SS of the local clock", () => {
  const when = new Date(2026, 0, 2, 9, 5, 7).getTime();
  assert.equal(clockTime(when), "09:05:07");
  assert.equal(clockTime(null), "–");
});

test("histogram bins have a nice width, cover every value and count each once", () => {
  const bins = histogramBins([7, 40.2, 6.2, 9, 14]);
  assert.equal(bins[0].from_s, 0);
  assert.equal(bins[0].to_s - bins[0].from_s, 5);
  assert.ok(bins.length <= 12);
  assert.equal(bins.reduce((sum, bin) => sum + bin.polygons, 0), 5);
  assert.ok(bins.at(-1).to_s > 40.2);
  assert.deepEqual(histogramBins([]), []);
  assert.equal(histogramBins([0]).length, 1);
  const long = histogramBins([1, 3_000]);
  assert.ok(long.length <= 12 && long.at(-1).to_s > 3_000);
  assert.equal(long.reduce((sum, bin) => sum + bin.polygons, 0), 2);
  // A value on a bin edge goes in the bin it starts.
  const edges = histogramBins([2, 11]); // 1 s wide
  assert.deepEqual([edges[1].polygons, edges[2].polygons, edges[2].from_s], [0, 1, 2]);
  assert.equal(edges.at(-1).polygons, 1);
});

test("the histogram plots exactly its table's counts", () => {
  const summary = sampleSummary();
  const table = histogramTable(summary);
  const config = histogramConfig(summary);
  assert.equal(config.type, "bar");
  assert.deepEqual(config.data.datasets[0].data, table.rows.map((row) => row.polygons));
  assert.deepEqual(config.data.labels, table.rows.map((row) => `${row.from_s}–${row.to_s}`));
  assert.equal(table.rows.reduce((sum, row) => sum + row.polygons, 0), 5);
});

test("the scatter has one dataset per class, in its colour, and marks deleted polygons", () => {
  const summary = sampleSummary();
  const config = scatterConfig(summary);
  assert.equal(config.type, "scatter");
  assert.deepEqual(config.data.datasets.map((d) => d.label), ["road", "car", "person"]);
  const car = config.data.datasets[1];
  assert.equal(car.backgroundColor, "#00008e");
  assert.deepEqual(car.data.map((p) => [p.x, p.y]), [[4, 7], [4, 9], [4, 14]]);
  const person = config.data.datasets[2];
  assert.deepEqual(person.pointStyle, ["crossRot"]);
  const table = scatterTable(summary);
  assert.equal(table.rows.length, 5);
  assert.deepEqual(table.rows.find((row) => row.polygon === 3), { polygon: 3, category: "person", vertices: 4,
    seconds: 6.2, deleted: true });
  const plotted = config.data.datasets.flatMap((d) => d.data.map((p) => [p.polygon, p.x, p.y])).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(plotted, table.rows.map((row) => [row.polygon, row.vertices, row.seconds]).sort((a, b) => a[0] - b[0]));
});

test("per-class medians come from the summary's classes, coloured by class", () => {
  const summary = sampleSummary();
  const config = classMediansConfig(summary);
  assert.deepEqual(config.data.labels, ["road", "car", "person"]);
  assert.deepEqual(config.data.datasets[0].data, [40.2, 9, 6.2]);
  assert.deepEqual(config.data.datasets[0].backgroundColor, ["#804080", "#00008e", "#dc143c"]);
  assert.deepEqual(classMediansTable(summary).rows.map((row) => row.median_s), [40.2, 9, 6.2]);
});

test("the timeline has a row per person, session bars and a bar per polygon from first vertex to close", () => {
  const summary = sampleSummary();
  const config = timelineConfig(summary);
  assert.equal(config.options.indexAxis, "y");
  assert.deepEqual(config.data.labels, ["annotator-aaaa", "annotator-bbbb"]);
  const sessions = config.data.datasets[0];
  assert.match(sessions.label, /session/i);
  assert.deepEqual(sessions.data[0], { x: [T0, T0 + 300_000], y: "annotator-aaaa" });
  const bars = config.data.datasets.slice(1).flatMap((d) => d.data);
  assert.equal(bars.length, 5);
  const road = config.data.datasets.find((d) => d.label === "road").data[0];
  assert.deepEqual(road.x, [T0 + 120_000, T0 + 120_000 + 40_200 * 0.6]);
  const table = timelineTable(summary);
  assert.equal(table.rows.filter((row) => row.what === "polygon").length, 5);
  assert.equal(table.rows.filter((row) => row.what === "session").length, 2);
  assert.ok(table.rows.every((row, i) => i === 0 || table.rows[i - 1].start_ms <= row.start_ms));
  // The clock axis holds every bar and labels ticks as clock times.
  const x = config.options.scales.x;
  assert.ok(x.min <= T0 && x.max >= T0 + 320_000);
  assert.match(x.ticks.callback(T0), /^\d\d:\d\d:\d\d$/);
});

test("a polygon without wall-clock times is left off the timeline, not drawn at 1970", () => {
  const summary = sampleSummary();
  summary.polygons[0].first_ms = null;
  summary.polygons[0].closed_at_ms = null;
  assert.equal(timelineTable(summary).rows.filter((row) => row.what === "polygon").length, 4);
});

test("with names, people are labelled by name with their pseudonym", () => {
  assert.equal(personLabel({ person: "annotator-aaaa", name: "Ada" }), "Ada (annotator-aaaa)");
  assert.equal(personLabel({ person: "annotator-aaaa" }), "annotator-aaaa");
  const summary = sampleSummary();
  summary.people[0].name = "Ada";
  assert.deepEqual(timelineConfig(summary).data.labels, ["Ada (annotator-aaaa)", "annotator-bbbb"]);
  const people = peopleTable(summary);
  assert.ok(people.columns.some((column) => column.key === "name"));
  assert.equal(people.rows[1].name, "");
  assert.ok(!peopleTable(sampleSummary()).columns.some((column) => column.key === "name"));
});

test("the cumulative line plots the server's points as a step", () => {
  const summary = sampleSummary();
  const config = cumulativeConfig(summary);
  assert.equal(config.type, "line");
  assert.ok(config.data.datasets[0].stepped);
  assert.deepEqual(config.data.datasets[0].data, [{ x: T0 + 64_200, y: 0.001167 }, { x: T0 + 144_120, y: 0.012333 }]);
  assert.deepEqual(cumulativeTable(summary).rows, summary.cumulative);
});

test("clock axes step on round seconds or minutes", () => {
  const axis = clockAxis(T0 + 1_234, T0 + 200_000);
  assert.equal(axis.min % axis.ticks.stepSize, 0);
  assert.equal(axis.max % axis.ticks.stepSize, 0);
  assert.ok((axis.max - axis.min) / axis.ticks.stepSize <= 7);
  const one = clockAxis(T0, T0);
  assert.ok(one.min < T0 && one.max > T0);
});

test("breakdown tables hold seconds per image, person, class and polygon", () => {
  const summary = sampleSummary();
  const images = imagesTable(summary);
  assert.deepEqual(images.rows.map((row) => [row.image_id, row.polygons, row.median_s, row.active_s]),
    [[1, 4, 8, 62.4], [2, 1, 14, 14]]);
  const polygons = polygonsTable(summary);
  assert.equal(polygons.rows.length, 5);
  assert.deepEqual(polygons.rows.filter((row) => row.deleted).map((row) => row.id), [3]);
  for (const spec of TABLES) {
    const table = spec.table(summary);
    assert.ok(table.columns.length > 2 && Array.isArray(table.rows), spec.id);
  }
});

test("headline figures: polygons (deleted counted), active time, median, idle dropped", () => {
  const cards = Object.fromEntries(headline(sampleSummary()).map((card) => [card.id, card]));
  assert.equal(cards.polygons.value, "5");
  assert.match(cards.polygons.note, /1 deleted/);
  assert.equal(cards.active.value, "1 min 16 sec");
  assert.equal(cards.active.note, "= 0.021 person-hours");
  assert.equal(cards.active.raw, 76_400);
  assert.equal(cards.median.value, "9 sec");
  assert.equal(cards.vertices.value, "21");
  assert.equal(cards.idle.value, "10 sec");
  assert.equal(cards.idle.note, "pauses beyond 30 sec not counted");
});

test("every chart and table works on an empty ledger", () => {
  const empty = { idle_threshold_ms: 30_000, definitions: {}, totals: { polygons: 0, active_ms: 0, median_ms: null,
    vertices: 0, vertices_placed: 0, people: 0, images: 0, sessions: 0, session_idle_ms: 0 },
  polygons: [], images: [], people: [], classes: [], sessions: [], cumulative: [] };
  for (const spec of CHARTS) {
    assert.deepEqual(spec.table(empty).rows, [], spec.id);
    assert.ok(spec.config(empty).data, spec.id);
  }
  assert.equal(Object.fromEntries(headline(empty).map((c) => [c.id, c.value])).median, "–");
});

test("file-name suffixes are safe", () => {
  assert.equal(scopeSuffix({}), "");
  assert.equal(scopeSuffix({ image: "3" }), "-image-3");
  assert.equal(scopeSuffix({ annotator: "../a b" }), "-_a_b");
});

test("charts.js is pure: no DOM, no globals, no Chart", () => {
  assert.doesNotMatch(SOURCE, /\bdocument\b|\bwindow\b|innerHTML|\bnew Chart\b/);
});

test("the person table and the headline show the time shared between one person's tabs and the clamped time", () => {
  const summary = sampleSummary();
  summary.people[0].overlap_ms = 8_400;
  summary.people[0].clamped_ms = 3_600_000;
  summary.totals.clamped_ms = 3_600_000;
  const people = peopleTable(summary);
  const row = people.rows.find((entry) => entry.person === summary.people[0].person);
  assert.equal(row.overlap_s, 8.4);
  assert.equal(row.clamped_s, 3600);
  assert.deepEqual(people.columns.slice(-2).map((column) => column.label), ["Shared between tabs (s)", "Clamped (s)"]);
  const clamped = headline(summary).find((card) => card.id === "clamped");
  assert.equal(clamped.raw, 3_600_000);
  assert.match(clamped.note, /beyond what the server saw/);
});
