// Navigation: the stage's size, zooming and panning the view over the image, and the labour record of it.
// A zoom or pan gesture is recorded once it has been still for QUIET_MS (one event per gesture, not one per
// wheel notch). The whole image is shown at the start ("fitted"), and a resized window fits it again until
// the person zooms or pans; after that a resize keeps the view's centre. `onChange` redraws whatever shows
// the view (canvas, zoom readout, overview); the timers come in so node tests can drive it.

import { steppedScale } from "./view.js";

export const QUIET_MS = 400;

/** The box round an annotation's outline (all parts and holes), in image pixels. */
export function boundsOf(annotation) {
  const points = annotation.parts.flatMap((part) => part.ring);
  const xs = points.map((point) => point[0]);
  const ys = points.map((point) => point[1]);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

/** Whether a box lies wholly inside a rectangle {x, y, width, height}. */
export function boxInside(box, rect) {
  return box.left >= rect.x && box.right <= rect.x + rect.width && box.top >= rect.y
    && box.bottom <= rect.y + rect.height;
}

export class Viewport {
  constructor({
    view, image, labour, onChange = () => {},
    timers = { setTimeout: (...a) => setTimeout(...a), clearTimeout: (...a) => clearTimeout(...a) },
  }) {
    this.view = view;
    this.image = image; // {width, height}
    this.labour = labour;
    this.onChange = onChange;
    this.timers = timers;
    this.size = { width: 0, height: 0 }; // the stage, in screen pixels
    this.fitted = true; // the whole image is shown, as at the start: a resized window fits it again
    this.zoomTimer = null;
    this.panTimer = null;
  }

  changed() {
    this.view.constrain(this.image.width, this.image.height, this.size.width, this.size.height);
    this.onChange();
  }

  moved() {
    this.fitted = false;
    this.changed();
  }

  recordZoom(via) {
    this.timers.clearTimeout(this.zoomTimer);
    this.zoomTimer = this.timers.setTimeout(
      () => this.labour.record("zoom", { data: { zoom: this.view.scale, via } }), QUIET_MS);
  }

  recordPan(via) {
    this.timers.clearTimeout(this.panTimer);
    this.panTimer = this.timers.setTimeout(
      () => this.labour.record("pan", { data: { via, zoom: this.view.scale } }), QUIET_MS);
  }

  fit(via) {
    this.view.fit(this.image.width, this.image.height, this.size.width, this.size.height);
    this.fitted = true;
    this.changed();
    this.recordZoom(`fit-${via}`);
  }

  zoomTo(scale, via) {
    this.view.zoomTo(scale, this.size.width / 2, this.size.height / 2);
    this.moved();
    this.recordZoom(via);
  }

  /** Zoom by a factor about a screen point (the wheel, a pinch); nothing happens at the zoom limits. */
  zoomBy(factor, sx, sy, via) {
    if (!this.view.zoomBy(factor, sx, sy)) return;
    this.moved();
    this.recordZoom(via);
  }

  /** One step up or down the zoom ladder, about `centre` (screen pixels) or the stage's middle. */
  zoomStep(direction, centre, via) {
    const target = steppedScale(this.view.scale, direction);
    const [sx, sy] = centre || [this.size.width / 2, this.size.height / 2];
    if (!this.view.zoomTo(target, sx, sy)) return;
    this.moved();
    this.recordZoom(via);
  }

  /** Pan by screen pixels; `via` null while a drag is under way (it is recorded when it ends). */
  panBy(dx, dy, via) {
    this.view.panBy(dx, dy);
    this.moved();
    if (via) this.recordPan(via);
  }

  panEnded(via) {
    this.recordPan(via);
  }

  /** Put an image point in the stage's middle (the overview was clicked there). */
  centreOn(x, y, via) {
    this.view.centreOn(x, y, this.size.width / 2, this.size.height / 2);
    this.moved();
    this.recordPan(via);
  }

  /** Bring an annotation into view if it is not wholly on screen (picked from the list). */
  reveal(annotation) {
    const box = boundsOf(annotation);
    if (boxInside(box, this.view.visibleRect(this.size.width, this.size.height))) return;
    this.view.centreOn((box.left + box.right) / 2, (box.top + box.bottom) / 2, this.size.width / 2,
      this.size.height / 2);
    this.moved();
  }

  /** The stage is now `width` × `height`: fit again if fitted, else keep the view's centre where it was. */
  resized(width, height) {
    const before = this.size;
    this.size = { width, height };
    if (this.fitted) this.view.fit(this.image.width, this.image.height, width, height);
    else this.view.panBy((width - before.width) / 2, (height - before.height) / 2);
    this.changed();
  }
}
