import assert from "node:assert/strict";
import { test } from "node:test";

import { Labour } from "../../static/js/editor/labour.js";
import { LabourFigures } from "../../static/js/editor/labour_figures.js";

function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimeout(fn) { pending.set(next, fn); return next++; },
    clearTimeout(id) { pending.delete(id); },
    runAll() { const due = [...pending.values()]; pending.clear(); due.forEach((fn) => fn()); },
    get size() { return pending.size; },
  };
}

test("figures come from the server, and the image's human time adds this page's live share", async () => {
  let now = 0;
  const labour = new Labour({ sessionId: "page-1", now: () => now });
  const asked = [];
  const api = async (method, url) => {
    asked.push(url);
    return { status: 200, body: { polygons: { "car-1": { total_ms: 7000, clicks: 4 } }, other_sessions_active_ms: 60000 } };
  };
  const figures = new LabourFigures({ api, imageId: 3, labour, timers: fakeTimers() });
  let heard = 0;
  figures.subscribe(() => heard++);
  await figures.refresh();
  assert.deepEqual(asked, ["/api/images/3/labour?session=page-1"]);
  assert.equal(figures.figure("car-1").clicks, 4);
  assert.equal(figures.figure("unsaved"), null);
  assert.equal(heard, 1);
  labour.record("open");
  now = 2500;
  assert.equal(figures.imageActiveMs(), 62500);
});

test("several saves in a row make one request, and an offline answer keeps the old figures", async () => {
  const timers = fakeTimers();
  const labour = new Labour({ sessionId: "page-1" });
  let calls = 0;
  let online = true;
  const api = async () => {
    calls++;
    if (!online) throw Object.assign(new Error("offline"), { status: 0 });
    return { status: 200, body: { polygons: { a: { total_ms: 1 } }, other_sessions_active_ms: 0 } };
  };
  const figures = new LabourFigures({ api, imageId: 1, labour, timers });
  figures.refreshSoon();
  figures.refreshSoon();
  figures.refreshSoon();
  assert.equal(timers.size, 1);
  timers.runAll();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 1);
  online = false;
  await figures.refresh();
  assert.equal(figures.figure("a").total_ms, 1);
});
