"""Per pixel: each person's class map, the disagreement map and its colours, and who gave one pixel which class.
The masks' runs are read with numpy, touching only their pixels."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PILImage

from annotator.core import masks
from annotator.core.agreement.outlines import Outline, namer, round_figure


def _runs(rle: masks.RLE) -> np.ndarray:
    """The run lengths of a compressed RLE (off, on, off, ...), decoded with numpy: `masks._runs` does the
    same one character at a time, which for 1,800 outlines is most of a second."""
    codes = np.frombuffer(masks.to_compressed(rle)["counts"].encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    last = np.flatnonzero((codes & 0x20) == 0)  # the last character of each number
    first = np.concatenate(([0], last[:-1] + 1))
    lengths = last - first + 1
    position = np.arange(codes.size) - np.repeat(first, lengths)
    values = np.add.reduceat((codes & 0x1F) << (5 * position), first)
    negative = (codes[last] & 0x10) != 0
    values[negative] -= np.left_shift(1, 5 * lengths[negative])
    # From the fourth number on, each is the difference from the one two before it.
    runs = values.copy()
    runs[1::2] = np.cumsum(values[1::2])
    runs[2::2] = np.cumsum(values[2::2])
    return runs


def _on_ranges(rle: masks.RLE) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of set pixels, in column-major order (COCO's)."""
    bounds = np.cumsum(_runs(rle))
    return bounds[0::2][: len(bounds) // 2], bounds[1::2]


def _paint(flat: np.ndarray, rle: masks.RLE, value: int) -> None:
    """Set the mask's pixels of a column-major flat array to `value`: one slice per run for a few runs, an
    index array for many (both touch only the mask's pixels, not the whole image as decoding does)."""
    starts, ends = _on_ranges(rle)
    if len(starts) <= 64:
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            flat[start:end] = value
        return
    lengths = ends - starts
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    flat[np.arange(int(lengths.sum())) + offsets] = value


@dataclass(frozen=True)
class PixelAgreement:
    """Per pixel (height x width arrays): how many people labelled it, the count of the most given class,
    and how many distinct classes were given; `people` is how many people took part."""

    labelled: np.ndarray
    top: np.ndarray
    distinct: np.ndarray
    people: int

    def summary(self) -> dict[str, Any]:
        """How much of the labelled image everyone agreed on."""
        labelled = self.labelled > 0
        count = int(labelled.sum())
        agreed = int((labelled & (self.distinct == 1)).sum())
        shares = self.top[labelled] / self.labelled[labelled]
        return {"people": self.people, "pixels": int(self.labelled.size), "labelled": count,
                "one_class": agreed, "several_classes": count - agreed,
                "mean_majority_share": round_figure(float(shares.mean())) if count else None}


def _person_flats(outlines: Iterable[Outline], size: int) -> dict[str, np.ndarray]:
    """Each person's class ids, column-major flat, outlines painted in the order they were made."""
    flats: dict[str, np.ndarray] = {}
    for outline in sorted(outlines, key=lambda o: o.id):
        flat = flats.get(outline.person)
        if flat is None:
            flat = flats[outline.person] = np.zeros(size, dtype=np.int32)
        _paint(flat, outline.rle, outline.category_id)
    return flats


def _as_image(flat: np.ndarray, width: int, height: int) -> np.ndarray:
    """A column-major flat array (COCO's pixel order) as height x width."""
    return flat.reshape(width, height).T


def pixel_agreement(outlines: Sequence[Outline], width: int, height: int) -> PixelAgreement:
    """The per-pixel figures behind the disagreement map."""
    people = _person_flats(outlines, width * height)
    classes = sorted({o.category_id for o in outlines})
    count_type = np.uint8 if len(people) < 256 else np.uint16
    counts = np.zeros((len(classes), width * height), dtype=count_type)
    given: dict[str, set[int]] = defaultdict(set)
    for outline in outlines:
        given[outline.person].add(outline.category_id)
    for person, flat in people.items():
        for k, category_id in enumerate(classes):
            if category_id in given[person]:  # (np.unique would cost 6 ms a person)
                counts[k] += flat == category_id
    if classes:
        labelled = counts.sum(axis=0, dtype=np.uint16)
        top = counts.max(axis=0).astype(np.uint16)
        distinct = (counts > 0).sum(axis=0, dtype=np.uint16)
    else:
        labelled = top = distinct = np.zeros(width * height, dtype=np.uint16)
    return PixelAgreement(_as_image(labelled, width, height), _as_image(top, width, height),
                          _as_image(distinct, width, height), len(people))


GREEN, AMBER, RED = np.array([22, 163, 74]), np.array([245, 158, 11]), np.array([220, 38, 38])


def heat_rgba(agreement: PixelAgreement) -> np.ndarray:
    """The disagreement map as colours (height x width x 4): transparent where nobody labelled; green where
    everyone who labelled a pixel gave one class, through amber to red where the majority is half or less;
    more opaque the more of the people labelled the pixel."""
    labelled = agreement.labelled.astype(np.float64)
    some = labelled > 0
    share = np.where(some, agreement.top / np.maximum(labelled, 1), 1.0)
    t = np.clip((1.0 - share) / 0.5, 0.0, 1.0)[..., None]  # 0 all agree .. 1 the majority is half or less
    low = GREEN + (AMBER - GREEN) * np.minimum(t * 2, 1.0)
    colour = np.where(t <= 0.5, low, AMBER + (RED - AMBER) * (t * 2 - 1.0))
    people = max(agreement.people, 1)
    alpha = np.where(some, 90 + 130 * labelled / people, 0)
    rgba = np.empty((*agreement.labelled.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.rint(colour).astype(np.uint8)
    rgba[..., 3] = np.rint(alpha).astype(np.uint8)
    return rgba


def png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _covers(rle: masks.RLE, x: int, y: int) -> bool:
    height = int(rle["size"][0])
    index = x * height + y  # column-major, as COCO runs count
    bounds = np.cumsum(_runs(rle))
    # Runs alternate off, on: the pixel is set if an odd number of boundaries lie at or before it.
    return bool(np.searchsorted(bounds, index, side="right") % 2)


def pixel_classes(outlines: Sequence[Outline], categories: dict[int, str], x: int, y: int) -> dict[str, Any]:
    """Who gave pixel (x, y) which class: each person's topmost outline there, counted per class."""
    given: dict[str, int] = {}
    for outline in sorted(outlines, key=lambda o: o.id):
        bx, by, bw, bh = masks.bbox(outline.rle)
        if bx <= x < bx + bw and by <= y < by + bh and _covers(outline.rle, x, y):
            given[outline.person] = outline.category_id  # a later outline is drawn over an earlier one
    name = namer(categories)
    counts = Counter(given.values())
    people = {person for person in (o.person for o in outlines)}
    return {"x": x, "y": y, "people": len(people), "labelled": len(given), "unlabelled": len(people) - len(given),
            "classes": [{"category_id": c, "category": name(c), "count": n,
                         "people": [p for p, given_class in given.items() if given_class == c]}
                        for c, n in sorted(counts.items(), key=lambda item: (-item[1], name(item[0])))]}
