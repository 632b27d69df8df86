// The labour record across reloads: keeps this page's unsent events in localStorage (a second after the last
// one, and at once when the page is hidden or left), and sends what earlier pages of the same image left
// behind, each under its own session and its own clock. Sending the page's live events is sync.js's.

export const LABOUR_PREFIX = "annotator.labour.";
const KEEP_AFTER_MS = 1000;
const EVENTS_PER_REQUEST = 5000;

/** The requests that send a left-over page's events (what it saved: {sessionId, savedT, events}), at most
 *  EVENTS_PER_REQUEST each: under its session, at its clock when it last saved (no later than now on its
 *  clock, and no event is after it). None for something unreadable. */
export function leftoverBatches(saved) {
  const events = saved && Array.isArray(saved.events) ? saved.events : [];
  const sentT = Math.max(Number(saved && saved.savedT) || 0, ...events.map((event) => Number(event.t) || 0));
  const batches = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_REQUEST) {
    batches.push({ session_id: saved.sessionId, sent_t: sentT, events: events.slice(start, start + EVENTS_PER_REQUEST) });
  }
  return batches;
}

export class LabourKeeper {
  constructor({ labour, api, storage, imageId, timers = { setTimeout: (...a) => setTimeout(...a), clearTimeout: (...a) => clearTimeout(...a) } }) {
    this.labour = labour;
    this.api = api;
    this.storage = storage;
    this.imageId = imageId;
    this.timers = timers;
    this.timer = null;
  }

  get prefix() {
    return `${LABOUR_PREFIX}${this.imageId}.`;
  }

  get key() {
    return `${this.prefix}${this.labour.sessionId}`;
  }

  start() {
    if (!this.storage) return Promise.resolve();
    this.labour.subscribe(() => {
      if (this.timer) return;
      this.timer = this.timers.setTimeout(() => this.save(), KEEP_AFTER_MS);
    });
    return this.resendLeftovers();
  }

  save() {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (!this.storage) return;
    try {
      if (this.labour.size) this.storage.setItem(this.key, JSON.stringify(this.labour.toJSON()));
      else this.storage.removeItem(this.key);
    } catch (error) {
      // Storage full or forbidden: the events still go out while the page is open.
    }
  }

  async resendLeftovers() {
    const keys = [];
    for (let index = 0; index < this.storage.length; index++) {
      const key = this.storage.key(index);
      if (key && key.startsWith(this.prefix) && key !== this.key) keys.push(key);
    }
    for (const key of keys) {
      let saved = null;
      try {
        saved = JSON.parse(this.storage.getItem(key));
      } catch (error) {
        saved = null;
      }
      try {
        for (const batch of leftoverBatches(saved)) {
          await this.api("POST", `/api/images/${this.imageId}/events`, batch);
        }
      } catch (error) {
        if (!error || error.status === undefined) throw error;
        if (error.retryable) continue; // kept for the next visit
      }
      this.storage.removeItem(key);
    }
  }
}
