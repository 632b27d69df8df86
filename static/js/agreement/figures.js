// Pure helpers of the agreement page (/agreement/<image id>): colours for people, numbers as text, click
// positions in image pixels, and the { columns, rows } tables that common/table.js renders. No DOM, no
// globals: node tests import them directly (tests/js/agreement.test.mjs).

import { NONE, formatNumber, formatPercent } from "../common/format.js";

/** A colour per person, far apart for neighbours in the list (golden-angle hues), readable on photos. */
export function personColour(index) {
  const hue = Math.round((index * 137.508 + 200) % 360);
  return `hsl(${hue} 85% 55%)`;
}

/** An IoU or a share as text with three decimals; a dash where there is none. */
export function formatIoU(value) {
  return typeof value === "number" ? formatNumber(value, { digits: 3 }) : NONE;
}

/** The image pixel under a click: `rect` is the drawn image's box on screen; null outside the image. */
export function clientToPixel(rect, width, height, clientX, clientY) {
  if (!rect.width || !rect.height) return null;
  const x = Math.floor(((clientX - rect.left) * width) / rect.width);
  const y = Math.floor(((clientY - rect.top) * height) / rect.height);
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return { x, y };
}

/** Person id -> { label, colour, index } from the report's `people` (in join order). */
export function peopleIndex(people) {
  return new Map(people.map((person, index) => [person.id, { ...person, index, colour: personColour(index) }]));
}

function label(people, id) {
  return people.get(id)?.label ?? id;
}

/** One line per object for the list: its number, class (or split), how many outlined it, mean IoU. */
export function objectLine(object) {
  const people = object.members.length === 1 ? "1 person" : `${object.members.length} people`;
  const iou = object.members.length > 1 ? ` · IoU ${formatIoU(object.mean_iou)}` : "";
  return `${objectName(object)} · ${people}${iou}`;
}

/** An object as people say it: its class and number ("car 3"); split classes after its number. */
export function objectName(object) {
  if (object.classes.length === 1) return `${object.classes[0].category} ${object.id}`;
  return `object ${object.id}: ${object.classes.map((entry) => `${entry.category} ×${entry.count}`).join(" / ")}`;
}

/** The summary under the title. */
export function summaryLine(report) {
  const people = report.people.length;
  const objects = report.objects.length;
  const both = report.objects.filter((object) => object.members.length > 1);
  const agreed = both.filter((object) => object.agreed_class).length;
  if (!people) return "Nobody has outlined anything on this image yet.";
  return `${people} ${people === 1 ? "person" : "people"}, ${objects} ${objects === 1 ? "object" : "objects"}` +
    (both.length ? `; ${agreed} of the ${both.length} outlined by several people got one class from everyone.` : ".");
}

/** The pixel panel's lines: what each class got, and how many left the pixel unlabelled. */
export function pixelLines(pixel, people) {
  const lines = pixel.classes.map((entry) => ({
    category: entry.category,
    count: entry.count,
    text: `${entry.category}: ${entry.count} ${entry.count === 1 ? "person" : "people"}`,
    who: entry.people.map((id) => label(people, id)).join(", "),
  }));
  if (pixel.unlabelled) {
    lines.push({ category: null, count: pixel.unlabelled,
      text: `unlabelled: ${pixel.unlabelled} ${pixel.unlabelled === 1 ? "person" : "people"}`, who: "" });
  }
  return lines;
}

/** The pairwise table: every two people, the objects both outlined and their mean IoU. */
export function pairwiseTable(report, people) {
  return {
    columns: [
      { key: "a", label: "Person", format: (id) => label(people, id) },
      { key: "b", label: "Other person", format: (id) => label(people, id) },
      { key: "objects_both", label: "Objects both outlined" },
      { key: "only_a", label: "Only the first" },
      { key: "only_b", label: "Only the other" },
      { key: "mean_iou", label: "Mean IoU", format: formatIoU },
    ],
    rows: report.pairwise,
  };
}

/** The confusions table: classes given to one object by different people, most frequent first. */
export function confusionTable(report) {
  return {
    columns: [
      { key: "a", label: "One called it" },
      { key: "b", label: "Another called it" },
      { key: "count", label: "Times (pairs of people)" },
      { key: "objects", label: "Objects", format: (ids) => ids.map((id) => `object ${id}`).join(", ") },
    ],
    rows: report.confusions,
  };
}

/** One object's members: who, which class, their mean IoU with the others. */
export function membersTable(object, people) {
  return {
    columns: [
      { key: "person", label: "Person", format: (id) => label(people, id) },
      { key: "category", label: "Class" },
      { key: "area", label: "Pixels" },
      { key: "mean_iou", label: "Mean IoU with the others", format: formatIoU },
    ],
    rows: object.members,
  };
}

/** Each person against the ground truth. */
export function truthTable(truth, people) {
  return {
    columns: [
      { key: "person", label: "Person", format: (id) => label(people, id) },
      { key: "outlines", label: "Outlines" },
      { key: "matched", label: "Match ground truth" },
      { key: "class_matches", label: "Same class" },
      { key: "mean_iou", label: "Mean IoU", format: formatIoU },
      { key: "coverage", label: "Objects covered", format: formatPercent },
      { key: "area_coverage", label: "Area covered", format: formatPercent },
    ],
    rows: truth.people,
  };
}

/** The ground-truth objects someone found, with how many found each and how well. */
export function truthObjectsTable(truth) {
  return {
    columns: [
      { key: "name", label: "Ground-truth object" },
      { key: "category", label: "Class" },
      { key: "area", label: "Pixels" },
      { key: "found_by", label: "Found by" },
      { key: "mean_iou", label: "Mean IoU", format: formatIoU },
    ],
    rows: truth.objects.filter((object) => object.found_by > 0)
      .map((object) => ({ ...object, name: `truth: ${object.category} ${object.id}` })),
  };
}
