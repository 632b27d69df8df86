// What the ledger says about this image: each polygon's time and clicks (from the server, which derives
// them from the stored events) and the image's human time, this page's share counted live.

const REFRESH_AFTER_MS = 600;

export class LabourFigures {
  constructor({ api, imageId, labour, timers = globalThis }) {
    this.api = api;
    this.imageId = imageId;
    this.labour = labour;
    this.timers = timers;
    this.polygons = {};
    this.otherSessionsMs = 0;
    this.timer = null;
    this.listeners = new Set();
  }

  /** Ask the server again, soon: several saves in a row make one request. */
  refreshSoon() {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, REFRESH_AFTER_MS);
  }

  async refresh() {
    try {
      const session = encodeURIComponent(this.labour.sessionId);
      const answer = await this.api("GET", `/api/images/${this.imageId}/labour?session=${session}`);
      this.polygons = answer.body.polygons || {};
      this.otherSessionsMs = answer.body.other_sessions_active_ms || 0;
      for (const listener of this.listeners) listener(this);
    } catch (error) {
      if (!error || error.status === undefined) throw error; // a bug, not an answer
      // Offline or refused: the list keeps the figures it had.
    }
  }

  /** The ledger's figures for one polygon, or null before its events reached the server. */
  figure(clientId) {
    return this.polygons[clientId] || null;
  }

  /** Human time on this image: earlier pages' (the server's figure) plus this page's, live. */
  imageActiveMs() {
    return this.otherSessionsMs + this.labour.activeNow();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
