"""The pixels an assist works on, and the way back from its masks and paths to editable polygon parts.

An assist works on the image at most WORKING_SIDE px along its longer side (a larger photo is scaled down once,
when read), so no request's cost grows with the size of the photo; everything it answers is in the image's own
pixels again. Its answer passes the save path's own checks (`geometry.shape_from_parts`), so what it offers is
exactly what a save would store: valid, clipped to the image, within the vertex limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from annotator.core import geometry, images
from annotator.core.geometry import Part
from annotator.core.refused import Refused

WORKING_SIDE = 2560  # px: a 12 MP phone photo (4000 x 3000) is worked on at 2560 x 1920
# An assist's outline is simplified until it has at most this many vertices: enough for a cyclist's outline,
# few enough to correct by hand. Each step moves no edge further than the tolerance (in image pixels).
MAX_VERTICES = 400
SIMPLIFY_TOLERANCES = (0.75, 1.0, 1.5, 2.5, 4.0, 6.0)  # px
# Bits of a mask smaller than this share of its largest piece are GrabCut's or a model's speckle, and holes
# smaller than this share of the piece they are in are its noise, not a windscreen to see through.
SPECKLE_SHARE = 0.05
PINHOLE_SHARE = 0.02


@dataclass(frozen=True)
class Picture:
    """An image's pixels at working scale: RGB, height x width x 3 uint8; `scale` is working / original px."""

    pixels: np.ndarray
    width: int  # of the original image, in its pixels
    height: int

    @property
    def scale_x(self) -> float:
        return self.pixels.shape[1] / self.width

    @property
    def scale_y(self) -> float:
        return self.pixels.shape[0] / self.height

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)


def read_picture(path: Path) -> Picture:
    """The stored image at `path` as a Picture (JPEG decoded at a reduced scale when it is that large)."""
    with images.open_stored(path) as image:
        width, height = image.size
        factor = min(1.0, WORKING_SIDE / max(width, height))
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        if factor < 1.0:
            image.draft("RGB", size)  # JPEG: decode at 1/2, 1/4 or 1/8 scale, far cheaper than in full
        rgb = image.convert("RGB")
        if rgb.size != size:
            rgb = rgb.resize(size, resample=3, reducing_gap=2.0)  # bicubic
        return Picture(np.asarray(rgb, dtype=np.uint8), width, height)


def picture_of(pixels: np.ndarray) -> Picture:
    """A Picture of pixels already in memory at full scale (tests, generated scenes)."""
    rgb = np.ascontiguousarray(pixels[..., :3] if pixels.ndim == 3 else np.dstack([pixels] * 3), dtype=np.uint8)
    return Picture(rgb, rgb.shape[1], rgb.shape[0])


def clean_mask(mask: np.ndarray) -> np.ndarray:
    """The mask without speckle (pieces under SPECKLE_SHARE of the largest) and pinholes (holes under
    PINHOLE_SHARE of the mask's area), as uint8 0/1."""
    binary = (np.asarray(mask) > 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= SPECKLE_SHARE * areas.max()
    binary = keep[labels].astype(np.uint8)
    # Holes: pieces of the background that do not touch the border.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - binary, connectivity=4)
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])).tolist())
    small = [index for index in range(1, count) if index not in border
             and stats[index, cv2.CC_STAT_AREA] < PINHOLE_SHARE * binary.sum()]
    if small:
        binary[np.isin(labels, small)] = 1
    return binary


def mask_to_image_parts(mask: np.ndarray, picture: Picture, origin: tuple[float, float] = (0.0, 0.0),
                        zoom: float = 1.0) -> list[Part]:
    """Editable parts (holes kept) of a mask whose pixel (i, j) covers working pixels from
    `origin + (i, j) / zoom`: traced along pixel edges, simplified to at most MAX_VERTICES and checked as a save
    would check them. Empty if nothing of it can be saved."""
    cleaned = clean_mask(mask)
    if not cleaned.any():
        return []
    per_x = 1.0 / (zoom * picture.scale_x)  # image pixels per mask pixel
    per_y = 1.0 / (zoom * picture.scale_y)
    parts: list[Part] = []
    for tolerance in SIMPLIFY_TOLERANCES:
        traced = geometry.mask_to_parts(cleaned, simplify=tolerance / max(per_x, per_y))
        parts = [_moved(part, origin, picture, per_x, per_y) for part in traced]
        if sum(part.vertex_count for part in parts) <= MAX_VERTICES:
            break
    return editable(parts, picture)


def path_to_image_part(path: np.ndarray, picture: Picture) -> list[Part]:
    """The polygon through the centres of a closed path of working pixels (n x 2, x then y), simplified to at
    most MAX_VERTICES and checked as a save would check it. Empty if it encloses nothing that can be saved."""
    centres = np.asarray(path, dtype=np.float32).reshape(-1, 1, 2) + 0.5
    polygon = centres
    for tolerance in SIMPLIFY_TOLERANCES:
        polygon = cv2.approxPolyDP(centres, tolerance * max(picture.scale_x, picture.scale_y), closed=True)
        if len(polygon) <= MAX_VERTICES:
            break
    flat = (polygon.reshape(-1, 2) / (picture.scale_x, picture.scale_y)).ravel().tolist()
    if len(flat) < 6:
        return []
    return editable([Part(tuple(flat))], picture)


def path_points(path: np.ndarray, picture: Picture) -> list[float]:
    """An open path of working pixels as flat image coordinates of their centres (a preview line)."""
    centres = np.asarray(path, dtype=np.float64).reshape(-1, 2) + 0.5
    return [round(value, 3) for value in (centres / (picture.scale_x, picture.scale_y)).ravel().tolist()]


def editable(parts: list[Part], picture: Picture) -> list[Part]:
    """The parts as a save would store them (repaired, clipped to the image), or none if nothing is left."""
    if not parts or not any(not part.hole for part in parts):
        return []
    try:
        shape = geometry.shape_from_parts([part.to_dict() for part in parts], picture.width, picture.height)
    except geometry.GeometryError:
        return []
    return list(shape.parts)


def _moved(part: Part, origin: tuple[float, float], picture: Picture, per_x: float, per_y: float) -> Part:
    points = np.asarray(part.points, dtype=np.float64).reshape(-1, 2)
    points = points * (per_x, per_y) + (origin[0] / picture.scale_x, origin[1] / picture.scale_y)
    return Part(tuple(round(value, 3) for value in points.ravel().tolist()), part.hole)


def check_inside(points: Sequence[Sequence[float]], picture: Picture, field: str = "points") -> None:
    """Refused naming the first point outside the image (its right and bottom edges count as inside)."""
    for index, (x, y) in enumerate(points):
        if not (0 <= x <= picture.width and 0 <= y <= picture.height):
            raise Refused(f"{field}[{index}]", f"point {index + 1} ({x:g}, {y:g}) lies outside the image "
                          f"({picture.width} x {picture.height})")
