// The editor's display settings: fill opacity, snapping, what is hidden (everything, classes, layers) and the
// image's brightness and contrast. Plain state, no DOM: the fill opacity and the layer switches are kept in
// localStorage (when the browser lets us write there), the rest lasts as long as the page.

import { isMine, loadLayers } from "./layers.js";

export const OPACITY_STEPS = [0, 0.2, 0.4, 0.6, 0.8];
export const OPACITY_KEY = "annotator.opacity";
const DEFAULT_OPACITY = 0.4;

/** The browser's localStorage if it can be written, else null: in private mode or with storage disabled,
 *  saving still works, only resending after a reload does not. */
export function usableStorage(win = globalThis.window) {
  try {
    const probe = "annotator.probe";
    win.localStorage.setItem(probe, "1");
    win.localStorage.removeItem(probe);
    return win.localStorage;
  } catch (error) {
    return null;
  }
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** The fill opacity the person last chose on this browser, or the default. */
export function loadOpacity(storage) {
  try {
    const saved = storage && storage.getItem(OPACITY_KEY);
    if (saved !== null && saved !== "" && Number.isFinite(Number(saved))) return clamp(Number(saved), 0, 1);
  } catch (error) {
    // fall through
  }
  return DEFAULT_OPACITY;
}

export function rememberOpacity(storage, opacity) {
  try {
    if (storage) storage.setItem(OPACITY_KEY, String(opacity));
  } catch (error) {
    // not remembered: fine
  }
}

/** An opacity as the settings hold it: between 0 and 1. */
export function clampOpacity(opacity) {
  return clamp(opacity, 0, 1);
}

/** The step after `opacity` in OPACITY_STEPS, round to the first (the O key). */
export function nextOpacity(opacity) {
  const next = OPACITY_STEPS.find((step) => step > opacity + 1e-6);
  return next === undefined ? OPACITY_STEPS[0] : next;
}

/** A brightness or contrast factor from a slider: 0.2 to 3, 1 for anything unreadable. */
export function imageFilterValue(value) {
  return clamp(Number(value) || 1, 0.2, 3);
}

/** The settings a page starts with: the remembered opacity and layer switches, everything else shown. */
export function makeSettings(storage, imageId) {
  return {
    opacity: loadOpacity(storage), snap: false, hideAll: false, hiddenCategories: new Set(), brightness: 1,
    contrast: 1, layers: loadLayers(storage, imageId),
  };
}

/** Whether an annotation is shown (and so can be snapped to): not hidden, nor its class, nor its layer. */
export function isVisibleIn(settings, annotation) {
  return !settings.hideAll && !settings.hiddenCategories.has(annotation.categoryId)
    && settings.layers.visible(annotation);
}

/** Shown and the person's own: only these can be picked, edited or deleted (others' layers are read-only,
 *  for the instructor too: their outline is their labour record). */
export function isEditableIn(settings, annotation) {
  return isMine(annotation) && isVisibleIn(settings, annotation);
}
