"""From masks back to editable polygons (imports of RLE segmentations)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from annotator.core import masks
from annotator.core.geometry.parts import GeometryError, Part, parse_parts
from annotator.core.geometry.repair import hole_parts
from annotator.core.geometry.rings import flat_ring, polygons_of

TRACE_SIMPLIFY = 0.3  # px: drops staircase corners yet keeps every pixel centre on its side


def mask_to_parts(mask: np.ndarray, simplify: float = TRACE_SIMPLIFY) -> list[Part]:
    """Outline a binary mask as polygon parts along pixel edges, keeping holes.

    The region is the union of each row's runs of pixels, so its edges lie exactly on pixel borders
    and it rasterises back to the same mask. Simplifying by less than half a pixel then removes most
    staircase vertices without moving any pixel centre across an edge.
    """
    binary = np.asarray(mask) > 0
    if not binary.any():
        return []
    padded = np.zeros((binary.shape[0], binary.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = binary
    steps = np.diff(padded, axis=1)
    run_rows, run_starts = np.nonzero(steps == 1)
    _, run_ends = np.nonzero(steps == -1)  # row-major order pairs each end with its start
    exact = shapely.union_all(shapely.box(run_starts, run_rows, run_ends, run_rows + 1))
    region = exact.simplify(simplify, preserve_topology=True) if simplify > 0 else exact
    pieces = polygons_of(shapely.make_valid(region))
    return [Part(flat_ring(piece.exterior.coords[:-1])) for piece in pieces] + hole_parts(pieces, 0.0, exact)


def segmentation_to_parts(segmentation: Any, height: int, width: int) -> list[Part]:
    """Parts from a COCO `segmentation`: polygons as they are, RLE (compressed or not) traced.

    Raises GeometryError when the value is neither a list of flat polygons nor an RLE of this size.
    """
    if isinstance(segmentation, list):
        raw = [{"points": polygon} for polygon in segmentation]
        return [Part(tuple(points), hole) for points, hole in parse_parts(raw)]
    if isinstance(segmentation, dict) and "counts" in segmentation and "size" in segmentation:
        size = segmentation["size"]
        if not (isinstance(size, list) and len(size) == 2 and list(size) == [height, width]):
            raise GeometryError(f"RLE size {size!r} does not match the image ({height} x {width})")
        counts = segmentation["counts"]
        if not isinstance(counts, str | list) or (isinstance(counts, list) and not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts)):
            raise GeometryError("RLE counts must be a string or a list of non-negative whole numbers")
        if isinstance(counts, list) and sum(counts) != height * width:
            raise GeometryError(f"RLE counts cover {sum(counts)} pixels, not the image's {height * width}")
        try:
            mask = masks.decode(segmentation)
        except (ValueError, TypeError, OSError) as exc:  # pragma: no cover - pycocotools' own complaint
            raise GeometryError(f"RLE cannot be decoded: {exc}") from exc
        return mask_to_parts(mask)
    raise GeometryError("segmentation must be a list of polygons or an RLE object with 'size' and 'counts'")
