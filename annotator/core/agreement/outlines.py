"""What the analysis takes in (people's outlines, ground-truth objects) and the small helpers its parts share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from annotator.core import masks

MATCH_IOU = 0.5  # two outlines of one object, or an outline and a ground-truth object, overlap this much
ROUND = 3  # decimals of the IoUs and shares reported


@dataclass(frozen=True)
class Outline:
    """One person's outline of something on the image: an annotation as the analysis needs it."""

    id: int  # the annotation's id; also its drawing order (later ids were made later)
    person: str  # whose: the person's id as reported (a pseudonym)
    category_id: int
    rle: masks.RLE  # compressed COCO RLE of the image's size


@dataclass(frozen=True)
class TruthObject:
    """One ground-truth object; its class by name (ground truth has its own category ids)."""

    id: int
    category: str
    rle: masks.RLE


@dataclass
class MeasuredOutline:
    """An outline with what matching needs precomputed."""

    outline: Outline
    area: int
    box: tuple[float, float, float, float]  # x0, y0, x1, y1


def measured(outline: Outline) -> MeasuredOutline:
    x, y, w, h = masks.bbox(outline.rle)
    return MeasuredOutline(outline, masks.area(outline.rle), (x, y, x + w, y + h))


def boxes_touch(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def round_figure(value: float | None) -> float | None:
    return None if value is None else round(float(value), ROUND)


def mean_figure(values: Sequence[float]) -> float | None:
    return round_figure(sum(values) / len(values)) if values else None


def namer(categories: dict[int, str]) -> Callable[[int], str]:
    def name(category_id: int) -> str:
        return categories.get(category_id, f"class {category_id}")
    return name
