// The editor's composition root: reads the page's data, makes the document, view, history, labour record
// and saver, builds the canvas, toolbar and side panels over them, wires the two together, loads the image's
// annotations, and installs the read-only test hook `window.annotatorEditor` (the only global).
//
// Where things are: actions.js (what buttons and keys do), viewport.js (zoom, pan, the stage's size),
// display_settings.js (opacity, what is hidden), next_image.js (workshop: save all, then go on), wiring.js
// (the model and the page followed), sync.js and labour_keeper.js (saving), test_hook.js.
//
// Workshop mode: others' annotations (shared layers) are shown read-only, with a Layers switch each;
// "Next image" saves everything first, then asks the server which image is next; the Flag section sends a
// flag (and a proposed class) as an undoable edit.

import { makeApi } from "../common/api.js";
import { makeActions, makePerform } from "./actions.js";
import { isEditableIn, isVisibleIn, makeSettings, usableStorage } from "./display_settings.js";
import { FlagPanel } from "./flag_panel.js";
import { Help } from "./help.js";
import { History } from "./history.js";
import { Input } from "./input.js";
import { Labour } from "./labour.js";
import { LabourFigures } from "./labour_figures.js";
import { LabourKeeper } from "./labour_keeper.js";
import { LayersPanel } from "./layers_panel.js";
import { Navigator } from "./navigator.js";
import { NextImage } from "./next_image.js";
import { Panel } from "./panel.js";
import { Renderer } from "./renderer.js";
import { Store } from "./store.js";
import { Sync } from "./sync.js";
import { installTestHook, makeTestHook } from "./test_hook.js";
import { Toolbar } from "./toolbar.js";
import { PolygonTool } from "./tools/polygon.js";
import { SelectTool } from "./tools/select.js";
import { View } from "./view.js";
import { Viewport } from "./viewport.js";
import { followModel, followPage } from "./wiring.js";

const root = document.getElementById("editor");
const data = JSON.parse(document.getElementById("editor-data").textContent);
const imageInfo = data.image;
const storage = usableStorage(window);
const byId = (id) => document.getElementById(id);
const dom = {
  stage: byId("stage"), base: byId("layer-base"), overlay: byId("layer-overlay"), image: byId("editor-image"),
  note: byId("stage-note"),
};

// --- the model ---

const store = new Store({ categories: data.categories });
const view = new View();
const history = new History();
// The server opens the page's labour session (its id bounds the time the session's events may claim); a page
// rendered without one makes up an id, which the server opens at its first batch.
const labour = new Labour({ sessionId: (data.labour_session && data.labour_session.id) || crypto.randomUUID(), idleMs: data.idle_threshold_ms });
const api = makeApi(); // the page's CSRF token (base.html's meta tag) on every write
const settings = makeSettings(storage, imageInfo.id);
const isVisible = (annotation) => isVisibleIn(settings, annotation);
const isEditable = (annotation) => isEditableIn(settings, annotation);
const editor = { activeTool: null, ready: false };
const tools = {};
const ui = {}; // the toolbar, panels, input and renderer, made below (they and the actions need each other)

const sync = new Sync({
  store, labour, api, imageId: imageInfo.id, storage,
  isClaimed: (id) => Boolean(tools.polygon && tools.polygon.draftId === id),
});
const labourKeeper = new LabourKeeper({ labour, api, storage, imageId: imageInfo.id });
const figures = new LabourFigures({ api, imageId: imageInfo.id, labour });
const perform = makePerform({ labour, history });
const viewport = new Viewport({
  view, image: imageInfo, labour,
  onChange: () => {
    ui.renderer.invalidate();
    ui.toolbar.showZoom(view.scale);
    ui.navigator.update(viewport.size.width, viewport.size.height);
    ui.input.refreshPointer();
  },
});

// --- the tools, and what they and the buttons may do ---

const toolContext = {
  store, view,
  image: { width: imageInfo.width, height: imageInfo.height },
  newId: () => crypto.randomUUID(),
  record: (kind, options) => labour.record(kind, options),
  perform,
  snapOn: () => settings.snap,
  offerBorder: (on) => ui.toolbar.showBorderOffer(on),
  visible: isVisible,
  editable: isEditable,
  tell: (text, level) => ui.toolbar.message(text, level),
  redraw: () => ui.renderer.invalidateOverlay(),
  setCursor: (cursor) => ui.input.setToolCursor(cursor),
};
tools.select = new SelectTool(toolContext);
tools.polygon = new PolygonTool(toolContext);

const nextImage = new NextImage({
  api, sync, labourKeeper, imageId: imageInfo.id,
  ready: () => editor.ready, drawing: () => tools.polygon.drawing,
  tell: (text, level) => ui.toolbar.message(text, level),
  button: byId("next-image"), status: byId("next-status"), progress: byId("image-progress"),
  open: (url) => window.location.assign(url),
});
const actions = makeActions({
  store, history, labour, api, settings, tools, editor, viewport, perform, isVisible, isEditable, storage,
  imageId: imageInfo.id, sync, nextImage, stage: dom.stage, classFilter: byId("class-filter"), ui,
});

// --- what shows it ---

ui.renderer = new Renderer({
  base: dom.base, overlay: dom.overlay, image: dom.image, store, view, settings, tool: () => editor.activeTool,
});
ui.toolbar = new Toolbar(root, actions);
ui.panel = new Panel(root, { store, sync, actions, figures });
ui.layersPanel = new LayersPanel(root, { store, layers: () => settings.layers, actions });
ui.flagPanel = new FlagPanel(root, { store, actions });
ui.help = new Help(byId("help"), { onToggle: (open) => labour.record("help", { data: { open } }) });
ui.navigator = new Navigator(byId("navigator"), {
  image: imageInfo, view, onCentre: (x, y) => viewport.centreOn(x, y, "navigator"),
});
ui.input = new Input({ stage: dom.stage, surface: dom.overlay, view, tool: () => editor.activeTool, actions });

followModel({ store, sync, figures, history, editor, ui, humanTime: byId("human-time") });
new ResizeObserver(() => {
  const rect = dom.stage.getBoundingClientRect();
  ui.renderer.resize(rect.width, rect.height);
  viewport.resized(rect.width, rect.height);
}).observe(dom.stage);
followPage({ labour, labourKeeper, sync, storage });

// --- start ---

async function imageLoaded() {
  if (dom.image.complete && dom.image.naturalWidth) return;
  await new Promise((resolve, reject) => {
    dom.image.addEventListener("load", resolve, { once: true });
    dom.image.addEventListener("error", () => reject(new Error("the image could not be loaded")), { once: true });
  });
}

async function start() {
  installTestHook(window, makeTestHook({
    stage: dom.stage, view, store, sync, settings, history, tools, editor, isVisible,
  }));
  const { toolbar, panel } = ui;
  toolbar.showTool("polygon");
  toolbar.showOpacity(settings.opacity);
  toolbar.showActiveClass(store.category(store.activeCategoryId));
  toolbar.showHistory(history);
  panel.showActiveClass();
  panel.renderPolygons();
  editor.activeTool = tools.polygon;
  ui.input.setToolCursor(editor.activeTool.cursor);
  try {
    const [answer] = await Promise.all([api("GET", `/api/images/${imageInfo.id}/annotations`), imageLoaded()]);
    sync.load(answer.body.items);
  } catch (error) {
    root.dataset.state = "failed";
    dom.note.textContent = `The editor could not start: ${error.detail || error.message}. Reload to try again.`;
    return;
  }
  dom.note.hidden = true;
  editor.ready = true;
  root.dataset.state = "ready";
  labour.record("open", { data: { annotations: store.list().length, width: imageInfo.width, height: imageInfo.height } });
  labour.record("tool", { data: { tool: editor.activeTool.name } });
  labourKeeper.start();
  figures.refresh();
  ui.renderer.invalidate();
  panel.polygonsChanged();
  ui.layersPanel.render();
  toolbar.showSaveState(sync.saveState, sync.pendingSaves, sync.retryAt);
  nextImage.showProgress();
}

start();
