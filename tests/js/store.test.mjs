import assert from "node:assert/strict";
import { test } from "node:test";

import { History } from "../../static/js/editor/history.js";
import {
  addRing, changeClass, deleteAnnotation, deleteVertex, drawAnnotation, drawnAnnotation, insertVertex,
  movePolygon, moveVertex, translated, withHoleAdded, withPartAdded, withVertexDeleted, withVertexInserted,
  withVertexMoved,
} from "../../static/js/editor/commands.js";
import {
  SERVER, Store, annotationFromServer, partsFromServer, partsToServer, roundPoint, sameParts, vertexCount,
} from "../../static/js/editor/store.js";

const categories = [
  { id: 1, name: "road", colour: "#804080" },
  { id: 7, name: "car", colour: "#00008e" },
];
const square = () => [{ ring: [[0, 0], [10, 0], [10, 10], [0, 10]], hole: false }];

function setup() {
  const store = new Store({ categories });
  const changes = [];
  store.subscribe((change) => changes.push(change));
  return { store, changes, history: new History() };
}

test("server parts and editor parts convert both ways", () => {
  const server = [{ points: [1, 2, 3, 4, 5, 6], hole: false }, { points: [2, 2, 3, 2, 3, 3], hole: true }];
  const parts = partsFromServer(server);
  assert.deepEqual(parts[0].ring, [[1, 2], [3, 4], [5, 6]]);
  assert.equal(parts[1].hole, true);
  assert.deepEqual(partsToServer(parts), server);
  assert.ok(sameParts(parts, partsFromServer(server)));
});

test("coordinates are kept to a hundredth of a pixel", () => {
  assert.deepEqual(roundPoint([1.23456, 9.999]), [1.23, 10]);
});

test("an annotation from the server keeps its id and version", () => {
  const annotation = annotationFromServer({ id: 9, client_id: "abcdefgh", category_id: 7, version: 3,
    parts: [{ points: [0, 0, 4, 0, 4, 4], hole: false }] });
  assert.equal(annotation.clientId, "abcdefgh");
  assert.equal(annotation.serverId, 9);
  assert.equal(annotation.version, 3);
  assert.equal(vertexCount(annotation), 3);
});

test("every change goes through the store and is announced with its origin", () => {
  const { store, changes } = setup();
  store.add({ clientId: "a1234567", categoryId: 1, parts: square() });
  store.setCategory("a1234567", 7);
  store.setParts("a1234567", translated(square(), 1, 1), { origin: SERVER });
  store.remove("a1234567");
  assert.deepEqual(changes.map((c) => [c.type, c.origin]),
    [["add", "edit"], ["category", "edit"], ["parts", "server"], ["remove", "edit"]]);
  assert.equal(store.list().length, 0);
});

test("values are frozen: a change makes a new annotation", () => {
  const { store } = setup();
  const first = store.add({ clientId: "a1234567", categoryId: 1, parts: square() });
  store.setCategory("a1234567", 7);
  assert.equal(first.categoryId, 1);
  assert.equal(store.get("a1234567").categoryId, 7);
  assert.ok(Object.isFrozen(store.get("a1234567")));
});

test("removing the selected annotation clears the selection; a vertex past the ring end is forgotten", () => {
  const { store } = setup();
  store.add({ clientId: "a1234567", categoryId: 1, parts: square() });
  store.select("a1234567", { part: 0, index: 3 });
  store.setParts("a1234567", withVertexDeleted(square(), 0, 3));
  assert.deepEqual(store.selection, { id: "a1234567", vertex: null });
  store.remove("a1234567");
  assert.deepEqual(store.selection, { id: null, vertex: null });
});

test("the active class starts at the first and only takes known classes", () => {
  const { store } = setup();
  assert.equal(store.activeCategoryId, 1);
  store.setActiveCategory(99);
  assert.equal(store.activeCategoryId, 1);
  store.setActiveCategory(7);
  assert.equal(store.activeCategoryId, 7);
});

test("pure part edits leave their input alone", () => {
  const parts = square();
  const frozen = JSON.stringify(parts);
  assert.deepEqual(withVertexMoved(parts, 0, 1, [12.345, -1])[0].ring[1], [12.35, -1]);
  assert.deepEqual(withVertexInserted(parts, 0, 3, [0, 5])[0].ring, [[0, 0], [10, 0], [10, 10], [0, 10], [0, 5]]);
  assert.deepEqual(withVertexInserted(parts, 0, 0, [5, 0])[0].ring[1], [5, 0]);
  assert.deepEqual(withVertexDeleted(parts, 0, 0)[0].ring, [[10, 0], [10, 10], [0, 10]]);
  assert.equal(withVertexDeleted(withVertexDeleted(parts, 0, 0), 0, 0), null);
  assert.deepEqual(translated(parts, 2, 3)[0].ring[2], [12, 13]);
  const drawn = [[1.234, 1], [4, 1.006], [4, 4]];
  assert.deepEqual(withPartAdded(parts, drawn).slice(1), [{ ring: [[1.23, 1], [4, 1.01], [4, 4]], hole: false }]);
  assert.deepEqual(withHoleAdded(parts, drawn)[1], { ring: [[1.23, 1], [4, 1.01], [4, 4]], hole: true });
  assert.deepEqual(drawnAnnotation("n1234567", 7, drawn),
    { clientId: "n1234567", categoryId: 7, parts: [{ ring: [[1.23, 1], [4, 1.01], [4, 4]], hole: false }] });
  assert.equal(JSON.stringify(parts), frozen);
  assert.deepEqual(drawn[0], [1.234, 1]);
});

test("every command undoes and redoes exactly, through the store", () => {
  const { store, history, changes } = setup();
  const id = "a1234567";
  history.run(drawAnnotation(store, id, 1, square()[0].ring));
  const steps = [
    () => addRing(store, id, [[2, 2], [8, 2], [8, 8]], true),
    () => addRing(store, id, [[20, 20], [30, 20], [30, 30]], false),
    () => moveVertex(store, id, 0, 2, [14, 12]),
    () => insertVertex(store, id, 0, 0, [5, -2]),
    () => deleteVertex(store, id, 0, 4),
    () => movePolygon(store, id, 3, 4),
    () => changeClass(store, id, 7),
    () => deleteAnnotation(store, id),
  ];
  const snapshots = [JSON.stringify(store.list())];
  for (const make of steps) {
    history.run(make());
    snapshots.push(JSON.stringify(store.list()));
  }
  assert.equal(store.list().length, 0);
  for (let index = snapshots.length - 2; index >= 0; index--) {
    history.undo();
    assert.equal(JSON.stringify(store.list()), snapshots[index]);
  }
  for (let index = 1; index < snapshots.length; index++) {
    history.redo();
    assert.equal(JSON.stringify(store.list()), snapshots[index]);
  }
  assert.ok(changes.every((change) => change.origin === "edit"));
});

test("undoing a delete puts the annotation back in its place in the drawing order", () => {
  const { store, history } = setup();
  for (const id of ["a0000000", "b0000000", "c0000000"]) store.add({ clientId: id, categoryId: 1, parts: square() });
  history.run(deleteAnnotation(store, "b0000000"));
  history.undo();
  assert.deepEqual(store.list().map((a) => a.clientId), ["a0000000", "b0000000", "c0000000"]);
});

test("commands that would change nothing are not made", () => {
  const { store } = setup();
  store.add({ clientId: "a1234567", categoryId: 1, parts: [{ ring: [[0, 0], [4, 0], [0, 4]], hole: false }] });
  assert.equal(changeClass(store, "a1234567", 1), null);
  assert.equal(changeClass(store, "a1234567", 99), null);
  assert.equal(deleteVertex(store, "a1234567", 0, 0), null);
  assert.equal(moveVertex(store, "nobody00", 0, 0, [1, 1]), null);
  assert.equal(deleteAnnotation(store, "nobody00"), null);
  assert.equal(addRing(store, "nobody00", [[0, 0], [4, 0], [0, 4]], false), null);
});

test("the vertex count adds up every part", () => {
  assert.equal(vertexCount({ parts: [...square(), { ring: [[1, 1], [2, 1], [2, 2]], hole: true }] }), 7);
});
