// "Scale it up": the model (labour/scale_model.js, pure) and the panel (scale_up.js) on a fake DOM.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { formatHours } from "../../static/js/common/format.js";
import {
  coverage, coverageTexts, hoursByObjects, hoursByVertices, imagesSource, paceOf, paceTexts, parseImages, personHours,
  referenceHours, referenceTexts, resultTexts, scaleSetup,
} from "../../static/js/labour/scale_model.js";
import { renderScaleUp } from "../../static/js/labour/scale_up.js";
import { descendants, fakeDocument } from "./fake_dom.mjs";

const PRESETS = JSON.parse(readFileSync(new URL("../../annotator/data/scale_presets.json", import.meta.url), "utf8"));
const SOURCE = readFileSync(new URL("../../static/js/labour/scale_up.js", import.meta.url), "utf8");
const MODEL_SOURCE = readFileSync(new URL("../../static/js/labour/scale_model.js", import.meta.url), "utf8");

function byTestId(node, id) {
  return descendants(node).filter((child) => child.dataset.testid === id);
}

// The case that misled before: 4 of the 77 objects of sample scene 1 outlined (one more drawn and deleted, one
// cancelled), 150 s of active time in all, 40 vertices. Image 9 has no ground truth.
const REPORT = {
  totals: { active_ms: 150_000 },
  polygons: [
    ...[0, 1, 2, 3].map((n) => ({ annotation: `p${n}`, image_id: 1, deleted: false, closed: true, vertices: 10 })),
    { annotation: "gone", image_id: 1, deleted: true, closed: true, vertices: 7 },
  ],
  cancelled: [{ annotation: "x", total_ms: 4000 }],
  images: [{ image_id: 1, file_name: "scene_01.jpg" }, { image_id: 9, file_name: "photo.jpg" }],
};
const TRUTH = [{ image_id: 1, file_name: "scene_01.jpg", objects: 77 }];

function render(options = {}) {
  const container = fakeDocument().createElement("div");
  const handle = renderScaleUp(container, { pace: paceOf(REPORT), presets: PRESETS.presets,
    coverage: coverage(REPORT, TRUTH), truthSource: "the sample scene's ground truth", ...options });
  return { container, handle, one: (id) => byTestId(container, id)[0] };
}

test("person-hours = ms per image × images ÷ 3.6e6, as annotator/core/labour/ scale_up", () => {
  assert.equal(personHours(120_000, 5000), 120_000 * 5000 / 3.6e6);
  assert.equal(personHours(0, 10), 0);
  assert.throws(() => personHours(-1, 10));
  assert.throws(() => personHours(10, -1));
});

test("typed image counts: separators allowed, anything else refused", () => {
  assert.equal(parseImages("5000"), 5000);
  assert.equal(parseImages(" 328,000 "), 328_000);
  assert.equal(parseImages("1 000 000"), 1_000_000);
  for (const bad of ["", "-5", "1.5", "abc", "1e5", "99999999999999999"]) assert.equal(parseImages(bad), null, bad);
});

test("the pace is all the active time over the outlines left, per object and per vertex", () => {
  const pace = paceOf(REPORT);
  assert.deepEqual(pace, { activeMs: 150_000, objects: 4, vertices: 40, msPerObject: 37_500, msPerVertex: 3_750 });
  assert.equal(paceOf({ totals: { active_ms: 5000 }, polygons: [], images: [] }).msPerObject, null);
  assert.equal(hoursByObjects(37_500, 18.8, 5000), 37_500 * 18.8 * 5000 / 3.6e6);
  assert.equal(hoursByVertices(3_750, 10, 18.8, 5000), hoursByObjects(37_500, 18.8, 5000));
  assert.throws(() => hoursByObjects(1, -1, 1));
  assert.deepEqual(coverage(REPORT, TRUTH), [
    { image_id: 1, file_name: "scene_01.jpg", outlined: 4, truth: 77 },
    { image_id: 9, file_name: "photo.jpg", outlined: 0, truth: null }]);
});

test("scales by objects per image, not by images: 4 of 77 objects is not a labelled image", () => {
  const { handle, one } = render();
  const cityscapes = PRESETS.presets.find((preset) => preset.id === "cityscapes-fine");
  assert.equal(handle.state().images, 5000);
  assert.equal(handle.state().dataset, "cityscapes-fine");
  const expected = 37_500 * cityscapes.objects_per_image.value * 5000 / 3.6e6; // 979.2 h, not 5000 × 150 s = 208 h
  assert.equal(handle.state().hours, expected);
  assert.equal(one("scale-hours").textContent, formatHours(expected));
  assert.match(one("scale-result").textContent, /At your pace per object, labelling 5,000 images of Cityscapes, fine annotations \(at least 18\.8 objects per image\) would take at least 979\.2 person-hours\./);
  const basis = one("scale-result-source").textContent;
  assert.match(basis, /= 37\.5 sec per object \(measured here\) × 18\.8 objects per image \(7\.0 humans \+ 11\.8 vehicles per image.*Source: Cordts et al\., CVPR 2016, Table 2 \(exact/);
  assert.match(basis, /How: 7\.0 \+ 11\.8 = 18\.8 instances per image\..*× 5,000 images ÷ 3,600 s per hour\. 5,000 images: 5,000 images with fine/);
  assert.match(one("scale-pace").textContent, /Your pace: 37\.5 sec per object and 3\.8 sec per vertex \(measured here: your 2 min 30 sec of active time, searching and cancelled drawings included, over the 4 outlines you left and their 40 vertices\)\./);
  assert.match(one("scale-vertex").textContent, /no vertex count per object for Cityscapes, fine annotations, so no per-vertex estimate is made/);
});

test("a partly labelled image says how much of it was outlined: of its ground truth, else of the average", () => {
  const { container, handle } = render();
  const items = byTestId(container, "scale-coverage-item");
  assert.equal(items.length, 2);
  assert.equal(byTestId(items[0], "scale-coverage-count")[0].textContent,
    "scene_01.jpg: you outlined 4 of the 77 objects in this image");
  assert.match(items[0].textContent, /all of them at your pace per object: 77 × 37\.5 sec = 48 min 08 sec\..*the sample scene's ground truth/);
  assert.equal(byTestId(items[1], "scale-coverage-count")[0].textContent,
    "photo.jpg: you outlined 0 of the ~18.8 objects in this image");
  assert.match(items[1].textContent, /Cityscapes, fine annotations's published average: 7\.0 humans/);
  handle.setDataset("coco");
  assert.equal(byTestId(byTestId(container, "scale-coverage-item")[1], "scale-coverage-count")[0].textContent,
    "photo.jpg: you outlined 0 of the ~7.7 objects in this image");
});

test("typing N recomputes; an invalid N is flagged and keeps the last result", () => {
  const { handle, one } = render();
  const input = one("scale-images");
  input.value = "12,345";
  input.fire("input");
  assert.equal(handle.state().images, 12_345);
  assert.equal(one("scale-hours").textContent, formatHours(37_500 * 18.8 * 12_345 / 3.6e6));
  assert.match(one("scale-result-source").textContent, /the number you chose/);
  input.value = "lots";
  input.fire("input");
  assert.equal(input.getAttribute("aria-invalid"), "true");
  assert.equal(handle.state().images, 12_345);
});

test("a dataset button sets its image count and objects per image, and is marked pressed", () => {
  const { container, handle, one } = render();
  one("scale-preset-coco").fire("click");
  assert.equal(handle.state().images, 328_000);
  assert.equal(handle.state().hours, 37_500 * 7.7 * 328_000 / 3.6e6);
  assert.equal(one("scale-preset-coco").getAttribute("aria-pressed"), "true");
  assert.equal(one("scale-preset-cityscapes-fine").getAttribute("aria-pressed"), "false");
  assert.match(one("scale-result-source").textContent, /7\.7 objects per image \(7\.7 instances per image\. Source: Lin et al\..*328k images\. Source: Lin et al\./);
  // Datasets without a published number of objects per image get no button.
  assert.equal(byTestId(container, "scale-preset-mapillary-vistas").length, 0);
});

test("a published vertices-per-object figure gives a per-vertex estimate beside the per-object one", () => {
  const presets = structuredClone(PRESETS.presets);
  presets[0].vertices_per_object = { value: 25, text: "25 vertices per object", source: "a test", confidence: "exact" };
  const { one } = render({ presets });
  const line = one("scale-vertex");
  assert.equal(Number(line.dataset.hours), hoursByVertices(3_750, 25, 18.8, 5000));
  assert.match(line.textContent, /At your pace per vertex \(3\.8 sec, measured here\) × 25 vertices per object/);
});

test("each preset shows its published time per image with source, secondary ones labelled", () => {
  const { container } = render();
  const ref = (id) => byTestId(container, `scale-ref-${id}`)[0];
  assert.match(ref("cityscapes-fine").textContent, /more than 1 hr 30 min per image.*Cordts et al\., CVPR 2016, §2\.2 \(exact\)/);
  assert.match(ref("coco").textContent, /more than 10 min 08 sec per image \(derived here: instance outlining only.*How: 79 s per instance × 7\.7 instances/);
  assert.match(ref("mapillary-vistas").textContent, /secondary source.*1 hr 34 min per image, published as: about 94 min per image/);
  assert.match(ref("mapillary-vistas").textContent, /secondary source, not checked against the primary text/);
  assert.match(ref("manual-full-image").textContent, /19 min per image.*Google AI blog on Fluid Annotation, 2018/);
  const hours = byTestId(ref("cityscapes-fine"), "scale-ref-hours")[0];
  assert.equal(Number(hours.dataset.hours), 5000 * 1.5);
  assert.match(hours.textContent, /5,000 images would take more than 7,500 person-hours \(derived here/);
});

test("with no finished outline the panel says so and still shows the published paces", () => {
  const { container, handle, one } = render({ pace: paceOf({ totals: { active_ms: 9000 }, polygons: [] }) });
  assert.equal(handle.state().hours, null);
  assert.match(one("scale-pace").textContent, /No finished outline yet/);
  assert.equal(byTestId(container, "scale-hours").length, 0);
  assert.equal(byTestId(container, "scale-ref-hours").length, 4);
});

test("the modules set text only as text and touch no globals; the model makes no DOM at all", () => {
  assert.doesNotMatch(SOURCE, /innerHTML|outerHTML|insertAdjacentHTML|document\.|window\./);
  assert.doesNotMatch(MODEL_SOURCE, /\bdocument\b|\bwindow\b|innerHTML|createElement|\belement\(/);
});

test("the model's texts: the pace, an image's coverage, the result and each preset's hours, without a DOM", () => {
  const setup = scaleSetup(paceOf(REPORT), { presets: PRESETS.presets });
  assert.equal(setup.first.id, "cityscapes-fine");
  assert.ok(setup.datasets.every((preset) => preset.objects_per_image.value > 0));
  assert.equal(setup.list.length, PRESETS.presets.length);
  assert.deepEqual([setup.perObject, setup.perVertex], [37_500, 3_750]);
  const pace = paceTexts(paceOf(REPORT), setup);
  assert.deepEqual([pace.object, pace.vertex], ["37.5 sec", "3.8 sec"]);
  assert.equal(paceTexts(paceOf({ totals: {}, polygons: [] }), scaleSetup(paceOf({ polygons: [] }), [])), null);

  const [scene, photo] = coverage(REPORT, TRUTH);
  const sceneText = coverageTexts(scene, { dataset: setup.first, perObject: 37_500, truthSource: "" });
  assert.equal(sceneText.source, " (the sample scene's ground truth.)");
  assert.equal(coverageTexts(photo, { dataset: null, perObject: 37_500, truthSource: "" }).finish, null);
  assert.equal(coverageTexts(photo, { dataset: null, perObject: 37_500, truthSource: "" }).count,
    "photo.jpg: you outlined 0 in this image");

  const result = resultTexts({ images: 5000, dataset: setup.first }, setup);
  assert.equal(result.hours, 37_500 * 18.8 * 5000 / 3.6e6);
  assert.equal(result.figure, formatHours(result.hours));
  assert.equal(result.vertex.hours, ""); // Cityscapes publishes no vertices per object
  const none = resultTexts({ images: 10, dataset: setup.first }, { perObject: null, perVertex: null });
  assert.deepEqual([none.hours, none.figure, none.vertex], [null, null, null]);
  assert.match(none.lead, /^Your person-hours for 10 images appear here once you have closed an outline\.$/);
  assert.equal(resultTexts({ images: 10, dataset: null }, setup).lead,
    "No dataset with a published number of objects per image in the reference figures.");
  assert.equal(imagesSource(12, setup.first), "12 images: the number you chose.");

  const coco = PRESETS.presets.find((preset) => preset.id === "coco");
  assert.equal(referenceHours(coco, 3600).hours, coco.time_per_image.seconds);
  const reference = referenceTexts(coco);
  assert.match(reference.published, /^ \(derived here: /);
  assert.match(reference.images, /^Images: 328k images\. Source: Lin et al\./);
});
