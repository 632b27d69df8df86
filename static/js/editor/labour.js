// The labour record: what the person did, when, in order. Each event is {seq, kind, t, annotation?, data?}:
// seq rises by one per page session, t is performance.now() in milliseconds and never goes back.
// Events about an annotation ride along with that annotation's next save (take); the rest are sent on
// their own from time to time (takeGeneral). Nothing here talks to the server.

export const MAX_EVENTS_PER_REQUEST = 5000;
export const MAX_DATA_KEYS = 20;
const KIND = /^[a-z][a-z0-9_.:-]{0,31}$/;

function simple(value) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? Math.round(value * 100) / 100 : null;
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    return [Math.round(value[0] * 100) / 100, Math.round(value[1] * 100) / 100];
  }
  return String(value).slice(0, 200);
}

export class Labour {
  constructor({ sessionId, now = () => performance.now(), events = [], nextSeq = 1, idleMs = 30000 } = {}) {
    this.sessionId = sessionId;
    this.now = now;
    this.idleMs = idleMs;
    // This page's active time by the ledger's rule (each gap between events counts up to idleMs), kept as
    // events are recorded: the server derives the same figure from the same events.
    this.activeMs = 0;
    this.recorded = 0;
    this.events = [...events];
    this.seq = nextSeq;
    this.lastT = events.length ? events[events.length - 1].t : 0;
    this.listeners = new Set();
  }

  /** Record one event; `annotation` is the client id it is about, `data` a flat object of simple values. */
  record(kind, { annotation = null, data = null } = {}) {
    if (!KIND.test(kind)) throw new Error(`not an event kind: ${kind}`);
    const t = Math.max(this.lastT, Math.round(this.now() * 10) / 10);
    if (this.recorded++ > 0) this.activeMs += Math.min(t - this.lastT, this.idleMs);
    this.lastT = t;
    const event = { seq: this.seq++, kind, t };
    if (annotation) event.annotation = annotation;
    if (data) {
      const entries = Object.entries(data).filter(([, value]) => value !== undefined).slice(0, MAX_DATA_KEYS);
      if (entries.length) event.data = Object.fromEntries(entries.map(([key, value]) => [key, simple(value)]));
    }
    this.events.push(event);
    this.emit();
    return event;
  }

  /** Remove and return (in order) the events about one annotation, at most `limit`. */
  take(annotation, limit = MAX_EVENTS_PER_REQUEST) {
    return this.takeWhere((event) => event.annotation === annotation, limit);
  }

  /** Remove and return the events about no annotation or about one nobody is about to save. */
  takeGeneral(isClaimed = () => false, limit = MAX_EVENTS_PER_REQUEST) {
    return this.takeWhere((event) => !event.annotation || !isClaimed(event.annotation), limit);
  }

  takeWhere(predicate, limit) {
    const taken = [];
    const kept = [];
    for (const event of this.events) {
      if (taken.length < limit && predicate(event)) taken.push(event);
      else kept.push(event);
    }
    if (taken.length) {
      this.events = kept;
      this.emit();
    }
    return taken;
  }

  /** Give back events whose request failed; they keep their place in the order. */
  putBack(events) {
    if (!events.length) return;
    this.events = [...this.events, ...events].sort((a, b) => a.seq - b.seq);
    this.emit();
  }

  /** Point events about one client id at another (a draft that became an annotation, a re-creation). */
  reassign(from, to) {
    for (const event of this.events) if (event.annotation === from) event.annotation = to;
  }

  /** Active time so far, the running gap since the last event included (capped like any other). */
  activeNow() {
    if (!this.recorded) return 0;
    return this.activeMs + Math.min(Math.max(0, this.now() - this.lastT), this.idleMs);
  }

  /** The clock now, never behind an event already recorded: a request's `sent_t`. */
  clock() {
    return Math.max(this.lastT, Math.ceil(this.now() * 10) / 10);
  }

  get size() {
    return this.events.length;
  }

  toJSON() {
    return { sessionId: this.sessionId, events: this.events, savedT: this.clock() };
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit() {
    for (const listener of this.listeners) listener(this);
  }
}
