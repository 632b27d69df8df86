// Saving: every edit the store reports is sent to the server at once; there is no save button.
//
// Each annotation has its own queue, kept as a record: what the server holds (id, version, parts, class)
// and whether the document differs from it. One request per annotation is in flight at a time, and
// the next one is made from the document as it is when the previous answer arrives, with the version
// that answer gave: so edits go out in order, a create before any patch, and edits made meanwhile are
// sent together. Pending work is kept in localStorage, so a reload sends it again; a server that cannot
// be reached is retried with growing pauses. A 429 (saving faster than the server's limit) waits the
// server's Retry-After before anything is sent again, the work kept meanwhile. A 409 means someone else
// changed the annotation: their version is shown and the person is told.
//
// Someone else's annotations (a workshop's shared layers: "mine" false) are loaded read-only: never sent.
// A flag (flags.js) is saved with the class the person picked, so the server can keep that pick beside it.
//
// This is the queues' state machine (when to send, what an answer or a failure does to the document); the
// queue as data and the requests it makes are save_record.js's, the labour kept across reloads
// labour_keeper.js's. Dependencies come in through the constructor (api, storage, timers, ids), so node tests
// can drive it.

import { sameFlag } from "./flags.js";
import {
  desiredOf, holds, learn, newRecord, pendingEntry, requestFor, snapshotOf, wasOnServer,
} from "./save_record.js";
import { SERVER, annotationFromServer, sameParts } from "./store.js";

export const SAVED = "saved";
export const SAVING = "saving";
export const OFFLINE = "offline";
export const BACKOFF_MIN_MS = 1000;
// The longest pause between tries: how long the work may wait after the server is back. 30 s made a person
// stare at "Offline" for half a minute with the server up again (tests/e2e/test_server_outage.py); a try
// every 10 s per open editor costs a server that is down nothing.
export const BACKOFF_MAX_MS = 10000;
export const STORAGE_PREFIX = "annotator.pending.";
const EDITS = new Set(["add", "remove", "parts", "category", "flag"]);

export class Sync {
  constructor({
    store, labour, api, imageId, storage = null, newId = () => crypto.randomUUID(),
    timers = { setTimeout: (...a) => setTimeout(...a), clearTimeout: (...a) => clearTimeout(...a) },
    isClaimed = () => false,
  }) {
    this.store = store;
    this.labour = labour;
    this.api = api;
    this.imageId = imageId;
    this.storage = storage;
    this.newId = newId;
    this.timers = timers;
    this.isClaimed = isClaimed; // e.g. the polygon being drawn: its events wait for its create
    this.records = new Map(); // local client id -> record
    this.offline = false;
    this.backoff = BACKOFF_MIN_MS;
    this.retryTimer = null;
    this.retryAt = null;
    this.rateLimited = false; // a 429 asked us to wait: nothing is sent until the retry
    this.eventsInFlight = false;
    this.listeners = new Set();
    this.unsubscribe = null;
  }

  get storageKey() {
    return `${STORAGE_PREFIX}${this.imageId}`;
  }

  // --- state for the status line and the test hook ---

  get pendingSaves() {
    let count = 0;
    for (const record of this.records.values()) if (record.dirty || record.inFlight) count += 1;
    return count;
  }

  get saveState() {
    if (this.pendingSaves === 0) return SAVED;
    return this.offline ? OFFLINE : SAVING;
  }

  /** Whether an annotation has a save waiting or under way (its events ride with it). */
  claims(localId) {
    const record = this.records.get(localId);
    return Boolean(record && (record.dirty || record.inFlight));
  }

  /** Listen to {type: "status"} and {type: "message", text, level}; returns a function that stops listening. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    for (const listener of this.listeners) listener(event);
  }

  tell(text, level = "info") {
    this.emit({ type: "message", text, level });
  }

  // --- start: the server's annotations, then whatever a previous page left unsaved ---

  /** Put the server's annotations in the store, resend what was pending, and follow the store from now on. */
  load(serverItems) {
    for (const item of serverItems) {
      const annotation = annotationFromServer(item);
      this.store.add(annotation, { origin: SERVER });
      this.records.set(annotation.clientId, newRecord(annotation.clientId, item));
    }
    this.restorePending();
    this.unsubscribe = this.store.subscribe((change) => {
      if (change.origin !== SERVER && EDITS.has(change.type)) this.edited(change.id);
    });
    this.flushAll();
    this.changed();
  }

  restorePending() {
    let saved = null;
    try {
      saved = this.storage && JSON.parse(this.storage.getItem(this.storageKey) || "null");
    } catch (error) {
      saved = null;
    }
    if (!saved || !Array.isArray(saved.items)) return;
    let lost = 0;
    for (const entry of saved.items) {
      const desired = desiredOf(entry);
      let record = this.records.get(entry.serverClientId);
      if (record && record.readOnly) continue; // someone else's now (another person joined on this browser)
      if (!record) {
        // Not live on the server: never created (send it now), or deleted there since (theirs wins).
        if (wasOnServer(entry)) {
          if (desired) lost += 1;
          continue;
        }
        if (!desired) continue;
        record = newRecord(entry.serverClientId);
        this.records.set(record.localId, record);
        this.store.add({ clientId: record.localId, ...desired }, { origin: SERVER });
      } else {
        if (wasOnServer(entry)) record.version = entry.version;
        if (desired) {
          this.store.setParts(record.localId, desired.parts, { origin: SERVER });
          this.store.setCategory(record.localId, desired.categoryId, { origin: SERVER });
          if (!sameFlag(this.store.get(record.localId).flag, desired.flag)) {
            this.store.setFlag(record.localId, desired.flag, { origin: SERVER });
          }
        } else {
          this.store.remove(record.localId, { origin: SERVER });
        }
      }
      record.dirty = true;
    }
    if (lost) this.tell(`${lost} polygon(s) edited in an earlier visit had been deleted meanwhile; left deleted.`, "warn");
  }

  persist() {
    if (!this.storage) return;
    const items = [];
    for (const record of this.records.values()) {
      if (record.dirty || record.inFlight) items.push(pendingEntry(record, this.store.get(record.localId)));
    }
    try {
      if (items.length) this.storage.setItem(this.storageKey, JSON.stringify({ v: 1, items }));
      else this.storage.removeItem(this.storageKey);
    } catch (error) {
      // Storage full or forbidden: saving still works while the page stays open.
    }
  }

  /** The client id the server knows a local annotation by (they differ after a re-creation). */
  serverClientId(localId) {
    const record = this.records.get(localId);
    return record ? record.serverClientId : localId;
  }

  changed() {
    this.persist();
    this.emit({ type: "status" });
  }

  // --- sending ---

  edited(localId) {
    let record = this.records.get(localId);
    if (!record) {
      record = newRecord(localId);
      this.records.set(localId, record);
    }
    if (record.readOnly) return; // someone else's: the editor never changes it, and nothing is sent
    record.dirty = true;
    this.changed();
    // After the current task's synchronous work: events recorded along with the edit ride with its save.
    queueMicrotask(() => this.flush(record));
  }

  flushAll() {
    for (const record of [...this.records.values()]) if (record.dirty) this.flush(record);
  }

  /** Send the next request of one annotation's queue, if it has one and none is under way. */
  async flush(record) {
    if (record.inFlight || !record.dirty || this.rateLimited) return;
    const annotation = this.store.get(record.localId);
    const request = requestFor(record, annotation, this.imageId);
    record.dirty = false;
    if (!request) {
      if (!annotation && record.serverId === null) this.records.delete(record.localId);
      this.changed();
      return;
    }
    const events = this.labour.take(record.localId);
    if (events.length) {
      request.body.session_id = this.labour.sessionId;
      request.body.sent_t = this.labour.clock();
      request.body.events = events.map((event) => ({ ...event, annotation: record.serverClientId }));
    }
    const sent = snapshotOf(annotation);
    record.inFlight = true;
    this.changed();
    try {
      const answer = await this.api(request.method, request.url, request.body);
      this.reached();
      this.accepted(record, answer.body.annotation, sent, { existing: request.method === "POST" && answer.status === 200 });
      const repairs = answer.body.repairs || [];
      if (repairs.length) this.tell(`Saved with a repair: ${repairs.join("; ")}.`, "warn");
    } catch (error) {
      this.failed(record, request, error, sent, events);
    } finally {
      record.inFlight = false;
      this.changed();
      if (record.dirty && !this.retryTimer) this.flush(record);
    }
  }

  /** The server holds `item` now: remember it, and show it unless the person changed the annotation meanwhile. */
  accepted(record, item, sent, { existing = false } = {}) {
    learn(record, item);
    record.unconfirmed = [];
    const local = this.store.get(record.localId);
    if (item.deleted) {
      if (local) record.dirty = true; // brought back (undo) while the delete was on its way
      return;
    }
    if (!local) return; // deleted meanwhile: record.dirty is already set
    this.store.setServerMeta(record.localId, { serverId: item.id, version: item.version });
    if (record.dirty) return;
    if (existing && !holds(item, sent)) {
      record.dirty = true; // a resent create found the first one: send the later edits as a patch
      return;
    }
    // The server repaired the outline (clipped it, split a self-intersection): show what it stored.
    if (!sameParts(local.parts, record.known.parts)) this.store.setParts(record.localId, record.known.parts, { origin: SERVER });
    if (local.categoryId !== record.known.categoryId) this.store.setCategory(record.localId, record.known.categoryId, { origin: SERVER });
    // The server's flag as stored (with its pick and decision), or none if it keeps no flags (an older server).
    if (JSON.stringify(local.flag || null) !== JSON.stringify(record.known.flag)) {
      this.store.setFlag(record.localId, record.known.flag, { origin: SERVER });
    }
  }

  failed(record, request, error, sent, events) {
    if (error && error.status === 400 && error.error === "invalid events" && events.length) {
      // The outline is fine; its timing record was refused (a clock the server finds implausible). Save the
      // outline without it rather than lose it: the ledger misses these events, and the person is told.
      record.dirty = true;
      this.tell(`Saved without part of its timing record: ${error.detail}`, "warn");
      return;
    }
    this.labour.putBack(events);
    if (!error || error.status === undefined) throw error; // a bug, not an answer
    if (error.retryable) {
      record.dirty = true;
      record.unconfirmed.push(sent);
      this.unreachable(error);
      return;
    }
    this.reached();
    const current = error.body && error.body.annotation;
    if (error.status === 409 && current && current.deleted) {
      this.takeServers(record, current);
      this.tell("This polygon was deleted elsewhere (another tab or person); it is gone here too.", "warn");
      return;
    }
    if (error.status === 409 && current) {
      if ([sent, ...record.unconfirmed].some((snapshot) => holds(current, snapshot))) {
        // Our own earlier request did arrive; only its answer was lost.
        this.accepted(record, current, sent);
        if (!holds(current, snapshotOf(this.store.get(record.localId)))) record.dirty = true;
        return;
      }
      this.takeServers(record, current);
      this.tell("This polygon was changed elsewhere (another tab or person); showing the saved version.", "warn");
      return;
    }
    if (error.status === 409 && request.method === "POST") {
      record.serverClientId = this.newId(); // the id was taken by someone else's annotation: use another
      record.dirty = true;
      return;
    }
    if (error.status === 409 || error.status === 404) {
      this.forget(record);
      this.tell("This polygon was deleted elsewhere (another tab or person); it is gone here too.", "warn");
      return;
    }
    // Refused (422 geometry, 403 not yours, 400...): go back to what the server holds.
    if (record.known) {
      this.takeServers(record, null);
    } else {
      this.forget(record);
    }
    this.tell(`Not saved: ${error.detail}`, "error");
  }

  takeServers(record, item) {
    if (item) learn(record, item);
    record.dirty = false;
    record.unconfirmed = [];
    if (record.serverDeleted || !record.known) {
      this.forget(record);
      return;
    }
    const local = this.store.get(record.localId);
    if (!local) {
      this.store.add({ clientId: record.localId, ...record.known, serverId: record.serverId, version: record.version },
        { origin: SERVER });
      return;
    }
    this.store.setParts(record.localId, record.known.parts, { origin: SERVER });
    this.store.setCategory(record.localId, record.known.categoryId, { origin: SERVER });
    this.store.setFlag(record.localId, record.known.flag, { origin: SERVER });
    this.store.setServerMeta(record.localId, { serverId: record.serverId, version: record.version });
  }

  forget(record) {
    record.dirty = false;
    this.records.delete(record.localId);
    this.store.remove(record.localId, { origin: SERVER });
  }

  /** Resolves true once every pending save has reached the server (a refused one is put back and told, as
   *  always), or false as soon as the server cannot be reached (the work waits in this browser). Pending
   *  saves are tried at once, not after the retry pause. Used before leaving the page ("Next image"). */
  whenSaved() {
    if (this.retryTimer) this.retryNow();
    else this.flushAll();
    return new Promise((resolve) => {
      let settled = false;
      const check = () => {
        if (settled) return;
        const saved = this.pendingSaves === 0;
        if (!saved && !this.retryTimer) return; // still under way
        settled = true;
        stop();
        resolve(saved);
      };
      const stop = this.subscribe(check);
      check();
    });
  }

  // --- reachability ---

  reached() {
    this.backoff = BACKOFF_MIN_MS;
    if (this.offline) {
      this.offline = false;
      this.tell("Back online: saving again.", "info");
    }
  }

  unreachable(error) {
    if (error.status === 0) this.offline = true;
    if (error.status === 429 && !this.rateLimited) {
      this.rateLimited = true;
      this.tell(`Saving paused: ${error.detail}`, "warn");
    }
    if (this.retryTimer) return;
    // The server's Retry-After when it gave one (a 429's window), else our own growing pause.
    const delay = Math.max(this.backoff, error.retryAfterMs || 0);
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
    this.retryAt = Date.now() + delay;
    this.retryTimer = this.timers.setTimeout(() => this.retryNow(), delay);
    this.emit({ type: "status" });
  }

  /** Try every pending save again at once (the browser says it is online again, or the pause is over). */
  retryNow() {
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    this.rateLimited = false;
    this.flushAll();
    this.flushEvents();
  }

  // --- events not riding with a save ---

  async flushEvents({ keepalive = false } = {}) {
    if (this.eventsInFlight) return;
    const events = this.labour.takeGeneral((id) => this.claims(id) || this.isClaimed(id));
    if (!events.length) return;
    const mapped = events.map((event) => {
      const record = event.annotation && this.records.get(event.annotation);
      return record ? { ...event, annotation: record.serverClientId } : event;
    });
    this.eventsInFlight = true;
    try {
      await this.api("POST", `/api/images/${this.imageId}/events`, { session_id: this.labour.sessionId, sent_t: this.labour.clock(), events: mapped },
        { keepalive });
    } catch (error) {
      if (!error || error.status === undefined) throw error;
      if (error.retryable) { // kept, and sent again after the pause (a 429's Retry-After); refused ones dropped
        this.labour.putBack(events);
        this.unreachable(error);
      }
    } finally {
      this.eventsInFlight = false;
    }
  }
}
