"""Box to outline: OpenCV's GrabCut on a crop round a box, answered as editable polygon parts.

GrabCut models the colours outside the box as background and those inside as a mix, and cuts the box's pixels
between them along strong edges. It sees only a crop: the box and a margin round it (the background it learns
from), scaled to at most MAX_CROP_PIXELS, so its cost is bounded whatever the size of the box or the photo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from annotator.core.assists.picture import Picture, mask_to_image_parts
from annotator.core.geometry import Part
from annotator.core.refused import Refused

MIN_SIDE = 2  # px, the box's width and height
SLACK = 1e-6  # px: a box computed in floating point may end a hair past the image's edge
MARGIN_SHARE = 0.15  # of the box's longer side, on each side: the background GrabCut learns from
MIN_MARGIN = 12  # working px
# GrabCut's time grows with the pixels it cuts (5 rounds of fitting colour models and a graph cut): about
# 2.5 us a pixel on this project's 2-core machine, so 160,000 (a 400 x 400 crop) stays near 0.4 s.
MAX_CROP_PIXELS = 160_000
# px: smaller crops are enlarged first, so the cut can follow a thin limb rather than cut it off. Past ~128
# the cost grows faster than the gain (sample scenes, largest 15 people: median IoU 0.56 at 96, 0.60 at 128,
# 0.63 at 192 for three times the CPU).
MIN_CROP_SIDE = 128
ROUNDS = 5
# When GrabCut keeps less than LOST_SHARE of the box (it lost the object to a background of like colours, as a
# person in blue before a blue window), it cuts again with the box's centre (CENTRE_SHARE of its width and
# height) held as the object: a box is drawn round one thing, and that thing covers its centre.
LOST_SHARE = 0.2
CENTRE_SHARE = 0.3
# Grain (a camera's noise, a render's film grain) looks like edges to GrabCut's smoothness term; an
# edge-keeping blur (bilateral: 5 px across, colours within ~30 levels) removes it first.
SMOOTHING = (5, 30, 5)


def outline_box(picture: Picture, box: Sequence[float]) -> list[Part]:
    """The object in `box` ([x, y, width, height] in image pixels, inside the image) as parts; [] if GrabCut
    finds nothing in it."""
    x, y, w, h = (float(value) for value in box)
    if x < 0 or y < 0 or x + w > picture.width + SLACK or y + h > picture.height + SLACK:
        raise Refused("box", f"the box [{x:g}, {y:g}, {w:g}, {h:g}] reaches outside the image "
                      f"({picture.width} x {picture.height}); draw it inside")
    if w < MIN_SIDE or h < MIN_SIDE:
        raise Refused("box", f"the box is {w:g} x {h:g} px; its sides must be at least {MIN_SIDE} px")
    # The box in working pixels, whole pixels that it touches.
    left = max(0, math.floor(x * picture.scale_x))
    top = max(0, math.floor(y * picture.scale_y))
    right = min(picture.pixels.shape[1], max(left + 1, math.ceil((x + w) * picture.scale_x)))
    bottom = min(picture.pixels.shape[0], max(top + 1, math.ceil((y + h) * picture.scale_y)))
    margin = max(MIN_MARGIN, round(MARGIN_SHARE * max(right - left, bottom - top)))
    crop_left, crop_top = max(0, left - margin), max(0, top - margin)
    crop_right = min(picture.pixels.shape[1], right + margin)
    crop_bottom = min(picture.pixels.shape[0], bottom + margin)
    crop = picture.pixels[crop_top:crop_bottom, crop_left:crop_right]
    zoom = _zoom(crop.shape[1], crop.shape[0])
    if zoom != 1.0:
        size = (max(1, math.floor(crop.shape[1] * zoom)), max(1, math.floor(crop.shape[0] * zoom)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC)
    crop = cv2.bilateralFilter(np.ascontiguousarray(crop), *SMOOTHING)
    height, width = crop.shape[:2]
    rect = _rect_in(crop.shape, (left - crop_left) * zoom, (top - crop_top) * zoom,
                    (right - crop_left) * zoom, (bottom - crop_top) * zoom)
    labels = np.zeros((height, width), dtype=np.uint8)
    background = np.zeros((1, 65), dtype=np.float64)
    foreground = np.zeros((1, 65), dtype=np.float64)
    try:
        cv2.grabCut(crop, labels, rect, background, foreground, ROUNDS, cv2.GC_INIT_WITH_RECT)
        if _kept(labels, rect) < LOST_SHARE:
            _hold_the_centre(labels, rect)
            cv2.grabCut(crop, labels, None, background * 0, foreground * 0, ROUNDS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # too few pixels on one side to fit a colour model: nothing to offer
        return []
    found = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8)
    if zoom < 1.0:  # back to working pixels, smoothly, so the outline is not a staircase of coarse pixels
        size = (crop_right - crop_left, crop_bottom - crop_top)
        found = (cv2.resize(found.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.uint8)
        zoom = 1.0
    return mask_to_image_parts(found, picture, origin=(crop_left, crop_top), zoom=zoom)


def _kept(labels: np.ndarray, rect: tuple[int, int, int, int]) -> float:
    """The share of the box GrabCut counts as the object."""
    x, y, w, h = rect
    inside = labels[y:y + h, x:x + w]
    return float(((inside == cv2.GC_FGD) | (inside == cv2.GC_PR_FGD)).mean())


def _hold_the_centre(labels: np.ndarray, rect: tuple[int, int, int, int]) -> None:
    """Start again: outside the box background, inside it maybe the object, its centre surely the object."""
    x, y, w, h = rect
    labels[:] = cv2.GC_BGD
    labels[y:y + h, x:x + w] = cv2.GC_PR_FGD
    half_w, half_h = max(1, round(CENTRE_SHARE * w / 2)), max(1, round(CENTRE_SHARE * h / 2))
    centre_x, centre_y = x + w // 2, y + h // 2
    labels[max(y, centre_y - half_h):centre_y + half_h, max(x, centre_x - half_w):centre_x + half_w] = cv2.GC_FGD


def _zoom(width: int, height: int) -> float:
    """How much to scale a crop: down to MAX_CROP_PIXELS, or up to MIN_CROP_SIDE on its shorter side."""
    pixels = width * height
    if pixels > MAX_CROP_PIXELS:
        return math.sqrt(MAX_CROP_PIXELS / pixels)
    shorter = min(width, height)
    if shorter < MIN_CROP_SIDE:
        return min(MIN_CROP_SIDE / shorter, math.sqrt(MAX_CROP_PIXELS / pixels))
    return 1.0


def _rect_in(shape: tuple[int, ...], left: float, top: float, right: float, bottom: float) -> tuple[int, int, int, int]:
    """GrabCut's rectangle (x, y, w, h) in the crop, leaving at least one pixel of background round it where the
    crop allows (a box over the whole image still has its border rows to learn the background from)."""
    height, width = shape[:2]
    x0 = min(max(1, math.floor(left)), width - 2) if width > 2 else 0
    y0 = min(max(1, math.floor(top)), height - 2) if height > 2 else 0
    x1 = max(min(width - 1, math.ceil(right)), x0 + 1)
    y1 = max(min(height - 1, math.ceil(bottom)), y0 + 1)
    return x0, y0, x1 - x0, y1 - y0
