import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bounds, distance, fromFlat, nearestEdgePoint, nearestVertex, pointInParts, pointInRing, projectOntoSegment,
  resampleAlong, shorterWalk, signedArea, toFlat, walkRing,
} from "../../static/js/editor/geometry.js";

const square = [[0, 0], [10, 0], [10, 10], [0, 10]];

test("a point inside a ring is inside, one outside is not", () => {
  assert.equal(pointInRing([5, 5], square), true);
  assert.equal(pointInRing([15, 5], square), false);
});

test("a point in a hole is not inside the annotation", () => {
  const parts = [{ ring: square, hole: false }, { ring: [[4, 4], [6, 4], [6, 6], [4, 6]], hole: true }];
  assert.equal(pointInParts([5, 5], parts), false);
  assert.equal(pointInParts([2, 2], parts), true);
});

test("signed area is positive counter-clockwise in a y-down image", () => {
  assert.equal(Math.abs(signedArea(square)), 100);
  assert.equal(signedArea(square), -signedArea([...square].reverse()));
});

test("projection onto a segment clamps to its ends", () => {
  assert.deepEqual(projectOntoSegment([5, 3], [0, 0], [10, 0]), { point: [5, 0], t: 0.5 });
  assert.deepEqual(projectOntoSegment([-4, 3], [0, 0], [10, 0]).point, [0, 0]);
  assert.deepEqual(projectOntoSegment([3, 3], [1, 1], [1, 1]).point, [1, 1]);
});

test("nearest vertex and edge point respect the distance limit", () => {
  assert.deepEqual(nearestVertex([9, 1], [square], 2), { ringIndex: 0, vertexIndex: 1, point: [10, 0], distance: Math.hypot(1, 1) });
  assert.equal(nearestVertex([5, 5], [square], 2), null);
  const edge = nearestEdgePoint([5, 1], [square], 2);
  assert.deepEqual([edge.edgeIndex, edge.point], [0, [5, 0]]);
});

test("resampling lays points at a steady spacing along a path", () => {
  const points = resampleAlong([[0, 0], [10, 0], [10, 10]], 4);
  assert.deepEqual(points.map((p) => p.map((v) => Math.round(v * 1000) / 1000)), [[0, 0], [4, 0], [8, 0], [10, 2], [10, 6], [10, 10]]);
  for (let i = 1; i < points.length; i++) assert.ok(Math.abs(distance(points[i - 1], points[i]) - 4) < 1e-9 || i === 3);
});

test("walking a ring follows it either way, and the shorter walk is chosen", () => {
  assert.deepEqual(walkRing(square, 0, 2, true), [[0, 0], [10, 0], [10, 10]]);
  assert.deepEqual(walkRing(square, 0, 2, false), [[0, 0], [0, 10], [10, 10]]);
  const long = [[0, 0], [10, 0], [10, 1], [0, 1]];
  assert.deepEqual(shorterWalk(long, 0, 3), [[0, 0], [0, 1]]);
});

test("flat and paired forms convert both ways", () => {
  assert.deepEqual(fromFlat(toFlat(square)), square);
  assert.deepEqual(bounds([square]), { minX: 0, minY: 0, maxX: 10, maxY: 10 });
});
