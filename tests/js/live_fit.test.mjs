import assert from "node:assert/strict";
import { test } from "node:test";

import {
  LEVELS, MIN_NAME_SCALE, NAME_EM, chooseLayout, forHeight, largestFitting, nameScale, pageOf,
} from "../../static/js/live/fit.js";

test("the largest font that fits is found, and null when not even the smallest does", () => {
  const asked = [];
  const fits = (limit) => (font) => {
    asked.push(font);
    return font <= limit;
  };
  assert.equal(largestFitting(12, 22, fits(17.3)), 17);
  assert.ok(asked.length <= 7, `${asked.length} layouts tried`);
  assert.equal(largestFitting(12, 22, fits(40)), 22);
  assert.equal(largestFitting(12, 22, fits(12)), 12);
  assert.equal(largestFitting(12, 22, fits(11)), null);
  for (let limit = 12; limit <= 22; limit += 0.5) assert.equal(largestFitting(12, 22, fits(limit)), limit);
});

test("a room keeps the most detail it can show at a readable size, and pages only when nothing fits", () => {
  const levels = [{ detail: 0, minFont: 18 }, { detail: 1, minFont: 16 }, { detail: 2, minFont: 14 }];
  // Room for detail 1 up to 17.5 px; detail 0 would need 19.
  const room = { 0: 17, 1: 17.5, 2: 20 };
  assert.deepEqual(chooseLayout(levels, 24, (detail, font) => font <= room[detail]),
    { detail: 1, font: 17.5, paged: false });
  assert.deepEqual(chooseLayout(levels, 24, () => true), { detail: 0, font: 24, paged: false });
  assert.deepEqual(chooseLayout(levels, 24, () => false), { detail: 2, font: 14, paged: true });
});

test("sizes scale with the screen's height, as a projector shows 720 lines as large as 1080", () => {
  const full = forHeight(1080);
  assert.deepEqual(full.levels, LEVELS);
  const small = forHeight(720, LEVELS, 22);
  assert.deepEqual(small.levels.map((level) => level.minFont), LEVELS.map((level) => Math.round(level.minFont * 4 / 3) / 2));
  assert.equal(small.maxFont, 14.5);
  assert.deepEqual(forHeight(2160).levels, LEVELS); // never larger than at 1080
  assert.equal(forHeight(200, LEVELS, 20).maxFont, 12); // never below 0.6
});

test("a word wider than its card is set smaller, down to a limit; past it, it may break", () => {
  assert.equal(nameScale(200, 150), NAME_EM);
  const scale = nameScale(200, 240);
  assert.ok(scale < NAME_EM * (200 / 240) && scale >= NAME_EM * MIN_NAME_SCALE);
  assert.equal(nameScale(100, 400), null);
});

test("pages split the cards evenly and turn round", () => {
  assert.deepEqual(pageOf(60, 48, 0), { pages: 2, current: 0, start: 0, end: 48 });
  assert.deepEqual(pageOf(60, 48, 1), { pages: 2, current: 1, start: 48, end: 60 });
  assert.deepEqual(pageOf(60, 48, 2), { pages: 2, current: 0, start: 0, end: 48 });
  assert.deepEqual(pageOf(5, 0, 0), { pages: 5, current: 0, start: 0, end: 1 });
});
