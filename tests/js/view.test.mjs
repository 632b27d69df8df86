import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_SCALE, View, steppedScale } from "../../static/js/editor/view.js";

const close = (actual, expected, epsilon = 1e-9) =>
  assert.ok(Math.abs(actual - expected) < epsilon, `${actual} is not ${expected}`);

test("image and screen points map to each other both ways", () => {
  const view = new View({ scale: 2.5, offsetX: 30, offsetY: -12 });
  assert.deepEqual(view.imageToScreen(10, 4), [55, -2]);
  const [x, y] = view.screenToImage(55, -2);
  close(x, 10);
  close(y, 4);
});

test("zooming keeps the image point under the cursor where it was", () => {
  const view = new View({ scale: 0.75, offsetX: 16, offsetY: 40 });
  const before = view.screenToImage(300, 200);
  view.zoomBy(3.2, 300, 200);
  close(view.scale, 2.4);
  const after = view.screenToImage(300, 200);
  close(after[0], before[0]);
  close(after[1], before[1]);
});

test("zoom stops at 32x and at the minimum, and says when nothing changed", () => {
  const view = new View();
  view.zoomBy(1000, 0, 0);
  assert.equal(view.scale, MAX_SCALE);
  assert.equal(view.zoomBy(2, 0, 0), false);
  view.zoomBy(1e-9, 0, 0);
  assert.equal(view.scale, view.minScale);
});

test("fitting centres the whole image with a margin", () => {
  const fit = View.fitting(1280, 720, 980, 780, 16);
  close(fit.scale, (980 - 32) / 1280);
  close(fit.offsetX, (980 - 1280 * fit.scale) / 2);
  close(fit.offsetY, (780 - 720 * fit.scale) / 2);
  const view = new View();
  view.fit(1280, 720, 980, 780, 16);
  const [cx, cy] = view.screenToImage(490, 390);
  close(cx, 640);
  close(cy, 360);
});

test("a hit radius in screen pixels is smaller in image pixels when zoomed in", () => {
  const view = new View({ scale: 4 });
  assert.equal(view.imageDistance(8), 2);
});

test("panning moves the offset; constraining keeps part of the image on screen", () => {
  const view = new View({ scale: 1 });
  view.panBy(-5000, 20);
  view.constrain(1280, 720, 800, 600, 48);
  assert.equal(view.offsetX, 48 - 1280);
  assert.equal(view.offsetY, 20);
});

test("the visible rectangle and centring are in image pixels", () => {
  const view = new View({ scale: 2, offsetX: -100, offsetY: -50 });
  assert.deepEqual(view.visibleRect(400, 300), { x: 50, y: 25, width: 200, height: 150 });
  view.centreOn(640, 360, 200, 150);
  assert.deepEqual(view.imageToScreen(640, 360), [200, 150]);
});

test("zoom steps land exactly on 100%, 200%, 400% from anywhere", () => {
  let scale = 1;
  for (let i = 0; i < 4; i++) scale = steppedScale(scale, 1);
  assert.equal(scale, 4);
  assert.equal(steppedScale(0.74, 1), 1);
  assert.equal(steppedScale(0.74, -1), 2 ** -0.5);
  assert.equal(steppedScale(2, -1), Math.SQRT1_2 * 2);
  assert.equal(steppedScale(1.5, 1), 2);
});
