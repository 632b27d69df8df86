// The editor's one global, `window.annotatorEditor`, for the browser tests: read-only, positions in viewport
// (client) pixels. It converts between image and client pixels and reports the editor's state; it changes
// nothing (tests drive the editor with the real mouse and keyboard).

import { isMine } from "./layers.js";
import { partsToServer } from "./store.js";

export const HOOK_NAME = "annotatorEditor";

/** The hook's object over the editor's parts (frozen). */
export function makeTestHook({ stage, view, store, sync, settings, history, tools, editor, isVisible }) {
  const clientOrigin = () => {
    const rect = stage.getBoundingClientRect();
    return [rect.left, rect.top];
  };
  return Object.freeze({
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
        ready: editor.ready,
        tool: editor.activeTool ? editor.activeTool.name : null,
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
}

/** Install the hook as a read-only, non-configurable property of `win`. */
export function installTestHook(win, hook) {
  Object.defineProperty(win, HOOK_NAME, { value: hook, writable: false, configurable: false, enumerable: true });
}
