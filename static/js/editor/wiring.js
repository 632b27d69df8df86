// The glue between the editor's model and what shows it: the document's, saver's, figures' and history's
// changes redraw the canvas, toolbar and panels; and the page's own events (hidden, closed, back online)
// keep the labour record and the saves safe.

import { formatDuration } from "../common/format.js";

const EVENTS_EVERY_MS = 10000;

/** Follow the model: ui is {toolbar, panel, layersPanel, flagPanel, renderer}; humanTime the toolbar's clock. */
export function followModel({ store, sync, figures, history, editor, ui, humanTime }) {
  const { toolbar, panel, layersPanel, flagPanel, renderer } = ui;
  store.subscribe((change) => {
    switch (change.type) {
      case "selection":
        renderer.invalidateOverlay();
        panel.showSelection();
        flagPanel.show();
        break;
      case "hover":
        renderer.invalidateOverlay();
        panel.showHover();
        break;
      case "active-category":
        toolbar.showActiveClass(store.category(store.activeCategoryId));
        panel.showActiveClass();
        renderer.invalidateOverlay();
        break;
      case "meta":
        break;
      default:
        renderer.invalidate();
        panel.polygonsChanged();
        layersPanel.changed();
        if (change.id === store.selection.id || change.type === "remove") flagPanel.show();
    }
  });
  sync.subscribe((event) => {
    if (event.type === "message") toolbar.message(event.text, event.level);
    toolbar.showSaveState(sync.saveState, sync.pendingSaves, sync.retryAt);
    panel.showSync();
    if (!sync.pendingSaves && editor.ready) figures.refreshSoon(); // the saves' events are in the ledger now
  });
  figures.subscribe(() => panel.showFigures());
  setInterval(() => {
    if (editor.ready) humanTime.textContent = `Human time ${formatDuration(figures.imageActiveMs())}`;
  }, 1000);
  history.subscribe(() => toolbar.showHistory(history));
}

/** Follow the page: a hidden or closed tab keeps its unsent events, and sends what it can while it may. */
export function followPage({ labour, labourKeeper, sync, storage, doc = document, win = window }) {
  doc.addEventListener("visibilitychange", () => {
    labour.record("visibility", { data: { state: doc.visibilityState } });
    if (doc.visibilityState === "hidden") {
      labourKeeper.save();
      sync.flushEvents({ keepalive: true });
    }
  });
  win.addEventListener("pagehide", () => labourKeeper.save());
  win.addEventListener("online", () => sync.retryNow());
  win.addEventListener("beforeunload", (event) => {
    // Pending saves are kept in localStorage and resent on the next visit; say so only when they could be lost.
    if (sync.pendingSaves && !storage) event.preventDefault();
  });
  setInterval(() => sync.flushEvents(), EVENTS_EVERY_MS);
}
