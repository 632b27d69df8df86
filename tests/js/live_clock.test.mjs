import assert from "node:assert/strict";
import { test } from "node:test";

import { RoomClock, density, plural, statusText } from "../../static/js/live/clock.js";

function person(id, activeMs, status = "active", lastSeenS = 0) {
  return { id, name: id, status, last_seen_s: status === "joined" ? null : lastSeenS, active_ms: activeMs };
}

function answer(people, extraMs = 0, idle = 30) {
  return {
    idle_threshold_s: idle,
    people,
    totals: { active_ms: people.reduce((sum, p) => sum + p.active_ms, 0) + extraMs },
  };
}

test("an active person's current pause ticks, up to the idle threshold since their last event", () => {
  const clock = new RoomClock();
  clock.update(answer([person("amara", 60_000, "active", 10), person("bo", 5_000, "idle", 100)]), 1_000);
  let figures = clock.read(1_000);
  assert.equal(figures.people.get("amara"), 70_000);
  assert.equal(figures.people.get("bo"), 5_000); // not active: no pending pause
  assert.equal(figures.total, 75_000);
  figures = clock.read(6_000);
  assert.equal(figures.people.get("amara"), 75_000);
  assert.equal(figures.total, 80_000);
  figures = clock.read(60_000); // long after: capped at 30 s since the last event, as the ledger counts it
  assert.equal(figures.people.get("amara"), 90_000);
  assert.equal(figures.total, 95_000);
});

test("the shown time never goes backwards, and catches up with the server", () => {
  const clock = new RoomClock();
  clock.update(answer([person("amara", 60_000, "active", 20)]), 0);
  assert.equal(clock.read(5_000).total, 85_000);
  // Next poll: Amara opened another image (the pause between pages is not labour), so the ledger has no more.
  clock.update(answer([person("amara", 60_000, "active", 0)]), 5_000);
  assert.equal(clock.read(5_000).total, 85_000); // holds still
  assert.equal(clock.read(20_000).total, 85_000);
  assert.equal(clock.read(31_000).total, 86_000); // ticking again once the projection passes
  // The ledger jumps ahead (a long drawing arrived with its save): shown at once.
  clock.update(answer([person("amara", 150_000, "active", 1)]), 32_000);
  assert.equal(clock.read(32_000).total, 151_000);
});

test("a reset (the server's figures drop) restarts the clock; people who left vanish", () => {
  const clock = new RoomClock();
  clock.update(answer([person("amara", 60_000), person("bo", 10_000)]), 0);
  clock.read(10_000);
  clock.update(answer([person("amara", 0, "joined")]), 11_000);
  const figures = clock.read(12_000);
  assert.equal(figures.total, 0);
  assert.deepEqual([...figures.people.keys()], ["amara"]);
});

test("time of sessions nobody listed counts in the room's total", () => {
  const clock = new RoomClock();
  clock.update(answer([person("amara", 1_000, "idle", 50)], 4_000), 0);
  assert.equal(clock.read(0).total, 5_000);
  assert.equal(new RoomClock().read(0).total, 0);
});

test("statuses read as words as well as colours", () => {
  assert.equal(statusText(person("a", 0, "active", 3)), "active");
  assert.equal(statusText(person("a", 0, "idle", 95)), "idle · 1 minute ago");
  assert.equal(statusText(person("a", 0, "idle", 40), 5), "idle · 45 seconds ago");
  assert.equal(statusText(person("a", 0, "away", 3_900)), "away · 1 hour ago");
  assert.equal(statusText(person("a", 0, "joined")), "joined");
  assert.equal(statusText(person("a", 0, "idle", 2)), "idle · now");
});

test("cards get smaller as the room fills", () => {
  assert.deepEqual([1, 12, 13, 30, 31, 60].map(density), ["roomy", "roomy", "normal", "normal", "dense", "dense"]);
  assert.equal(plural(1, "object", "objects"), "1 object");
  assert.equal(plural(0, "object", "objects"), "0 objects");
});
