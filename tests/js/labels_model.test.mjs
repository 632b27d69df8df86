import assert from "node:assert/strict";
import test from "node:test";

import {
  addClass, archiveClass, changes, draftFrom, editClass, errorPlace, importLabels, labelFile, labelFileJson,
  labelFileYaml, moveClass, restoreClass, saveBody, unchanged,
} from "../../static/js/labels/model.js";

const STORED = [
  { id: 1, name: "road", supercategory: "flat", colour: "#804080", definition: "Ground for cars.", display_order: 0 },
  { id: 7, name: "car", supercategory: "vehicle", colour: "#00008e", definition: "A car.", display_order: 1 },
  { id: 8, name: "truck", supercategory: "vehicle", colour: "#000046", definition: "", display_order: 2 },
];
const ARCHIVED = [{ id: 3, name: "parking", supercategory: "flat", colour: "#faaaa0", definition: "", display_order: 5 }];
const names = (draft) => draft.classes.map((item) => item.name);

test("an untouched draft saves the stored set, with ids, and changes nothing", () => {
  const draft = draftFrom(STORED, ARCHIVED);
  assert.deepEqual(saveBody(draft).labels[1], { id: 7, name: "car", supercategory: "vehicle", colour: "#00008e",
    definition: "A car." });
  assert.ok(unchanged(changes(STORED, draft)));
  assert.deepEqual(draft.archived.map((item) => item.name), ["parking"]);
});

test("add, rename, recolour, move up and archive are each reported, and the body keeps the stored ids", () => {
  let draft = draftFrom(STORED, ARCHIVED);
  draft = addClass(draft, "scooter", { colour: "#123456" });
  draft = editClass(draft, "id-7", { name: "automobile", id: 99, archived: true }); // only the fields change
  draft = editClass(draft, "id-1", { colour: "#ff0000" });
  draft = moveClass(draft, "id-8", -1);
  draft = archiveClass(draft, "id-1");
  assert.deepEqual(names(draft), ["truck", "automobile", "scooter"]);
  assert.deepEqual(saveBody(draft).labels.map((entry) => entry.id), [8, 7, undefined]);
  const change = changes(STORED, draft);
  assert.deepEqual(change.added, ["scooter"]);
  assert.deepEqual(change.renamed, [{ from: "car", to: "automobile" }]);
  assert.deepEqual(change.archived, ["road"]);
  assert.deepEqual(change.edited, []); // road's new colour goes with it into the archive
  assert.equal(change.reordered, true);
  assert.deepEqual(draft.archived.map((item) => [item.id, item.name]), [[3, "parking"], [1, "road"]]);
});

test("moves stop at either end; a class added and archived in the same draft is just dropped", () => {
  let draft = draftFrom(STORED);
  assert.equal(moveClass(draft, "id-1", -1), draft);
  assert.equal(moveClass(draft, "id-8", 1), draft);
  assert.deepEqual(names(moveClass(draft, "id-1", 5)), ["car", "truck", "road"]);
  draft = archiveClass(addClass(draft, "tmp"), "new-1");
  assert.deepEqual(names(draft), ["road", "car", "truck"]);
  assert.deepEqual(draft.archived, []);
});

test("a restored class comes back at the end with its id", () => {
  const draft = restoreClass(draftFrom(STORED, ARCHIVED), "id-3");
  assert.deepEqual(saveBody(draft).labels.at(-1), { id: 3, name: "parking", supercategory: "flat", colour: "#faaaa0",
    definition: "" });
  assert.deepEqual(changes(STORED, draft).restored, ["parking"]);
  assert.deepEqual(draft.archived, []);
});

test("an imported file matches by name, case aside, archives what it leaves out and restores what it names", () => {
  const entries = [{ name: "Car" }, { name: "parking", colour: "#abcdef" }, { name: "bollard" }];
  const draft = importLabels(draftFrom(STORED, ARCHIVED), entries);
  assert.deepEqual(saveBody(draft).labels, [
    { id: 7, name: "Car", supercategory: "vehicle", colour: "#00008e", definition: "A car." },
    { id: 3, name: "parking", supercategory: "flat", colour: "#abcdef", definition: "" },
    { name: "bollard", supercategory: "none", colour: "#888888", definition: "" },
  ]);
  const change = changes(STORED, draft);
  assert.deepEqual(change.renamed, [{ from: "car", to: "Car" }]);
  assert.deepEqual(change.restored, ["parking"]);
  assert.deepEqual(change.added, ["bollard"]);
  assert.deepEqual(change.archived, ["road", "truck"]);
  assert.deepEqual(draft.archived.map((item) => item.id).sort(), [1, 8]);
});

test("the exported file has no ids, and reads back to the same set", () => {
  const file = labelFile(draftFrom(STORED).classes);
  assert.ok(file.labels.every((entry) => !("id" in entry)));
  const again = importLabels(draftFrom(STORED), JSON.parse(labelFileJson(file)).labels);
  assert.ok(unchanged(changes(STORED, again)));
});

test("the YAML export quotes every string, so names like yes, 1e3 or null stay text, and escapes odd characters", () => {
  const yaml = labelFileYaml({ labels: [{ name: "yes", supercategory: "1e3", colour: "#000000",
    definition: 'null: "two"\nlines \u0085 \u202e' }] });
  assert.equal(yaml, 'labels:\n  - name: "yes"\n    supercategory: "1e3"\n    colour: "#000000"\n' +
    '    definition: "null: \\"two\\"\\nlines \\u0085 \u202e"\n');
});

test("an API refusal is placed at the row and field it names", () => {
  assert.deepEqual(errorPlace({ error: "invalid label set", detail: "taken", field: "labels[3].name" }),
    { index: 3, field: "name", detail: "taken" });
  assert.deepEqual(errorPlace({ detail: "labels[12].colour: must look like #rrggbb",
    fields: [{ field: "labels[12].colour", problem: "must look like #rrggbb" }] }),
  { index: 12, field: "colour", detail: "must look like #rrggbb" });
  const duplicate = "duplicate name 'A' at labels[1] (also labels[0]; case does not count)";
  assert.deepEqual(errorPlace({ detail: `labels: ${duplicate}`, fields: [{ field: "labels", problem: duplicate }] }),
    { index: 1, field: "name", detail: duplicate });
  assert.equal(errorPlace({ error: "forbidden", detail: "instructor only" }), null);
  assert.equal(errorPlace({ fields: [{ field: "labels", problem: "List should have at least 1 item" }] }), null);
  assert.equal(errorPlace(undefined), null);
});
