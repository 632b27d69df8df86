// The live view's ticking clock and status words. Pure: no DOM, no fetch; the caller passes the time. Durations
// and "… ago" are written by common/format.js, as on every page.
//
// The server's figures are the labour ledger's: each gap between two events counts up to the idle threshold.
// A pause still going on has not been counted yet: the ledger counts it (up to the threshold) when the person's
// next event arrives. So between polls, for each person who was active at the last poll, the clock adds their
// current pause, capped at the threshold: active_ms + min(last_seen + elapsed, threshold).
//
// The rule for what is shown: each person's time is the highest of those projections seen so far (never below the
// server's figure, never backwards). It can run ahead of the ledger by at most one threshold per person (a pause
// that ended the session, a new page opened): it then holds still until the ledger catches up. A figure that
// drops on the server (the workshop was reset) restarts that person's clock. The room's total is the sum of
// the people's, plus any time of sessions nobody listed owns.

import { formatAgo } from "../common/format.js";

const MS = { second: 1000, minute: 60_000, hour: 3_600_000 };
const ROUNDING_MS = 1; // the server rounds to 0.1 ms; anything lower than this is a real drop

export class RoomClock {
  constructor() {
    this.answer = null; // the last poll's answer
    this.at = 0; // the local clock (ms) when it arrived
    this.shown = new Map(); // person id -> highest projection shown
    this.server = new Map(); // person id -> their server figure at the last poll
  }

  /** Take a poll's answer, received at local time `at` (ms). */
  update(answer, at) {
    for (const person of answer.people) {
      const before = this.server.get(person.id);
      if (before !== undefined && person.active_ms < before - ROUNDING_MS) this.shown.delete(person.id);
      this.server.set(person.id, person.active_ms);
    }
    const listed = new Set(answer.people.map((person) => person.id));
    for (const id of [...this.shown.keys()]) {
      if (!listed.has(id)) {
        this.shown.delete(id);
        this.server.delete(id);
      }
    }
    this.answer = answer;
    this.at = at;
  }

  /** Each person's time and the room's at local time `at`: {total: ms, people: Map(id -> ms)}. */
  read(at) {
    const people = new Map();
    if (!this.answer) return { total: 0, people };
    const capMs = this.answer.idle_threshold_s * MS.second;
    const elapsed = Math.max(0, at - this.at);
    let sum = 0;
    let serverSum = 0;
    for (const person of this.answer.people) {
      const pending = person.status === "active" && person.last_seen_s !== null
        ? Math.min(person.last_seen_s * MS.second + elapsed, capMs) : 0;
      const shown = Math.max(this.shown.get(person.id) ?? 0, person.active_ms + pending);
      this.shown.set(person.id, shown);
      people.set(person.id, shown);
      sum += shown;
      serverSum += person.active_ms;
    }
    const unlisted = Math.max(0, this.answer.totals.active_ms - serverSum);
    return { total: sum + unlisted, people };
  }
}

/** The words beside a person's status colour, so colour is never the only cue. */
export function statusText(person, elapsedSeconds = 0) {
  const ago = person.last_seen_s === null ? "" : formatAgo(person.last_seen_s + elapsedSeconds);
  switch (person.status) {
    case "active": return "active";
    case "idle": return `idle · ${ago}`;
    case "away": return `away · ${ago}`;
    default: return "joined";
  }
}

/** Card size for the number of people: a projector shows 60 at 1920 x 1080. */
export function density(count) {
  if (count <= 12) return "roomy";
  if (count <= 30) return "normal";
  return "dense";
}

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}
