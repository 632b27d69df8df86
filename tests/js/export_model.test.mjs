import assert from "node:assert/strict";
import test from "node:test";

import { ExportProgress, downloadName, exportRequest, megabytes, reportOf } from "../../static/js/export/model.js";

const FORM = { segmentation: "polygon", images: "all", image_ids: "", annotators: "everyone", person: "",
  labour: false, zip: false, masks: false };

test("the form's choices become the export's query, and its preview's", () => {
  assert.deepEqual(exportRequest(FORM), { url: "/api/export/coco?images=all&annotators=everyone&segmentation=polygon",
    preview: "/api/export/preview?images=all&annotators=everyone&segmentation=polygon", kind: "json" });
  const chosen = exportRequest({ ...FORM, images: "ids", image_ids: " 1, 5 ", annotators: "person", person: "Amara",
    segmentation: "rle", labour: true, zip: true });
  assert.equal(chosen.kind, "zip");
  assert.equal(new URL(chosen.url, "http://x").searchParams.get("images"), "1, 5");
  assert.equal(new URL(chosen.url, "http://x").searchParams.get("annotators"), "Amara");
  assert.match(chosen.url, /segmentation=rle&labour=true&zip=true$/);
  assert.equal(exportRequest({ ...FORM, masks: true, zip: true }).url, "/api/export/masks.zip?images=all&annotators=everyone");
});

test("progress counts each outline once, even when its key is cut between two chunks", () => {
  const text = '{"annotations": [{"id": 1, "segmentation": [[1]]}, {"id": 2, "segmentation": [[2]]}, ' +
    '{"id": 3, "segmentation": {"counts": "x"}}]}';
  for (let size = 1; size <= text.length; size += 1) {
    const progress = new ExportProgress({ kind: "json", outlines: 3, imageBytes: 0 });
    for (let at = 0; at < text.length; at += size) progress.add(size, text.slice(at, at + size));
    assert.equal(progress.written, 3, `chunks of ${size}`);
  }
  const done = new ExportProgress({ kind: "json", outlines: 4, imageBytes: 0 });
  done.add(text.length, text);
  assert.equal(done.fraction, 0.75);
  assert.match(done.text, /^3 of 4 outlines written/);
});

test("a ZIP's progress is its bytes against the images' bytes, never complete before the end", () => {
  const progress = new ExportProgress({ kind: "zip", outlines: 0, imageBytes: 1_000_000 });
  progress.add(500_000);
  assert.ok(progress.fraction > 0.45 && progress.fraction < 0.5);
  assert.equal(progress.text, "0.5 MB of about 1.0 MB"); // the images' bytes and a little for the rest
  assert.equal(megabytes(1_234_567_890), "1,234.6 MB");
  progress.add(5_000_000);
  assert.equal(progress.fraction, 0.99);
});

test("the report and the file name are read from what the server sent", () => {
  const report = reportOf(JSON.stringify({ images: [{}], annotations: [{}, {}], info: { counts: { images: 1, annotations: 2 } },
    report: [{ annotation_id: 7, message: "has 1 hole(s)" }] }));
  assert.deepEqual(report, { notes: [{ annotation_id: 7, message: "has 1 hole(s)" }], images: 1, annotations: 2 });
  assert.equal(downloadName('attachment; filename="annotator-coco-20261206.json"', "x"), "annotator-coco-20261206.json");
  assert.equal(downloadName(null, "fallback.zip"), "fallback.zip");
});
