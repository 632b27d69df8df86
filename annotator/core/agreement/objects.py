"""The agreement report of one image: outlines grouped into objects, per object and between two people,
class confusions, and the ground-truth scores beside them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.core import masks
from annotator.core.agreement.outlines import (
    MATCH_IOU,
    MeasuredOutline,
    Outline,
    TruthObject,
    boxes_touch,
    mean_figure,
    measured,
    namer,
    round_figure,
)
from annotator.core.agreement.truth import score_truth


@dataclass
class _Object:
    seed: MeasuredOutline
    members: dict[str, MeasuredOutline] = field(default_factory=dict)


def _group(shapes: list[MeasuredOutline], match_iou: float) -> list[_Object]:
    """Everyone's outlines grouped into objects by the rule in the package's docstring, the objects in the order
    they were started (largest seed first)."""
    objects: list[_Object] = []
    for shape in sorted(shapes, key=lambda s: (-s.area, s.outline.id)):
        person = shape.outline.person
        candidates = [obj for obj in objects if person not in obj.members and boxes_touch(obj.seed.box, shape.box)]
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


def analyse(outlines: Sequence[Outline], people: Sequence[str], categories: dict[int, str],
            truth: Sequence[TruthObject] | None = None, match_iou: float = MATCH_IOU) -> dict[str, Any]:
    """The agreement figures of one image as plain data.

    `people`: everyone to report, in the order to report them (join order); outlines of anyone else are
    ignored. `categories`: class names by id. `truth`: the image's ground truth, or None where there is none.
    """
    order = {person: index for index, person in enumerate(people)}
    shapes = [measured(o) for o in outlines if o.person in order]
    objects = _group(shapes, match_iou)
    name = namer(categories)

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
        rounded = [[None if i == j else round_figure(matrix[i, j]) for j in range(len(members))]
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
                         "mean_iou": mean_figure([float(matrix[i, j]) for j in range(len(members)) if j != i])}
                        for i, m in enumerate(members)],
            "missing": missing,
            "mean_iou": mean_figure(pair_values),
            "min_iou": round_figure(min(pair_values)) if pair_values else None,
            # Member i's IoU with member j (the order of `members`; None on the diagonal).
            "iou_matrix": rounded,
        })

    pairwise = []
    for i, a in enumerate(people):
        for b in people[i + 1:]:
            both = pair_ious.get((a, b), [])
            only_a, only_b = pair_alone.get((a, b), [0, 0])
            pairwise.append({"a": a, "b": b, "objects_both": len(both), "only_a": only_a, "only_b": only_b,
                             "mean_iou": mean_figure(both)})

    per_person = Counter(s.outline.person for s in shapes)
    return {
        "match_iou": match_iou,
        "people": [{"id": person, "outlines": per_person.get(person, 0),
                    "objects": sum(1 for obj in objects if person in obj.members)} for person in people],
        "objects": reported_objects,
        "pairwise": pairwise,
        "confusions": [{"a": a, "b": b, "count": n, "objects": sorted(confused_objects[(a, b)])}
                       for (a, b), n in sorted(confusions.items(), key=lambda item: (-item[1], item[0]))],
        "ground_truth": None if truth is None else score_truth(shapes, people, truth, name, match_iou),
    }


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _majority(counts: Counter[str], seed_class: str) -> str:
    """The most given class; a tie goes to the seed's class if it is among the tied, else by name."""
    top = max(counts.values())
    tied = sorted(c for c, n in counts.items() if n == top)
    return seed_class if seed_class in tied else tied[0]
