// The editor's composition root: reads the page's data, makes the document, view, history, labour
// record and saver, wires them to the canvas, toolbar and side panel, loads the image's annotations,
// and exposes the read-only test hook `window.annotatorEditor` (the only global).
//
// Workshop mode: others' annotations (shared layers) are shown read-only, with a Layers switch each;
// "Next image" saves everything first, then asks the server which image is next; the Flag section sends a
// flag (and a proposed class) as an undoable edit.

import { makeApi } from "../common/api.js";
import { formatDuration } from "../common/format.js";
import { changeClass, changeFlag } from "./commands.js";
import { FlagPanel } from "./flag_panel.js";
import { flagFromForm } from "./flags.js";
import { MINE, isMine, loadLayers, saveLayers } from "./layers.js";
import { LayersPanel } from "./layers_panel.js";
import { History } from "./history.js";
import { Help } from "./help.js";
import { Input } from "./input.js";
import { Labour } from "./labour.js";
import { Navigator } from "./navigator.js";
import { Panel } from "./panel.js";
import { Renderer } from "./renderer.js";
import { Store, partsToServer } from "./store.js";
import { LabourFigures } from "./labour_figures.js";
import { LabourKeeper, Sync } from "./sync.js";
import { Toolbar } from "./toolbar.js";
import { PolygonTool } from "./tools/polygon.js";
import { SelectTool } from "./tools/select.js";
import { View, steppedScale } from "./view.js";

const OPACITY_STEPS = [0, 0.2, 0.4, 0.6, 0.8];
const OPACITY_KEY = "annotator.opacity";
const EVENTS_EVERY_MS = 10000;
const QUIET_MS = 400; // a zoom or pan gesture is recorded once it has been still this long

const root = document.getElementById("editor");
const data = JSON.parse(document.getElementById("editor-data").textContent);
const imageInfo = data.image;
const storage = (() => {
  try {
    const probe = "annotator.probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch (error) {
    return null; // private mode or storage disabled: saving works, resending after a reload does not
  }
})();

const dom = {
  stage: document.getElementById("stage"),
  base: document.getElementById("layer-base"),
  overlay: document.getElementById("layer-overlay"),
  image: document.getElementById("editor-image"),
  note: document.getElementById("stage-note"),
  classFilter: document.getElementById("class-filter"),
};

// --- the model ---

const store = new Store({ categories: data.categories });
const view = new View();
const history = new History();
// The server opens the page's labour session (its id bounds the time the session's events may claim); a page
// rendered without one makes up an id, which the server opens at its first batch.
const labour = new Labour({ sessionId: (data.labour_session && data.labour_session.id) || crypto.randomUUID(), idleMs: data.idle_threshold_ms });
const api = makeApi(); // the page's CSRF token (base.html's meta tag) on every write
const settings = {
  opacity: loadOpacity(), snap: false, hideAll: false, hiddenCategories: new Set(), brightness: 1, contrast: 1,
  layers: loadLayers(storage, imageInfo.id),
};

/** Whether an annotation is shown (and so can be snapped to): not hidden, nor its class, nor its layer. */
function isVisible(annotation) {
  return !settings.hideAll && !settings.hiddenCategories.has(annotation.categoryId) && settings.layers.visible(annotation);
}

/** Shown and the person's own: only these can be picked, edited or deleted (others' layers are read-only,
 *  for the instructor too: their outline is their labour record). */
function isEditable(annotation) {
  return isMine(annotation) && isVisible(annotation);
}
const tools = {};
let activeTool = null;
let ready = false;
let stageSize = { width: 0, height: 0 };
let fitted = true; // the whole image is shown, as at the start: a resized window fits it again

const sync = new Sync({
  store, labour, api, imageId: imageInfo.id, storage,
  isClaimed: (id) => Boolean(tools.polygon && tools.polygon.draftId === id),
});
const labourKeeper = new LabourKeeper({ labour, api, storage, imageId: imageInfo.id });
const figures = new LabourFigures({ api, imageId: imageInfo.id, labour });

const renderer = new Renderer({
  base: dom.base, overlay: dom.overlay, image: dom.image, store, view, settings, tool: () => activeTool,
});

// --- what tools and buttons may do ---

function perform(command, eventData = null, { record = true } = {}) {
  if (!command) return false;
  // Recorded before the change, so the event rides with the save that the change starts.
  if (record) labour.record(command.kind, { annotation: command.annotationId, data: eventData });
  history.run(command);
  return true;
}

const toolContext = {
  store, view,
  image: { width: imageInfo.width, height: imageInfo.height },
  newId: () => crypto.randomUUID(),
  record: (kind, options) => labour.record(kind, options),
  perform,
  snapOn: () => settings.snap,
  offerBorder: (on) => toolbar.showBorderOffer(on),
  visible: isVisible,
  editable: isEditable,
  tell: (text, level) => toolbar.message(text, level),
  redraw: () => renderer.invalidateOverlay(),
  setCursor: (cursor) => input.setToolCursor(cursor),
};
tools.select = new SelectTool(toolContext);
tools.polygon = new PolygonTool(toolContext);

let zoomTimer = null;
let panTimer = null;

function viewChanged() {
  view.constrain(imageInfo.width, imageInfo.height, stageSize.width, stageSize.height);
  renderer.invalidate();
  toolbar.showZoom(view.scale);
  navigator.update(stageSize.width, stageSize.height);
  input.refreshPointer();
}

function recordZoom(via) {
  clearTimeout(zoomTimer);
  zoomTimer = setTimeout(() => labour.record("zoom", { data: { zoom: view.scale, via } }), QUIET_MS);
}

function recordPan(via) {
  clearTimeout(panTimer);
  panTimer = setTimeout(() => labour.record("pan", { data: { via, zoom: view.scale } }), QUIET_MS);
}

function historyStep(direction) {
  if (activeTool && activeTool.busy) return; // not in the middle of a drag
  if (direction === "undo" && activeTool === tools.polygon && tools.polygon.drawing) {
    tools.polygon.removeLastVertex(); // while drawing, undo takes back the last click
    return;
  }
  const stack = direction === "undo" ? history.undoStack : history.redoStack;
  const command = stack[stack.length - 1];
  if (!command) {
    toolbar.message(direction === "undo" ? "Nothing to undo." : "Nothing to redo.");
    return;
  }
  labour.record(direction, { annotation: command.annotationId, data: { action: command.kind } });
  if (direction === "undo") history.undo();
  else history.redo();
  if (activeTool === tools.select && store.has(command.annotationId)) store.select(command.annotationId);
  toolbar.message(`${direction === "undo" ? "Undone" : "Redone"}: ${command.label}.`);
}

const actions = {
  setTool(name) {
    const next = tools[name];
    if (!next || next === activeTool) return;
    if (activeTool) activeTool.deactivate();
    activeTool = next;
    if (name === "polygon") store.select(null);
    labour.record("tool", { data: { tool: name } });
    toolbar.showTool(name);
    input.setToolCursor(next.cursor);
    renderer.invalidate();
  },
  undo: () => historyStep("undo"),
  redo: () => historyStep("redo"),
  pickClassNumber(number) {
    const category = store.categories[number - 1];
    if (category) actions.pickClass(category.id, "key");
  },
  pickClass(categoryId, via) {
    store.setActiveCategory(categoryId);
    const selected = store.selected;
    if (selected && activeTool === tools.select && selected.categoryId !== categoryId && selected.flag
      && selected.flag.resolution) {
      toolbar.message("The instructor has decided this polygon's class; it can no longer be changed.", "warn");
      return;
    }
    if (selected && activeTool === tools.select && selected.categoryId !== categoryId) {
      perform(changeClass(store, selected.clientId, categoryId), { from: selected.categoryId, to: categoryId, via });
    } else {
      labour.record("class-pick", { data: { category: categoryId, via } });
    }
  },
  selectFromList(clientId) {
    if (!isEditable(store.get(clientId))) return;
    actions.setTool("select");
    store.select(clientId);
    labour.record("select", { annotation: clientId, data: { via: "list" } });
    const annotation = store.get(clientId);
    if (annotation) revealAnnotation(annotation);
  },
  setOpacity(opacity) {
    settings.opacity = Math.min(1, Math.max(0, opacity));
    toolbar.showOpacity(settings.opacity);
    renderer.invalidate();
    try {
      if (storage) storage.setItem(OPACITY_KEY, String(settings.opacity));
    } catch (error) {
      // not remembered: fine
    }
  },
  /** Draw another part (or a hole) of the selected annotation. */
  addRing(hole, via = "key") {
    const selected = store.selected;
    if (!selected) {
      toolbar.message(`Select a polygon first (V, then click it), then ${hole ? "cut a hole (C)" : "add a part (A)"}.`, "warn");
      return;
    }
    actions.setTool("polygon");
    tools.polygon.startRing(selected.clientId, hole);
    labour.record("ring-tool", { annotation: selected.clientId, data: { hole, via } });
  },
  followBorder() {
    if (activeTool === tools.polygon && tools.polygon.drawing) tools.polygon.followBorder();
  },
  toggleAllVisible(via = "key") {
    settings.hideAll = !settings.hideAll;
    visibilityChanged({ all: !settings.hideAll, via });
  },
  toggleClassVisible(categoryId = store.activeCategoryId, via = "key") {
    if (!store.category(categoryId)) return;
    const hidden = settings.hiddenCategories;
    if (hidden.has(categoryId)) hidden.delete(categoryId);
    else hidden.add(categoryId);
    visibilityChanged({ category: categoryId, shown: !hidden.has(categoryId), via });
  },
  setImageFilter(name, value) {
    if (name !== "brightness" && name !== "contrast") return;
    settings[name] = Math.min(3, Math.max(0.2, Number(value) || 1));
    toolbar.showImageFilter(settings);
    renderer.invalidateBase();
  },
  /** Show or hide one layer: MINE (hiding it hides the polygons there now; new ones show) or another person's. */
  setLayerVisible(key, shown) {
    if (key === MINE) settings.layers.setMine(shown, store.list().filter(isMine).map((annotation) => annotation.clientId));
    else settings.layers.setLayer(key, shown);
    layersChanged({ layer: key === MINE ? "mine" : "other", shown });
  },
  setOthersVisible(shown) {
    settings.layers.setOthers(shown);
    layersChanged({ layer: "all-others", shown });
  },
  /** Flag the polygon (form: {kind: "" | "none_fits" | "unsure", reason}), proposing a new class first if
   *  asked; resolves {ok, message}. The proposal is made without examples and linked by the flag's own save,
   *  so the flag stays one undoable edit and the editor's version of the polygon stays current. */
  async saveFlag(clientId, form, proposal = null) {
    const annotation = store.get(clientId);
    if (!annotation || !isMine(annotation)) return { ok: false, message: "Only your own polygons can be flagged." };
    if (annotation.flag && annotation.flag.resolution) return { ok: false, message: "The instructor has decided this flag." };
    let proposalId = annotation.flag && form.kind === "none_fits" ? annotation.flag.proposal_id ?? null : null;
    if (form.kind === "none_fits" && proposal && proposal.name) {
      try {
        const { body } = await api("POST", "/api/proposals",
          { name: proposal.name, definition: proposal.definition || "", annotation_ids: [] });
        proposalId = body.proposal.id;
      } catch (error) {
        if (!error || error.status === undefined) throw error;
        return { ok: false, message: `Not proposed: ${error.detail}` };
      }
    }
    if (!store.has(clientId)) return { ok: false, message: "This polygon is gone (deleted or undone)." };
    const flag = flagFromForm(form, proposalId);
    const done = perform(changeFlag(store, clientId, flag), { kind: flag ? flag.kind : null, proposal: proposalId });
    if (!done) return { ok: true, message: "Nothing to change." };
    const category = store.category(store.get(clientId).categoryId);
    return { ok: true, message: flag
      ? `Flagged (Ctrl+Z undoes it). Stored as void/unknown until the instructor decides; your pick: ${category ? category.name : "none"}.`
      : "Flag cleared (Ctrl+Z undoes it)." };
  },
  nextImage: (via) => nextImage(via),
  toggleSnap(on = !settings.snap) {
    settings.snap = Boolean(on);
    toolbar.showSnap(settings.snap);
    labour.record("snap-toggle", { data: { on: settings.snap } });
    renderer.invalidateOverlay();
  },
  cycleOpacity() {
    const next = OPACITY_STEPS.find((step) => step > settings.opacity + 1e-6);
    actions.setOpacity(next === undefined ? OPACITY_STEPS[0] : next);
  },
  fit(via) {
    view.fit(imageInfo.width, imageInfo.height, stageSize.width, stageSize.height);
    fitted = true;
    viewChanged();
    recordZoom(`fit-${via}`);
  },
  zoomTo(scale, via) {
    view.zoomTo(scale, stageSize.width / 2, stageSize.height / 2);
    fitted = false;
    viewChanged();
    recordZoom(via);
  },
  zoomBy(factor, sx, sy, via) {
    if (view.zoomBy(factor, sx, sy)) {
      fitted = false;
      viewChanged();
      recordZoom(via);
    }
  },
  zoomStep(direction, centre, via) {
    const target = steppedScale(view.scale, direction);
    const [sx, sy] = centre || [stageSize.width / 2, stageSize.height / 2];
    if (view.zoomTo(target, sx, sy)) {
      fitted = false;
      viewChanged();
      recordZoom(via);
    }
  },
  panBy(dx, dy, via) {
    view.panBy(dx, dy);
    fitted = false;
    viewChanged();
    if (via) recordPan(via);
  },
  panEnded: (via) => recordPan(via),
  pointerAt: (point) => toolbar.showCursor(point),
  escape() {
    return false;
  },
  helpOpen: () => help.open,
  toggleHelp(open) {
    help.toggle(open);
  },
  focusStage() {
    dom.stage.focus({ preventScroll: true });
  },
  retrySaves() {
    if (sync.pendingSaves) sync.retryNow();
  },
  focusClassFilter() {
    dom.classFilter.focus();
  },
};

function layersChanged(data) {
  saveLayers(storage, imageInfo.id, settings.layers);
  layersPanel.render();
  visibilityChanged({ ...data, via: "layers" });
}

// --- next image: save everything, then ask the server ---

const nextButton = document.getElementById("next-image");
const nextStatus = document.getElementById("next-status");
const progress = document.getElementById("image-progress");
let leaving = false;

async function nextImage(via) {
  if (leaving || !ready) return;
  if (tools.polygon.drawing) {
    toolbar.message("Close the polygon you are drawing (Enter) or cancel it (Esc) first.", "warn");
    return;
  }
  leaving = true;
  nextButton.disabled = true;
  nextStatus.textContent = "Saving…";
  try {
    // Never leave unsaved work behind: wait for every save; if the server cannot be reached, stay.
    if (!(await sync.whenSaved())) {
      nextStatus.textContent = "";
      toolbar.message("Not everything is saved: the server cannot be reached. Staying on this image; your work "
        + "is kept in this browser and sent when it can be. Try Next image again then.", "error");
      return;
    }
    labourKeeper.save();
    await sync.flushEvents();
    let answer;
    try {
      answer = (await api("POST", "/api/workshop/next", { current: imageInfo.id })).body;
    } catch (error) {
      if (!error || error.status === undefined) throw error;
      nextStatus.textContent = "";
      toolbar.message(`No next image: ${error.detail}`, "error");
      return;
    }
    if (answer.url) {
      nextStatus.textContent = "Opening the next image…";
      window.location.assign(answer.url);
      return;
    }
    if (answer.finished_url) {  // all done: the page with the person's figures and the way to the receipt
      window.location.assign(answer.finished_url);
      return;
    }
    nextStatus.textContent = answer.message || "You have done all your images: thank you!";
    if (via === "key") toolbar.message(nextStatus.textContent);
  } finally {
    leaving = false;
    nextButton.disabled = false;
  }
}

/** "Image k of n" for a workshop participant, from the server's record of what they were given. */
async function showProgress() {
  let answer;
  try {
    answer = (await api("GET", "/api/workshop")).body;
  } catch (error) {
    return; // no workshop on this server: nothing to show
  }
  if (!answer || !answer.workshop_mode || !answer.me || !answer.images) return;
  const finished = (answer.me.assigned || []).filter((item) => item.finished && item.image_id !== imageInfo.id).length;
  progress.textContent = `Image ${Math.min(finished + 1, answer.images)} of ${answer.images}`;
  progress.hidden = false;
}

function visibilityChanged(data) {
  const selected = store.selected;
  if (selected && !isVisible(selected)) store.select(null);
  if (store.hoverId && store.get(store.hoverId) && !isVisible(store.get(store.hoverId))) store.setHover(null);
  panel.showVisibility(settings);
  toolbar.showVisibility(settings);
  labour.record("visibility-toggle", { data });
  renderer.invalidate();
}

/** Bring an annotation into view if it is off screen. */
function revealAnnotation(annotation) {
  const rect = view.visibleRect(stageSize.width, stageSize.height);
  const points = annotation.parts.flatMap((part) => part.ring);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const inside = Math.min(...xs) >= rect.x && Math.max(...xs) <= rect.x + rect.width
    && Math.min(...ys) >= rect.y && Math.max(...ys) <= rect.y + rect.height;
  if (inside) return;
  view.centreOn((Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2,
    stageSize.width / 2, stageSize.height / 2);
  fitted = false;
  viewChanged();
}

const toolbar = new Toolbar(root, actions);
const panel = new Panel(root, { store, sync, actions, figures });
const layersPanel = new LayersPanel(root, { store, layers: () => settings.layers, actions });
const flagPanel = new FlagPanel(root, { store, actions });
const help = new Help(document.getElementById("help"), {
  onToggle: (open) => labour.record("help", { data: { open } }),
});
const navigator = new Navigator(document.getElementById("navigator"), {
  image: imageInfo, view,
  onCentre: (x, y) => {
    view.centreOn(x, y, stageSize.width / 2, stageSize.height / 2);
    fitted = false;
    viewChanged();
    recordPan("navigator");
  },
});
const input = new Input({ stage: dom.stage, surface: dom.overlay, view, tool: () => activeTool, actions });

// --- following the document ---

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
  if (!sync.pendingSaves && ready) figures.refreshSoon(); // the saves' events are in the ledger now
});
figures.subscribe(() => panel.showFigures());
const humanTime = document.getElementById("human-time");
setInterval(() => {
  if (ready) humanTime.textContent = `Human time ${formatDuration(figures.imageActiveMs())}`;
}, 1000);
history.subscribe(() => toolbar.showHistory(history));

// --- the page around the editor ---

new ResizeObserver(() => {
  const rect = dom.stage.getBoundingClientRect();
  const before = stageSize;
  stageSize = { width: rect.width, height: rect.height };
  renderer.resize(rect.width, rect.height);
  if (fitted) view.fit(imageInfo.width, imageInfo.height, rect.width, rect.height);
  else view.panBy((rect.width - before.width) / 2, (rect.height - before.height) / 2); // keep the centre
  viewChanged();
}).observe(dom.stage);

document.addEventListener("visibilitychange", () => {
  labour.record("visibility", { data: { state: document.visibilityState } });
  if (document.visibilityState === "hidden") {
    labourKeeper.save();
    sync.flushEvents({ keepalive: true });
  }
});
window.addEventListener("pagehide", () => labourKeeper.save());
window.addEventListener("online", () => sync.retryNow());
window.addEventListener("beforeunload", (event) => {
  // Pending saves are kept in localStorage and resent on the next visit; say so only when they could be lost.
  if (sync.pendingSaves && !storage) event.preventDefault();
});
setInterval(() => sync.flushEvents(), EVENTS_EVERY_MS);

function loadOpacity() {
  try {
    const saved = storage && storage.getItem(OPACITY_KEY);
    if (saved !== null && saved !== "" && Number.isFinite(Number(saved))) return Math.min(1, Math.max(0, Number(saved)));
  } catch (error) {
    // fall through
  }
  return 0.4;
}

// --- the test hook: read-only, positions in viewport (client) pixels ---

function clientOrigin() {
  const rect = dom.stage.getBoundingClientRect();
  return [rect.left, rect.top];
}

const hook = Object.freeze({
  imageToClient(x, y) {
    const [left, top] = clientOrigin();
    const [sx, sy] = view.imageToScreen(x, y);
    return { x: left + sx, y: top + sy };
  },
  clientToImage(x, y) {
    const [left, top] = clientOrigin();
    const [ix, iy] = view.screenToImage(x - left, y - top);
    return { x: ix, y: iy };
  },
  state() {
    return {
      ready,
      tool: activeTool ? activeTool.name : null,
      selectedId: store.selection.id,
      selectedVertex: store.selection.vertex ? { ...store.selection.vertex } : null,
      drawing: tools.polygon.drawing ? tools.polygon.state.points.length : 0,
      activeCategoryId: store.activeCategoryId,
      pendingSaves: sync.pendingSaves,
      saveState: sync.saveState,
      zoom: view.scale,
      opacity: settings.opacity,
      snap: settings.snap,
      hideAll: settings.hideAll,
      hiddenCategories: [...settings.hiddenCategories],
      brightness: settings.brightness,
      contrast: settings.contrast,
      links: store.links.map((link) => link.map((ref) => ({ ...ref }))),
      canUndo: history.canUndo,
      canRedo: history.canRedo,
      annotations: store.list().map((annotation) => ({
        clientId: annotation.clientId,
        id: annotation.serverId,
        categoryId: annotation.categoryId,
        version: annotation.version,
        parts: partsToServer(annotation.parts),
        mine: isMine(annotation),
        owner: !isMine(annotation) && annotation.owner ? { ...annotation.owner } : null, // whose read-only layer
        flag: annotation.flag ? { ...annotation.flag } : null,
        visible: isVisible(annotation),
      })),
      layers: settings.layers.toJSON(),
    };
  },
});

// --- start ---

async function imageLoaded() {
  if (dom.image.complete && dom.image.naturalWidth) return;
  await new Promise((resolve, reject) => {
    dom.image.addEventListener("load", resolve, { once: true });
    dom.image.addEventListener("error", () => reject(new Error("the image could not be loaded")), { once: true });
  });
}

async function start() {
  Object.defineProperty(window, "annotatorEditor", { value: hook, writable: false, configurable: false, enumerable: true });
  toolbar.showTool("polygon");
  toolbar.showOpacity(settings.opacity);
  toolbar.showActiveClass(store.category(store.activeCategoryId));
  toolbar.showHistory(history);
  panel.showActiveClass();
  panel.renderPolygons();
  activeTool = tools.polygon;
  input.setToolCursor(activeTool.cursor);
  try {
    const [answer] = await Promise.all([api("GET", `/api/images/${imageInfo.id}/annotations`), imageLoaded()]);
    sync.load(answer.body.items);
  } catch (error) {
    root.dataset.state = "failed";
    dom.note.textContent = `The editor could not start: ${error.detail || error.message}. Reload to try again.`;
    return;
  }
  dom.note.hidden = true;
  ready = true;
  root.dataset.state = "ready";
  labour.record("open", { data: { annotations: store.list().length, width: imageInfo.width, height: imageInfo.height } });
  labour.record("tool", { data: { tool: activeTool.name } });
  labourKeeper.start();
  figures.refresh();
  renderer.invalidate();
  panel.polygonsChanged();
  layersPanel.render();
  toolbar.showSaveState(sync.saveState, sync.pendingSaves, sync.retryAt);
  showProgress();
}

start();
