"""Polygon geometry for annotations: validate, repair, clip, mask. Plain data in and out.

An annotation is one or more *parts*, each a flat ring `[x1, y1, x2, y2, ...]` in image pixels
(pixel i spans [i, i+1), as in COCO), optionally marked as a hole. Its mask is the union of the outer
parts minus the union of the holes; area and bbox come from that mask, as COCO computes them.

Nothing is stored silently broken: a part with fewer than three distinct points or a non-finite number
is refused with a message naming it; self-intersections are repaired (shapely's make_valid, up to
MAX_CROSSINGS of them), points outside the image clipped, and slivers dropped, each repair described in
`Shape.repairs`; an outline whose mask would cover no pixel is refused.

No save may stall the server: points outside the image are clipped before anything costly, the work of
repairing and drawing the mask is bounded before it starts (MAX_EDGE_OVERLAPS, MAX_PERIMETER), and a CPU
budget is checked between steps. What is stored keeps MAX_VERTICES and MAX_PARTS, so it can be saved again.

The package, by what each part does: `parts` (parts, shapes, the limits, checking what is submitted),
`rings` (flat rings and the stored grid), `clipping` (to the image frame, in exact arithmetic where floats
overflow), `repair` (one ring: clip, bound, mend, drop slivers), `shapes` (the save path: parts to a Shape and
its mask) and `tracing` (masks back to editable parts, for imports of RLE).
"""

from annotator.core.geometry.parts import (
    CPU_BUDGET,
    DEFAULT_MIN_AREA,
    MAX_CROSSINGS,
    MAX_EDGE_OVERLAPS,
    MAX_PARTS,
    MAX_PERIMETER,
    MAX_VERTICES,
    Budget,
    GeometryError,
    Part,
    Shape,
    parse_parts,
)
from annotator.core.geometry.rings import COORDINATE_DECIMALS, GRID
from annotator.core.geometry.shapes import (
    SIMPLIFY_TOLERANCES,
    iou,
    mask_of_parts,
    shape_from_checked,
    shape_from_parts,
)
from annotator.core.geometry.tracing import TRACE_SIMPLIFY, mask_to_parts, segmentation_to_parts

__all__ = [
    "COORDINATE_DECIMALS",
    "CPU_BUDGET",
    "DEFAULT_MIN_AREA",
    "GRID",
    "MAX_CROSSINGS",
    "MAX_EDGE_OVERLAPS",
    "MAX_PARTS",
    "MAX_PERIMETER",
    "MAX_VERTICES",
    "SIMPLIFY_TOLERANCES",
    "TRACE_SIMPLIFY",
    "Budget",
    "GeometryError",
    "Part",
    "Shape",
    "iou",
    "mask_of_parts",
    "mask_to_parts",
    "parse_parts",
    "segmentation_to_parts",
    "shape_from_checked",
    "shape_from_parts",
]
