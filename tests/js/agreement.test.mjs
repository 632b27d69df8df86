import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { drawOutlines, tracePath } from "../../static/js/agreement/draw.js";
import { formatPercent } from "../../static/js/common/format.js";
import {
  clientToPixel, confusionTable, formatIoU, membersTable, objectLine, pairwiseTable, peopleIndex,
  personColour, pixelLines, summaryLine, truthObjectsTable, truthTable,
} from "../../static/js/agreement/figures.js";
import { cellText, renderTable } from "../../static/js/common/table.js";
import { descendants, fakeDocument } from "./fake_dom.mjs";

const PEOPLE = [
  { id: "annotator-aaaa", label: "You", name: null, you: true, outlines: 2 },
  { id: "annotator-bbbb", label: "<img src=x onerror=alert(1)>", name: null, you: false, outlines: 1 },
];
const OBJECT = {
  id: 3, category: "rider", agreed_class: false, mean_iou: 0.6667, missing: ["annotator-cccc"],
  classes: [{ category: "rider", count: 1 }, { category: "person", count: 1 }],
  members: [
    { person: "annotator-aaaa", annotation: 11, category: "rider", area: 2500, mean_iou: 0.667 },
    { person: "annotator-bbbb", annotation: 12, category: "person", area: 2400, mean_iou: 0.667 },
  ],
};

test("people get distinct colours in join order, and keep their label", () => {
  const colours = new Set(Array.from({ length: 60 }, (_, i) => personColour(i)));
  assert.equal(colours.size, 60);
  const index = peopleIndex(PEOPLE);
  assert.equal(index.get("annotator-bbbb").index, 1);
  assert.equal(index.get("annotator-bbbb").colour, personColour(1));
  assert.equal(index.get("annotator-aaaa").label, "You");
});

test("numbers read as IoUs and percentages, with a dash for none", () => {
  assert.equal(formatIoU(2 / 3), "0.667");
  assert.equal(formatIoU(null), "–");
  assert.equal(formatIoU(Number.NaN), "–");
  assert.equal(formatPercent(0.256), "26%");
  assert.equal(formatPercent(undefined), "–");
});

test("a click maps to the image pixel under it, at any display size", () => {
  const rect = { left: 100, top: 50, width: 640, height: 360 };
  assert.deepEqual(clientToPixel(rect, 1280, 720, 100, 50), { x: 0, y: 0 });
  assert.deepEqual(clientToPixel(rect, 1280, 720, 420.4, 230.9), { x: 640, y: 361 });
  assert.deepEqual(clientToPixel(rect, 1280, 720, 739.9, 409.9), { x: 1279, y: 719 });
  assert.equal(clientToPixel(rect, 1280, 720, 740, 200), null);
  assert.equal(clientToPixel(rect, 1280, 720, 99, 200), null);
  assert.equal(clientToPixel({ left: 0, top: 0, width: 0, height: 0 }, 1280, 720, 0, 0), null);
});

test("an object's line gives its classes, how many outlined it and the mean IoU", () => {
  assert.equal(objectLine(OBJECT), "object 3: rider ×1 / person ×1 · 2 people · IoU 0.667");
  const alone = { ...OBJECT, classes: [{ category: "car", count: 1 }], members: [OBJECT.members[0]], mean_iou: null };
  assert.equal(objectLine(alone), "car 3 · 1 person");
});

test("the summary says how many objects got one class from everyone", () => {
  assert.equal(summaryLine({ people: [], objects: [] }), "Nobody has outlined anything on this image yet.");
  const report = { people: PEOPLE, objects: [OBJECT, { ...OBJECT, id: 4, agreed_class: true }] };
  assert.equal(summaryLine(report), "2 people, 2 objects; 1 of the 2 outlined by several people got one class from everyone.");
});

test("a pixel's lines count each class and those who left it unlabelled, naming people by label", () => {
  const pixel = { x: 3, y: 4, people: 3, labelled: 2, unlabelled: 1, classes: [
    { category: "car", count: 2, people: ["annotator-aaaa", "annotator-bbbb"] }] };
  const lines = pixelLines(pixel, peopleIndex(PEOPLE));
  assert.deepEqual(lines.map((line) => line.text), ["car: 2 people", "unlabelled: 1 person"]);
  assert.equal(lines[0].who, "You, <img src=x onerror=alert(1)>");
});

test("the tables show labels, classes and IoUs, and names stay text", () => {
  const people = peopleIndex(PEOPLE);
  const report = {
    pairwise: [{ a: "annotator-aaaa", b: "annotator-bbbb", objects_both: 1, only_a: 1, only_b: 0, mean_iou: 0.6667 }],
    confusions: [{ a: "person", b: "rider", count: 2, objects: [3, 5] }],
  };
  const pairs = pairwiseTable(report, people);
  assert.deepEqual(pairs.columns.map((column) => cellText(column, report.pairwise[0])),
    ["You", "<img src=x onerror=alert(1)>", "1", "1", "0", "0.667"]);
  const confusions = confusionTable(report);
  assert.deepEqual(confusions.columns.map((column) => cellText(column, report.confusions[0])),
    ["person", "rider", "2", "object 3, object 5"]);
  const members = membersTable(OBJECT, people);
  assert.deepEqual(members.columns.map((column) => cellText(column, OBJECT.members[1])),
    ["<img src=x onerror=alert(1)>", "person", "2400", "0.667"]);

  const doc = fakeDocument();
  const table = renderTable(doc, pairs, { testid: "pairwise" });
  const cells = descendants(table).filter((node) => node.tagName === "td");
  assert.equal(cells[1].textContent, "<img src=x onerror=alert(1)>");
  assert.equal(descendants(table).filter((node) => node.tagName === "img").length, 0);
});

test("ground-truth tables: each person's figures, and only the objects someone found", () => {
  const truth = {
    people: [{ person: "annotator-aaaa", outlines: 3, matched: 2, class_matches: 1, mean_iou: 0.95, coverage: 0.026,
      area_coverage: 0.4 }],
    objects: [{ id: 10, category: "car", area: 900, found_by: 2, mean_iou: 0.9 },
      { id: 11, category: "pole", area: 40, found_by: 0, mean_iou: null }],
  };
  const people = truthTable(truth, peopleIndex(PEOPLE));
  assert.deepEqual(people.columns.map((column) => cellText(column, truth.people[0])),
    ["You", "3", "2", "1", "0.950", "3%", "40%"]);
  const objects = truthObjectsTable(truth);
  assert.deepEqual(objects.rows.map((row) => row.name), ["truth: car 10"]);
  assert.equal(cellText(objects.columns[0], objects.rows[0]), "truth: car 10");
});

class RecordingContext {
  constructor() {
    this.canvas = { width: 200, height: 100 };
    this.calls = [];
    this.state = { globalAlpha: 1, lineWidth: 1, strokeStyle: "", fillStyle: "" };
  }
  record(name, ...args) {
    this.calls.push({ name, args, ...this.state });
  }
  clearRect(...args) { this.record("clearRect", ...args); }
  beginPath() { this.record("beginPath"); }
  moveTo(...args) { this.record("moveTo", ...args); }
  lineTo(...args) { this.record("lineTo", ...args); }
  closePath() { this.record("closePath"); }
  stroke() { this.record("stroke"); }
  fill(...args) { this.record("fill", ...args); }
  set globalAlpha(value) { this.state.globalAlpha = value; }
  get globalAlpha() { return this.state.globalAlpha; }
  set lineWidth(value) { this.state.lineWidth = value; }
  set strokeStyle(value) { this.state.strokeStyle = value; }
  set fillStyle(value) { this.state.fillStyle = value; }
}

const OUTLINES = [
  { id: 11, person: "a", parts: [{ points: [10, 10, 60, 10, 60, 60, 10, 60] }, { points: [20, 20, 30, 20, 30, 30], hole: true }] },
  { id: 12, person: "b", parts: [{ points: [20, 10, 70, 10, 70, 60] }] },
];
const colourOf = (person) => ({ a: "red", b: "blue" })[person];

test("each outline's parts are traced as closed rings of one path; short parts are skipped", () => {
  const ctx = new RecordingContext();
  tracePath(ctx, [...OUTLINES[0].parts, { points: [1, 2, 3, 4] }]);
  assert.deepEqual(ctx.calls.map((call) => call.name),
    ["beginPath", "moveTo", "lineTo", "lineTo", "lineTo", "closePath", "moveTo", "lineTo", "lineTo", "closePath"]);
  assert.deepEqual(ctx.calls[1].args, [10, 10]);
});

test("outlines are stroked in their person's colour; a picked object is drawn last, thick and filled", () => {
  const plain = new RecordingContext();
  assert.equal(drawOutlines(plain, OUTLINES, { colourOf, lineWidth: 2 }), 2);
  const strokes = plain.calls.filter((call) => call.name === "stroke" && call.strokeStyle !== "rgba(0, 0, 0, 0.7)");
  assert.deepEqual(strokes.map((call) => [call.strokeStyle, call.lineWidth, call.globalAlpha]), [["red", 2, 1], ["blue", 2, 1]]);
  assert.equal(plain.calls.filter((call) => call.name === "fill").length, 0);

  const picked = new RecordingContext();
  drawOutlines(picked, OUTLINES, { colourOf, lineWidth: 2, selected: new Set([11]) });
  const coloured = picked.calls.filter((call) => call.name === "stroke" && call.strokeStyle !== "rgba(0, 0, 0, 0.7)");
  assert.deepEqual(coloured.map((call) => [call.strokeStyle, call.lineWidth, call.globalAlpha]),
    [["blue", 2, 0.25], ["red", 4, 1]]);
  const fills = picked.calls.filter((call) => call.name === "fill");
  assert.deepEqual(fills.map((call) => [call.fillStyle, call.globalAlpha, call.args[0]]), [["red", 0.2, "evenodd"]]);
  assert.equal(picked.state.globalAlpha, 1);
});

test("the page's modules set text with textContent only and define no globals", () => {
  for (const file of ["page.js", "figures.js", "draw.js"]) {
    const source = readFileSync(new URL(`../../static/js/agreement/${file}`, import.meta.url), "utf8");
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, file);
    assert.doesNotMatch(source, /window\.[a-zA-Z]+\s*=/, file);
  }
});
