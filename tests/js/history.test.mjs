import assert from "node:assert/strict";
import { test } from "node:test";

import { History } from "../../static/js/editor/history.js";

function counter() {
  const state = { value: 0 };
  const add = (n) => ({ label: `add ${n}`, apply: () => { state.value += n; }, revert: () => { state.value -= n; } });
  return { state, add };
}

test("undo reverts and redo reapplies, in order", () => {
  const { state, add } = counter();
  const history = new History();
  history.run(add(1));
  history.run(add(10));
  assert.equal(state.value, 11);
  history.undo();
  assert.equal(state.value, 1);
  history.undo();
  assert.equal(state.value, 0);
  assert.equal(history.undo(), null);
  history.redo();
  history.redo();
  assert.equal(state.value, 11);
  assert.equal(history.redo(), null);
});

test("a new command clears what could have been redone", () => {
  const { state, add } = counter();
  const history = new History();
  history.run(add(1));
  history.undo();
  history.run(add(5));
  assert.equal(history.canRedo, false);
  assert.equal(state.value, 5);
});

test("at least 200 steps can be undone", () => {
  const { state, add } = counter();
  const history = new History();
  for (let i = 0; i < 250; i++) history.run(add(1));
  for (let i = 0; i < 250; i++) assert.ok(history.undo());
  assert.equal(state.value, 0);
});

test("the depth bounds memory: the oldest steps are forgotten", () => {
  const { state, add } = counter();
  const history = new History(3);
  for (let i = 0; i < 5; i++) history.run(add(1));
  while (history.undo());
  assert.equal(state.value, 2);
});

test("listeners hear every run, undo and redo", () => {
  const { add } = counter();
  const history = new History();
  const heard = [];
  const stop = history.subscribe((kind, command) => heard.push(`${kind}:${command.label}`));
  history.run(add(2));
  history.undo();
  history.redo();
  stop();
  history.undo();
  assert.deepEqual(heard, ["run:add 2", "undo:add 2", "redo:add 2"]);
});
