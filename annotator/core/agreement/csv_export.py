"""The agreement report as CSV rows: one per object per pair of people, and per ground-truth object per person."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.core.csv_cells import formula_safe

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
