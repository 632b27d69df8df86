"""Agreement between people who labelled the same image. Pure: numpy and `masks` (pycocotools), no Flask
or database: the shell hands in plain outlines and gets plain, JSON-ready figures back.

**Objects.** Everyone's outlines of one image are grouped into objects ("the second car from the left"):
outlines are taken largest first (ties by annotation id); each joins the existing object whose *seed* (its
first, largest member) it overlaps with the highest mask IoU, provided that IoU is at least `MATCH_IOU` and
the object has no outline from the same person yet; otherwise it starts an object of its own. Classes play no
part in the matching, so "rider" and "person" drawn round the same cyclist land in one object and show up as
a confusion. Comparing with the seed only (not with every member) keeps the rule order-free within a size
and cheap: an outline is compared with seeds whose boxes it touches.

**Per object**: the class each person gave, the IoU of every two members' masks, and the people who have
no outline in it (`missing`). A missing person is a miss, never a silent IoU of 0 in the average: the
object's `mean_iou` is over the pairs who both outlined it, and the misses are listed beside it (in the CSV
such a pair is a row with IoU 0 and the missing side's class empty).

**Between two people**: the mean IoU over the objects both outlined, how many those are, and how many only
one of them outlined.

**Class confusions**: for each object, every two members who gave different classes count once for that
(unordered) pair of classes.

**Per pixel**: each person's outlines are painted into a class map in the order they were made, a later one
over an earlier one (as the semantic label maps are); then each pixel has the number of people who labelled
it, how many gave each class, the number of distinct classes, and the majority's share of the labellers.

**Ground truth** (the sample scenes ship it): each person's outlines are matched one-to-one to ground-truth
objects, greedily by IoU (highest first, at least `MATCH_IOU`, whatever the classes), and each match says
whether the classes agree. Ground truth outlines every small sign and pole; people outline a few objects, so
a person's figures are the outlines that match, their mean IoU, and coverage (ground-truth objects matched,
by count and by area).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image as PILImage

from annotator.core import masks
from annotator.core.csv_cells import formula_safe

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
class _Shape:
    """An outline with what matching needs precomputed."""

    outline: Outline
    area: int
    box: tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass
class _Object:
    seed: _Shape
    members: dict[str, _Shape] = field(default_factory=dict)


def _shape(outline: Outline) -> _Shape:
    x, y, w, h = masks.bbox(outline.rle)
    return _Shape(outline, masks.area(outline.rle), (x, y, x + w, y + h))


def _touch(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), ROUND)


def _mean(values: Sequence[float]) -> float | None:
    return _round(sum(values) / len(values)) if values else None


# --- objects ---------------------------------------------------------------------------------------


def group_objects(outlines: Iterable[Outline], match_iou: float = MATCH_IOU) -> list[list[Outline]]:
    """Everyone's outlines grouped into objects by the rule in the module's docstring; each object's
    outlines seed first, the objects in the order they were started (largest seed first)."""
    return [[member.outline for member in obj.members.values()] for obj in _group(
        [_shape(o) for o in outlines], match_iou)]


def _group(shapes: list[_Shape], match_iou: float) -> list[_Object]:
    objects: list[_Object] = []
    for shape in sorted(shapes, key=lambda s: (-s.area, s.outline.id)):
        person = shape.outline.person
        candidates = [obj for obj in objects if person not in obj.members and _touch(obj.seed.box, shape.box)]
        best: _Object | None = None
        if candidates:
            ious = masks.iou_matrix([shape.outline.rle], [obj.seed.outline.rle for obj in candidates])[0]
            index = int(np.argmax(ious))  # the first of equals: the earlier (larger) seed
            if ious[index] >= match_iou:
                best = candidates[index]
        if best is None:
            best = _Object(seed=shape)
            objects.append(best)
        best.members[person] = shape
    return objects


# --- the report ------------------------------------------------------------------------------------


def analyse(outlines: Sequence[Outline], people: Sequence[str], categories: dict[int, str],
            truth: Sequence[TruthObject] | None = None, match_iou: float = MATCH_IOU) -> dict[str, Any]:
    """The agreement figures of one image as plain data.

    `people`: everyone to report, in the order to report them (join order); outlines of anyone else are
    ignored. `categories`: class names by id. `truth`: the image's ground truth, or None where there is none.
    """
    order = {person: index for index, person in enumerate(people)}
    shapes = [_shape(o) for o in outlines if o.person in order]
    objects = _group(shapes, match_iou)
    name = _namer(categories)

    reported_objects = []
    pair_ious: dict[tuple[str, str], list[float]] = defaultdict(list)
    pair_alone: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    confused_objects: dict[tuple[str, str], set[int]] = defaultdict(set)
    for number, obj in enumerate(objects, start=1):
        members = sorted(obj.members.values(), key=lambda s: order[s.outline.person])
        who = [m.outline.person for m in members]
        given = [name(m.outline.category_id) for m in members]
        matrix = masks.iou_matrix([m.outline.rle for m in members], [m.outline.rle for m in members])
        pair_values = []
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                value = float(matrix[i, j])
                pair_values.append(value)
                pair_ious[(who[i], who[j])].append(value)
                if given[i] != given[j]:
                    key = (min(given[i], given[j]), max(given[i], given[j]))
                    confusions[key] += 1
                    confused_objects[key].add(number)
        present = set(who)
        missing = [person for person in people if person not in present]
        for person in who:
            for other in missing:
                a, b = sorted((person, other), key=order.__getitem__)
                pair_alone[(a, b)][0 if a == person else 1] += 1
        classes = Counter(given)
        rounded = [[None if i == j else _round(matrix[i, j]) for j in range(len(members))]
                   for i in range(len(members))]
        x0, y0, x1, y1 = obj.seed.box
        reported_objects.append({
            "id": number,
            "category": _majority(classes, name(obj.seed.outline.category_id)),
            "classes": [{"category": c, "count": n} for c, n in _by_count(classes)],
            "agreed_class": len(classes) == 1,
            "bbox": [x0, y0, x1 - x0, y1 - y0],
            "members": [{"person": m.outline.person, "annotation": m.outline.id,
                         "category_id": m.outline.category_id, "category": given[i], "area": m.area,
                         "mean_iou": _mean([float(matrix[i, j]) for j in range(len(members)) if j != i])}
                        for i, m in enumerate(members)],
            "missing": missing,
            "mean_iou": _mean(pair_values),
            "min_iou": _round(min(pair_values)) if pair_values else None,
            # Member i's IoU with member j (the order of `members`; None on the diagonal).
            "iou_matrix": rounded,
        })

    pairwise = []
    for i, a in enumerate(people):
        for b in people[i + 1:]:
            both = pair_ious.get((a, b), [])
            only_a, only_b = pair_alone.get((a, b), [0, 0])
            pairwise.append({"a": a, "b": b, "objects_both": len(both), "only_a": only_a, "only_b": only_b,
                             "mean_iou": _mean(both)})

    per_person = Counter(s.outline.person for s in shapes)
    return {
        "match_iou": match_iou,
        "people": [{"id": person, "outlines": per_person.get(person, 0),
                    "objects": sum(1 for obj in objects if person in obj.members)} for person in people],
        "objects": reported_objects,
        "pairwise": pairwise,
        "confusions": [{"a": a, "b": b, "count": n, "objects": sorted(confused_objects[(a, b)])}
                       for (a, b), n in sorted(confusions.items(), key=lambda item: (-item[1], item[0]))],
        "ground_truth": None if truth is None else _score_truth(shapes, people, truth, name, match_iou),
    }


def _namer(categories: dict[int, str]) -> Callable[[int], str]:
    def name(category_id: int) -> str:
        return categories.get(category_id, f"class {category_id}")
    return name


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _majority(counts: Counter[str], seed_class: str) -> str:
    """The most given class; a tie goes to the seed's class if it is among the tied, else by name."""
    top = max(counts.values())
    tied = sorted(c for c, n in counts.items() if n == top)
    return seed_class if seed_class in tied else tied[0]


# --- ground truth ----------------------------------------------------------------------------------


def _score_truth(shapes: Sequence[_Shape], people: Sequence[str], truth: Sequence[TruthObject],
                 name: Callable[[int], str], match_iou: float) -> dict[str, Any]:
    """Each person's outlines matched one-to-one to ground-truth objects (see the module docstring)."""
    gt = [(t, masks.area(t.rle), masks.bbox(t.rle)) for t in truth]
    gt_boxes = [(x, y, x + w, y + h) for _t, _a, (x, y, w, h) in gt]
    total_area = sum(a for _t, a, _b in gt) or 1
    matches = []
    found_by: dict[int, list[float]] = defaultdict(list)
    people_rows = []
    for person in people:
        mine = [s for s in shapes if s.outline.person == person]
        candidates = []
        for shape in mine:
            near = [k for k, box in enumerate(gt_boxes) if _touch(box, shape.box)]
            if not near:
                continue
            ious = masks.iou_matrix([shape.outline.rle], [gt[k][0].rle for k in near])[0]
            candidates += [(float(v), gt[k][0].id, shape.outline.id, k, shape)
                           for k, v in zip(near, ious, strict=True) if v >= match_iou]
        used_gt: set[int] = set()
        used_outline: set[int] = set()
        found = []
        for value, _gt_id, outline_id, k, shape in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
            if k in used_gt or outline_id in used_outline:
                continue
            used_gt.add(k)
            used_outline.add(outline_id)
            obj = gt[k][0]
            given = name(shape.outline.category_id)
            match = {"gt": obj.id, "gt_category": obj.category, "person": person, "annotation": outline_id,
                     "category": given, "class_match": given.casefold() == obj.category.casefold(),
                     "iou": _round(value)}
            matches.append(match)
            found.append((match, gt[k][1]))
            found_by[obj.id].append(value)
        people_rows.append({
            "person": person, "outlines": len(mine), "matched": len(found),
            "class_matches": sum(1 for m, _a in found if m["class_match"]),
            "unmatched_outlines": len(mine) - len(found),
            "missed": len(gt) - len(found),
            "mean_iou": _mean([m["iou"] for m, _a in found]),
            "coverage": _round(len(found) / len(gt)) if gt else None,
            "area_coverage": _round(sum(a for _m, a in found) / total_area) if gt else None,
        })
    matches.sort(key=lambda m: (m["gt"], people.index(m["person"])))
    return {
        "objects": [{"id": t.id, "category": t.category, "area": a, "bbox": b, "found_by": len(found_by[t.id]),
                     "mean_iou": _mean(found_by[t.id])} for t, a, b in gt],
        "people": people_rows,
        "matches": matches,
    }


def truth_for_image(coco: dict[str, Any], file_name: str, width: int, height: int) -> list[TruthObject] | None:
    """The ground-truth objects a COCO file holds for the image named `file_name` of this size, as
    masks; None if the file does not describe this image (absent, or another size)."""
    image = next((i for i in coco.get("images", []) if i.get("file_name") == file_name), None)
    if image is None or (image.get("width"), image.get("height")) != (width, height):
        return None
    names = {c["id"]: c["name"] for c in coco.get("categories", [])}
    found = []
    for entry in coco.get("annotations", []):
        if entry.get("image_id") != image["id"]:
            continue
        segmentation = entry["segmentation"]
        if isinstance(segmentation, dict):
            rle = masks.to_compressed(segmentation)
        else:
            rle = masks.polygons_to_rle([p for p in segmentation if len(p) >= 6], height, width)
        found.append(TruthObject(id=int(entry["id"]), category=names.get(entry["category_id"], "unknown"),
                                 rle=rle))
    return found


# --- per pixel -------------------------------------------------------------------------------------


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
                "mean_majority_share": _round(float(shares.mean())) if count else None}


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


def class_maps(outlines: Iterable[Outline], width: int, height: int) -> dict[str, np.ndarray]:
    """Each person's class map (height x width, category id, 0 where unlabelled), outlines painted in the
    order they were made (annotation id), a later one over an earlier one."""
    return {person: _as_image(flat, width, height)
            for person, flat in _person_flats(outlines, width * height).items()}


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
    name = _namer(categories)
    counts = Counter(given.values())
    people = {person for person in (o.person for o in outlines)}
    return {"x": x, "y": y, "people": len(people), "labelled": len(given), "unlabelled": len(people) - len(given),
            "classes": [{"category_id": c, "category": name(c), "count": n,
                         "people": [p for p, given_class in given.items() if given_class == c]}
                        for c, n in sorted(counts.items(), key=lambda item: (-item[1], name(item[0])))]}


# --- CSV -------------------------------------------------------------------------------------------

CSV_COLUMNS = ("image_id", "kind", "object", "person_a", "name_a", "person_b", "name_b", "class_a", "class_b",
               "iou")
GROUND_TRUTH = "ground truth"


def csv_rows(image_id: int, report: dict[str, Any], labels: dict[str, str]) -> Iterator[list[Any]]:
    """One row per object per pair of people (kind "pair"; IoU 0 and an empty class where one of them has no
    outline in it), then, where there is ground truth, one row per ground-truth object per person (kind
    "ground_truth", object "gt-<id>", person_b "ground truth"; IoU 0 and an empty class_a where the person
    did not outline it). People by id, with `labels[id]` (how the asker may name them) beside."""
    people = [p["id"] for p in report["people"]]

    def pair(obj: int, a: str, b: str, class_a: str, class_b: str, iou: float | None) -> list[Any]:
        return [image_id, "pair", obj, a, labels[a], b, labels[b], class_a, class_b, iou]

    for obj in report["objects"]:
        members = obj["members"]
        for i, first in enumerate(members):
            for j in range(i + 1, len(members)):
                yield pair(obj["id"], first["person"], members[j]["person"], first["category"],
                           members[j]["category"], obj["iou_matrix"][i][j])
        given = {m["person"]: m["category"] for m in members}
        for member in members:
            for other in obj["missing"]:
                a, b = sorted((member["person"], other), key=people.index)
                yield pair(obj["id"], a, b, given.get(a, ""), given.get(b, ""), 0.0)
    truth = report.get("ground_truth")
    if not truth:
        return
    found = {(m["gt"], m["person"]): m for m in truth["matches"]}
    for obj in truth["objects"]:
        for person in people:
            match = found.get((obj["id"], person))
            yield [image_id, "ground_truth", f"gt-{obj['id']}", person, labels[person], GROUND_TRUTH, "",
                   match["category"] if match else "", obj["category"], match["iou"] if match else 0.0]


def csv_text(rows: Iterable[Sequence[Any]], header: bool = True) -> Iterator[str]:
    """Rows as CSV lines, cells that a spreadsheet would run as formulas made text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([formula_safe(value) for value in row])
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
