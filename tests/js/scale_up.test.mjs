import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  formatCount, formatDuration, formatHours, parseImages, personHours, renderScaleUp,
} from "../../static/js/labour/scale_up.js";
import { descendants, fakeDocument } from "./fake_dom.mjs";

const PRESETS = JSON.parse(readFileSync(new URL("../../annotator/data/scale_presets.json", import.meta.url), "utf8"));
const SOURCE = readFileSync(new URL("../../static/js/labour/scale_up.js", import.meta.url), "utf8");

function byTestId(node, id) {
  return descendants(node).filter((child) => child.dataset.testid === id);
}

function render(options = {}) {
  const container = fakeDocument().createElement("div");
  const handle = renderScaleUp(container, { msPerImage: 120_000, presets: PRESETS.presets, imagesMeasured: 2,
    ...options });
  return { container, handle, one: (id) => byTestId(container, id)[0] };
}

test("person-hours = ms per image × images ÷ 3.6e6, as annotator/labour.py scale_up", () => {
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

test("formatting: counts grouped, hours with the decimals their size needs, durations in a readable unit", () => {
  assert.equal(formatCount(328000), "328,000");
  assert.equal(formatHours(0.4166), "0.42");
  assert.equal(formatHours(37.25), "37.3");
  assert.equal(formatHours(51234.4), "51,234");
  assert.equal(formatHours(null), "—");
  assert.equal(formatDuration(48_500), "48.5 s");
  assert.equal(formatDuration(608_300), "10.1 min");
  assert.equal(formatDuration(5_400_000), "1.50 h");
});

test("starts at the first preset's published image count and shows the hours with their basis", () => {
  const { handle, one } = render();
  assert.equal(handle.state().images, 5000);
  assert.equal(one("scale-images").value, "5,000");
  assert.equal(one("scale-hours").textContent, formatHours(120_000 * 5000 / 3.6e6));
  assert.match(one("scale-result").textContent, /At this pace, labelling 5,000 images like these would take 166\.7 person-hours\./);
  const basis = one("scale-result-source").textContent;
  assert.match(basis, /2\.0 min per image \(measured here\) × 5,000 images/);
  assert.match(basis, /Source: Cordts et al\./);
  assert.match(one("scale-pace").textContent, /measured here: mean active time over your 2 images/);
});

test("typing N recomputes; an invalid N is flagged and keeps the last result", () => {
  const { handle, one } = render();
  const input = one("scale-images");
  input.value = "12,345";
  input.fire("input");
  assert.equal(handle.state().images, 12_345);
  assert.equal(one("scale-hours").textContent, formatHours(120_000 * 12_345 / 3.6e6));
  assert.match(one("scale-result-source").textContent, /the number you chose/);
  input.value = "lots";
  input.fire("input");
  assert.equal(input.getAttribute("aria-invalid"), "true");
  assert.equal(handle.state().images, 12_345);
});

test("a preset button sets its dataset's image count and is marked pressed", () => {
  const { container, handle, one } = render();
  one("scale-preset-coco").fire("click");
  assert.equal(handle.state().images, 328_000);
  assert.equal(one("scale-preset-coco").getAttribute("aria-pressed"), "true");
  assert.equal(one("scale-preset-cityscapes-fine").getAttribute("aria-pressed"), "false");
  assert.match(one("scale-result-source").textContent, /328k images\. Source: Lin et al\./);
  // Presets without a published image count get no button.
  assert.equal(byTestId(container, "scale-preset-mapillary-vistas").length, 0);
});

test("each preset shows its published time per image with source, secondary ones labelled", () => {
  const { container } = render();
  const ref = (id) => byTestId(container, `scale-ref-${id}`)[0];
  assert.match(ref("cityscapes-fine").textContent, /more than 1\.50 h per image.*Cordts et al\., CVPR 2016, §2\.2 \(exact\)/);
  assert.match(ref("coco").textContent, /more than 10\.1 min per image \(derived here: instance outlining only.*How: 79 s per instance × 7\.7 instances/);
  assert.match(ref("mapillary-vistas").textContent, /secondary source.*1\.57 h per image, published as: about 94 min per image/);
  assert.match(ref("mapillary-vistas").textContent, /secondary source, not checked against the primary text/);
  assert.match(ref("manual-full-image").textContent, /19\.0 min per image.*Google AI blog on Fluid Annotation, 2018/);
  const hours = byTestId(ref("cityscapes-fine"), "scale-ref-hours")[0];
  assert.equal(Number(hours.dataset.hours), 5000 * 1.5);
  assert.match(hours.textContent, /5,000 images would take more than 7,500 person-hours \(derived here/);
});

test("with no measured time the panel says so and still shows the published paces", () => {
  const { container, handle, one } = render({ msPerImage: 0 });
  assert.equal(handle.state().hours, null);
  assert.match(one("scale-pace").textContent, /No active time measured yet/);
  assert.equal(byTestId(container, "scale-hours").length, 0);
  assert.equal(byTestId(container, "scale-ref-hours").length, 4);
});

test("the module sets text only as text and touches no globals", () => {
  assert.doesNotMatch(SOURCE, /innerHTML|outerHTML|insertAdjacentHTML|document\.|window\./);
});
