// The zoom and pan of the canvas: one affine map between image pixels and screen (CSS) pixels of the
// stage, screen = image * scale + offset. Pure: no DOM, so the arithmetic is tested under node.

export const MAX_SCALE = 32;
export const MIN_SCALE = 0.02;
export const STEPS_PER_DOUBLING = 2; // one key press zooms by the square root of 2: two presses double it

/** The next zoom step up (direction 1) or down (-1) from any scale: 100%, 141%, 200%, 283%, 400%... exactly. */
export function steppedScale(scale, direction, stepsPerDoubling = STEPS_PER_DOUBLING) {
  const position = Math.log2(scale) * stepsPerDoubling;
  const step = direction > 0 ? Math.floor(position + 1e-6) + 1 : Math.ceil(position - 1e-6) - 1;
  return 2 ** (step / stepsPerDoubling);
}

export class View {
  constructor({ scale = 1, offsetX = 0, offsetY = 0, maxScale = MAX_SCALE, minScale = MIN_SCALE } = {}) {
    this.maxScale = maxScale;
    this.minScale = minScale;
    this.scale = clamp(scale, minScale, maxScale);
    this.offsetX = offsetX;
    this.offsetY = offsetY;
  }

  /** [x, y] in screen pixels of an image point. */
  imageToScreen(x, y) {
    return [x * this.scale + this.offsetX, y * this.scale + this.offsetY];
  }

  /** [x, y] in image pixels of a screen point. */
  screenToImage(x, y) {
    return [(x - this.offsetX) / this.scale, (y - this.offsetY) / this.scale];
  }

  /** Image distance covered by `pixels` screen pixels at the current zoom (hit radii stay a screen size). */
  imageDistance(pixels) {
    return pixels / this.scale;
  }

  /** Set the scale keeping the image point under screen point (sx, sy) where it is. Returns whether it changed. */
  zoomTo(scale, sx, sy) {
    const next = clamp(scale, this.minScale, this.maxScale);
    if (next === this.scale) return false;
    const [ix, iy] = this.screenToImage(sx, sy);
    this.scale = next;
    this.offsetX = sx - ix * next;
    this.offsetY = sy - iy * next;
    return true;
  }

  /** Multiply the scale by `factor` around screen point (sx, sy). */
  zoomBy(factor, sx, sy) {
    return this.zoomTo(this.scale * factor, sx, sy);
  }

  panBy(dx, dy) {
    this.offsetX += dx;
    this.offsetY += dy;
  }

  /** The scale and offsets that show the whole image centred in a viewport, with `margin` screen pixels round it. */
  static fitting(imageWidth, imageHeight, viewportWidth, viewportHeight, margin = 16) {
    const scale = Math.max(MIN_SCALE, Math.min(
      (viewportWidth - 2 * margin) / imageWidth, (viewportHeight - 2 * margin) / imageHeight, MAX_SCALE));
    return {
      scale,
      offsetX: (viewportWidth - imageWidth * scale) / 2,
      offsetY: (viewportHeight - imageHeight * scale) / 2,
    };
  }

  fit(imageWidth, imageHeight, viewportWidth, viewportHeight, margin = 16) {
    Object.assign(this, View.fitting(imageWidth, imageHeight, viewportWidth, viewportHeight, margin));
  }

  /** Keep at least `keep` screen pixels of the image inside the viewport, so it cannot be lost off-screen. */
  constrain(imageWidth, imageHeight, viewportWidth, viewportHeight, keep = 48) {
    const w = imageWidth * this.scale;
    const h = imageHeight * this.scale;
    const minKeepX = Math.min(keep, w);
    const minKeepY = Math.min(keep, h);
    this.offsetX = clamp(this.offsetX, minKeepX - w, viewportWidth - minKeepX);
    this.offsetY = clamp(this.offsetY, minKeepY - h, viewportHeight - minKeepY);
  }

  /** The part of the image on screen, in image pixels: {x, y, width, height} (may reach past the image). */
  visibleRect(viewportWidth, viewportHeight) {
    const [x0, y0] = this.screenToImage(0, 0);
    const [x1, y1] = this.screenToImage(viewportWidth, viewportHeight);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  /** Put image point (x, y) at screen point (sx, sy). */
  centreOn(x, y, sx, sy) {
    this.offsetX = sx - x * this.scale;
    this.offsetY = sy - y * this.scale;
  }

  snapshot() {
    return { scale: this.scale, offsetX: this.offsetX, offsetY: this.offsetY };
  }
}

export function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}
