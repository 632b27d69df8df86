"""Intelligent scissors: the outline follows the image's edges from each clicked point to the next.

OpenCV's IntelligentScissorsMB (the tool CVAT offers) finds the cheapest path between two points, a path being
cheap where it runs along an edge (Canny), across a strong gradient and in the gradient's direction. Its
`applyImage` computes those features for a whole image; `buildMap` then searches every pixel it was given, which
on a whole 1280 x 720 image takes about a second per point. So the features are computed once per image
(`edge_features`, the same arithmetic as applyImage, cached by the caller) and each segment's search is given
only a window round its two points (`applyImageFeatures` on slices of them): milliseconds per segment.

Work per request is bounded before it starts: points at most MAX_SEGMENT px apart (working pixels), and the
windows of all segments together at most MAX_SEARCH_PIXELS.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.core.assists.picture import Picture, check_inside, path_points, path_to_image_part
from annotator.core.geometry import Part
from annotator.core.refused import Refused

MAX_POINTS = 200
CANNY_THRESHOLDS = (32.0, 100.0)  # as CVAT sets them
GRADIENT_LIMIT = 200.0  # gradients stronger than this count as equally strong (CVAT's setting too)
# Each segment's path is searched in the box round its two points, widened on every side by this share of their
# distance plus WINDOW_MARGIN px, so it may bulge out along a curved edge.
WINDOW_SHARE = 0.25
WINDOW_MARGIN = 16
MAX_SEGMENT = 400  # working px between consecutive points: click along an edge, not across the image
# The search costs ~1 us a pixel (a 200 x 150 window: 30 ms): 2,000,000 is two seconds at worst, and an outline
# of a car clicked every 50 px searches some 100,000.
MAX_SEARCH_PIXELS = 2_000_000


@dataclass(frozen=True)
class EdgeFeatures:
    """IntelligentScissorsMB's three features of a whole image, at working scale."""

    non_edge: np.ndarray  # uint8, 1 where Canny found no edge
    direction: np.ndarray  # float32 x 2, the unit gradient (0, 0 where flat)
    magnitude_cost: np.ndarray  # float32, 1 - min(gradient, GRADIENT_LIMIT) / GRADIENT_LIMIT

    @property
    def nbytes(self) -> int:
        return int(self.non_edge.nbytes + self.direction.nbytes + self.magnitude_cost.nbytes)


def edge_features(picture: Picture) -> EdgeFeatures:
    """The features `IntelligentScissorsMB.applyImage` computes (Canny edge mode, gradient limit set), kept so
    that each segment's search can be given a slice of them."""
    grey = cv2.cvtColor(picture.pixels, cv2.COLOR_RGB2GRAY)
    # As applyImage: Canny on the colour image (the strongest channel's gradient), the gradient on the grey one.
    edges = cv2.Canny(picture.pixels, *CANNY_THRESHOLDS, apertureSize=3, L2gradient=False)
    non_edge = (edges == 0).astype(np.uint8)
    dx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(dx, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        flat = magnitude <= np.finfo(np.float32).eps
        safe = np.where(flat, 1.0, magnitude)
        direction = np.dstack([np.where(flat, 0.0, dx / safe), np.where(flat, 0.0, dy / safe)]).astype(np.float32)
    magnitude_cost = (1.0 - np.minimum(magnitude, GRADIENT_LIMIT) / GRADIENT_LIMIT).astype(np.float32)
    return EdgeFeatures(non_edge, direction, magnitude_cost)


def check_points(points: Sequence[Sequence[float]], picture: Picture, closed: bool = True) -> list[tuple[int, int]]:
    """The points as working pixels, or Refused: a point outside the image, consecutive points too far apart,
    or more searching than a request may cost."""
    if len(points) > MAX_POINTS:
        raise Refused("points", f"{len(points)} points; at most {MAX_POINTS}")
    check_inside(points, picture)
    pixels: list[tuple[int, int]] = []
    for x, y in points:
        pixels.append((min(picture.pixels.shape[1] - 1, int(x * picture.scale_x)),
                       min(picture.pixels.shape[0] - 1, int(y * picture.scale_y))))
    searched = 0
    for index, (start, end) in enumerate(_segments(pixels, closed)):
        distance = math.dist(start, end)
        if distance > MAX_SEGMENT:
            after = (index + 1) % len(pixels) + 1
            raise Refused("points", f"points {index + 1} and {after} are {distance:.0f} px apart; the scissors "
                          f"follow edges between points at most {MAX_SEGMENT} px apart: click more points")
        searched += _window_pixels(_window(start, end, picture.pixels.shape))
    if searched > MAX_SEARCH_PIXELS:
        raise Refused("points", f"the path between these points would search {searched:,} pixels, more than the "
                      f"{MAX_SEARCH_PIXELS:,} one request may; click points closer together")
    return pixels


def outline_points(features: EdgeFeatures, picture: Picture, points: Sequence[Sequence[float]]) -> list[Part]:
    """The closed outline through `points` (image pixels, in order) along the image's edges, as parts."""
    pixels = check_points(points, picture, closed=True)
    return path_to_image_part(_path(features, pixels, closed=True), picture)


def path_through(features: EdgeFeatures, picture: Picture, points: Sequence[Sequence[float]]) -> list[float]:
    """The open path through `points` along the edges, as flat image coordinates (a preview while clicking)."""
    pixels = check_points(points, picture, closed=False)
    return path_points(_path(features, pixels, closed=False), picture)


def _path(features: EdgeFeatures, pixels: list[tuple[int, int]], closed: bool) -> np.ndarray:
    pieces = [np.asarray([pixels[0]], dtype=np.int32)]
    for start, end in _segments(pixels, closed):
        pieces.append(_segment(features, start, end)[1:])  # each piece starts where the last ended
    return np.concatenate(pieces)


def _segment(features: EdgeFeatures, start: tuple[int, int], end: tuple[int, int]) -> np.ndarray:
    """The cheapest path of pixels from `start` to `end` (both included), searched within their window."""
    if start == end:
        return np.asarray([start], dtype=np.int32)
    left, top, right, bottom = _window(start, end, features.non_edge.shape)
    window = (slice(top, bottom), slice(left, right))
    tool = cv2.segmentation.IntelligentScissorsMB()
    tool.setEdgeFeatureCannyParameters(*CANNY_THRESHOLDS)
    tool.setGradientMagnitudeMaxLimit(GRADIENT_LIMIT)
    tool.applyImageFeatures(np.ascontiguousarray(features.non_edge[window]),
                            np.ascontiguousarray(features.direction[window]),
                            np.ascontiguousarray(features.magnitude_cost[window]))
    tool.buildMap((start[0] - left, start[1] - top))
    contour = tool.getContour((end[0] - left, end[1] - top), backward=False).reshape(-1, 2)
    path = contour + np.asarray([left, top])
    # getContour lists the pixels from the map's source to the target; make sure of the order either way.
    if tuple(path[0]) != start:
        path = path[::-1]
    return path.astype(np.int32)


def _segments(pixels: list[tuple[int, int]], closed: bool) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    pairs = list(itertools.pairwise(pixels))
    if closed and len(pixels) > 2:
        pairs.append((pixels[-1], pixels[0]))
    return pairs


def _window(start: tuple[int, int], end: tuple[int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """left, top, right, bottom (exclusive) of the pixels a segment's search may visit."""
    margin = WINDOW_MARGIN + math.ceil(WINDOW_SHARE * math.dist(start, end))
    height, width = shape[:2]
    return (max(0, min(start[0], end[0]) - margin), max(0, min(start[1], end[1]) - margin),
            min(width, max(start[0], end[0]) + margin + 1), min(height, max(start[1], end[1]) + margin + 1))


def _window_pixels(window: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = window
    return (right - left) * (bottom - top)
