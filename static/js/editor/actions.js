// What the toolbar, the side panels and the keys may do: one `actions` object over the editor's parts.
// Every edit goes through `perform`, which records its labour event first (so the event rides with the save
// the edit starts) and then runs it on the history, so it can be undone. The parts come in as one object,
// `ui` filled in once the toolbar and panels (which take these actions) are built.

import { changeClass, changeFlag } from "./commands.js";
import { clampOpacity, imageFilterValue, nextOpacity, rememberOpacity } from "./display_settings.js";
import { flagFromForm } from "./flags.js";
import { keyOf } from "./key_names.js";
import { MINE, isMine, saveLayers } from "./layers.js";

/** Run a command as an undoable edit, its labour event recorded first; false when there is nothing to do. */
export function makePerform({ labour, history }) {
  return (command, eventData = null, { record = true } = {}) => {
    if (!command) return false;
    if (record) labour.record(command.kind, { annotation: command.annotationId, data: eventData });
    history.run(command);
    return true;
  };
}

/**
 * parts: {store, history, labour, api, settings, tools, editor ({activeTool, ready}), viewport, perform,
 * isVisible, isEditable, storage, imageId, sync, nextImage, stage, classFilter,
 * ui ({toolbar, panel, layersPanel, help, input, renderer})}.
 */
export function makeActions(parts) {
  const { store, history, labour, api, settings, tools, editor, viewport, perform, isVisible, isEditable, ui } = parts;

  function historyStep(direction) {
    const active = editor.activeTool;
    if (active && active.busy) return; // not in the middle of a drag
    if (direction === "undo" && active === tools.polygon && tools.polygon.drawing) {
      tools.polygon.removeLastVertex(); // while drawing, undo takes back the last click
      return;
    }
    const stack = direction === "undo" ? history.undoStack : history.redoStack;
    const command = stack[stack.length - 1];
    if (!command) {
      ui.toolbar.message(direction === "undo" ? "Nothing to undo." : "Nothing to redo.");
      return;
    }
    labour.record(direction, { annotation: command.annotationId, data: { action: command.kind } });
    if (direction === "undo") history.undo();
    else history.redo();
    if (editor.activeTool === tools.select && store.has(command.annotationId)) store.select(command.annotationId);
    ui.toolbar.message(`${direction === "undo" ? "Undone" : "Redone"}: ${command.label}.`);
  }

  function visibilityChanged(data) {
    const selected = store.selected;
    if (selected && !isVisible(selected)) store.select(null);
    if (store.hoverId && store.get(store.hoverId) && !isVisible(store.get(store.hoverId))) store.setHover(null);
    ui.panel.showVisibility(settings);
    ui.toolbar.showVisibility(settings);
    labour.record("visibility-toggle", { data });
    ui.renderer.invalidate();
  }

  function layersChanged(data) {
    saveLayers(parts.storage, parts.imageId, settings.layers);
    ui.layersPanel.render();
    visibilityChanged({ ...data, via: "layers" });
  }

  const actions = {
    setTool(name) {
      const next = tools[name];
      if (!next || next === editor.activeTool) return;
      if (editor.activeTool) editor.activeTool.deactivate();
      editor.activeTool = next;
      if (name === "polygon") store.select(null);
      labour.record("tool", { data: { tool: name } });
      ui.toolbar.showTool(name);
      ui.input.setToolCursor(next.cursor);
      ui.renderer.invalidate();
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
      const editing = selected && editor.activeTool === tools.select && selected.categoryId !== categoryId;
      if (editing && selected.flag && selected.flag.resolution) {
        ui.toolbar.message("The instructor has decided this polygon's class; it can no longer be changed.", "warn");
        return;
      }
      if (editing) {
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
      if (annotation) viewport.reveal(annotation);
    },
    setOpacity(opacity) {
      settings.opacity = clampOpacity(opacity);
      ui.toolbar.showOpacity(settings.opacity);
      ui.renderer.invalidate();
      rememberOpacity(parts.storage, settings.opacity);
    },
    cycleOpacity: () => actions.setOpacity(nextOpacity(settings.opacity)),
    /** Draw another part (or a hole) of the selected annotation. */
    addRing(hole, via = "key") {
      const selected = store.selected;
      if (!selected) {
        ui.toolbar.message(`Select a polygon first (${keyOf("selectTool")}, then click it), then `
          + `${hole ? `cut a hole (${keyOf("addHole")})` : `add a part (${keyOf("addPart")})`}.`, "warn");
        return;
      }
      actions.setTool("polygon");
      tools.polygon.startRing(selected.clientId, hole);
      labour.record("ring-tool", { annotation: selected.clientId, data: { hole, via } });
    },
    followBorder() {
      if (editor.activeTool === tools.polygon && tools.polygon.drawing) tools.polygon.followBorder();
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
      settings[name] = imageFilterValue(value);
      ui.toolbar.showImageFilter(settings);
      ui.renderer.invalidateBase();
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
    saveFlag: (clientId, form, proposal = null) => saveFlag(parts, clientId, form, proposal),
    nextImage: (via) => parts.nextImage.go(via),
    toggleSnap(on = !settings.snap) {
      settings.snap = Boolean(on);
      ui.toolbar.showSnap(settings.snap);
      labour.record("snap-toggle", { data: { on: settings.snap } });
      ui.renderer.invalidateOverlay();
    },
    fit: (via) => viewport.fit(via),
    zoomTo: (scale, via) => viewport.zoomTo(scale, via),
    zoomBy: (factor, sx, sy, via) => viewport.zoomBy(factor, sx, sy, via),
    zoomStep: (direction, centre, via) => viewport.zoomStep(direction, centre, via),
    panBy: (dx, dy, via) => viewport.panBy(dx, dy, via),
    panEnded: (via) => viewport.panEnded(via),
    pointerAt: (point) => ui.toolbar.showCursor(point),
    helpOpen: () => ui.help.open,
    toggleHelp: (open) => ui.help.toggle(open),
    focusStage: () => parts.stage.focus({ preventScroll: true }),
    retrySaves() {
      if (parts.sync.pendingSaves) parts.sync.retryNow();
    },
    focusClassFilter: () => parts.classFilter.focus(),
  };
  return actions;
}

/** Flag the polygon (form: {kind: "" | "none_fits" | "unsure", reason}), proposing a new class first if
 *  asked; resolves {ok, message}. The proposal is made without examples and linked by the flag's own save,
 *  so the flag stays one undoable edit and the editor's version of the polygon stays current. */
async function saveFlag({ store, api, perform }, clientId, form, proposal) {
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
  const undo = `${keyOf("undo")} undoes it`;
  return { ok: true, message: flag
    ? `Flagged (${undo}). Stored as void/unknown until the instructor decides; your pick: ${category ? category.name : "none"}.`
    : `Flag cleared (${undo}).` };
}
