"""Ground truth: each person's outlines matched one-to-one to ground-truth objects, and the objects a COCO
file holds for an image."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from annotator.core import masks
from annotator.core.agreement.outlines import MeasuredOutline, TruthObject, boxes_touch, mean_figure, round_figure


def score_truth(shapes: Sequence[MeasuredOutline], people: Sequence[str], truth: Sequence[TruthObject],
                 name: Callable[[int], str], match_iou: float) -> dict[str, Any]:
    """Each person's outlines matched one-to-one to ground-truth objects (see the package's docstring)."""
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
            near = [k for k, box in enumerate(gt_boxes) if boxes_touch(box, shape.box)]
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
                     "iou": round_figure(value)}
            matches.append(match)
            found.append((match, gt[k][1]))
            found_by[obj.id].append(value)
        people_rows.append({
            "person": person, "outlines": len(mine), "matched": len(found),
            "class_matches": sum(1 for m, _a in found if m["class_match"]),
            "unmatched_outlines": len(mine) - len(found),
            "missed": len(gt) - len(found),
            "mean_iou": mean_figure([m["iou"] for m, _a in found]),
            "coverage": round_figure(len(found) / len(gt)) if gt else None,
            "area_coverage": round_figure(sum(a for _m, a in found) / total_area) if gt else None,
        })
    matches.sort(key=lambda m: (m["gt"], people.index(m["person"])))
    return {
        "objects": [{"id": t.id, "category": t.category, "area": a, "bbox": b, "found_by": len(found_by[t.id]),
                     "mean_iou": mean_figure(found_by[t.id])} for t, a, b in gt],
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
