"""COCO datasets from plain records: annotations, the export report, streamed JSON text. No Flask, no database.

Ids are the database ids, so an image, category or annotation keeps its id across exports. Everything
an export cannot carry as asked (a hole in polygon mode, a repair made at save time, an empty mask)
becomes a `Note` in the export's report instead of being lost silently.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from annotator.core import geometry, labour_file, masks
from annotator.version import __version__

SEGMENTATION_MODES = ("polygon", "rle")
LATEST_IOU = 0.5  # two outlines of one class this much alike are taken for the same object


@dataclass(frozen=True)
class Note:
    """One thing an export could not carry as asked, about one annotation or one image."""

    message: str
    annotation_id: int | None = None
    image_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        key, value = ("annotation_id", self.annotation_id) if self.annotation_id is not None else (
            "image_id", self.image_id)
        return {key: value, "message": self.message}

    def __str__(self) -> str:
        if self.annotation_id is not None:
            return f"annotation {self.annotation_id}: {self.message}"
        return f"image {self.image_id}: {self.message}" if self.image_id is not None else self.message


def coco_info(description: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"description": description, "version": __version__, "year": now.year, "contributor": "annotator",
            "url": "", "date_created": now.isoformat(timespec="seconds"), **(extra or {})}


def pseudonym(public_id: str) -> str:
    """How an annotator appears in exports: stable, but not their name."""
    return "annotator-" + public_id[:8]


def vertex_count(parts: Sequence[dict[str, Any]]) -> int:
    return sum(len(part.get("points") or ()) // 2 for part in parts)


def hole_count(parts: Sequence[dict[str, Any]]) -> int:
    return sum(1 for part in parts if part.get("hole"))


def annotation_segmentation(parts: list[dict[str, Any]], rle_counts: str | None, height: int, width: int,
                            mode: str = "polygon") -> list[list[float]] | dict[str, Any]:
    """Polygons when asked for and every part is an outer ring; otherwise the full-image RLE mask.

    COCO polygons have no holes (a list of polygons is their union), so a holed annotation is written
    as RLE even in polygon mode: filling the hole, as other tools do on export, would change the mask."""
    if mode == "rle" or hole_count(parts):
        return {"size": [height, width], "counts": rle_counts if rle_counts is not None
                else annotation_rle(parts, None, height, width)["counts"]}
    return [list(part["points"]) for part in parts]


def annotation_rle(parts: list[dict[str, Any]], rle_counts: str | None, height: int, width: int) -> masks.RLE:
    """The stored mask, or (for a row saved without one) the mask of its parts. Raises ValueError."""
    if rle_counts is not None:
        return {"size": [height, width], "counts": rle_counts}
    return geometry.mask_of_parts([geometry.Part(tuple(part["points"]), bool(part.get("hole"))) for part in parts],
                                  width, height)


def coco_annotation(record: dict[str, Any], height: int, width: int,
                    mode: str = "polygon") -> tuple[dict[str, Any] | None, list[Note]]:
    """One COCO annotation from a stored record, and the notes about what it could not carry.

    `record` has id, image_id, category_id, parts, rle_counts, iscrowd, attributes, and optionally
    `annotator` (the Annotator's public_id; None for imported work) and `labour` (ledger events, when
    asked for). Returns None for the annotation when it cannot be written (an empty mask): the note says so.
    `area` and `bbox` are computed from the mask, as pycocotools computes them."""
    annotation_id = record["id"]
    parts = record["parts"] or []
    try:
        rle = annotation_rle(parts, record.get("rle_counts"), height, width)
        area = masks.area(rle)
    except (ValueError, TypeError, KeyError) as exc:  # a row no save path would have written; say so
        return None, [Note(f"outline cannot be turned into a mask ({exc}): skipped", annotation_id)]
    if area == 0:
        return None, [Note("empty mask (no pixel inside the image): skipped; COCO tools cannot use it",
                           annotation_id)]
    notes: list[Note] = []
    stored = dict(record.get("attributes") or {})
    repaired_when = "imported" if stored.get("source") == "import" else "saved"
    notes.extend(Note(f"repaired when {repaired_when}: {message}", annotation_id)
                 for message in stored.get("repairs") or ())
    holes = hole_count(parts)
    if mode == "rle":
        segmentation: Any = rle
    elif holes:
        segmentation = rle
        notes.append(Note(f"has {holes} hole(s), which COCO polygons cannot carry: its segmentation is written "
                          "as RLE so the mask stays right", annotation_id))
    else:
        segmentation = [part["points"] for part in parts]
    stored.pop("labour", None)  # only the ledger read now, and only when asked for
    stored.pop("timings", None)
    stored.pop("annotator", None)  # only ever the pseudonym, and none for imported work
    attributes = {**({"annotator": pseudonym(record["annotator"])} if record.get("annotator") else {}),
                  **stored, "vertex_count": vertex_count(parts)}
    if record.get("timings") is not None:
        attributes["timings"] = record["timings"]
    if record.get("labour") is not None:
        attributes["labour"] = record["labour"]
    return {
        "id": annotation_id,
        "image_id": record["image_id"],
        "category_id": record["category_id"],
        "segmentation": segmentation,
        "area": float(area),
        "bbox": masks.bbox(rle),
        "iscrowd": int(bool(record.get("iscrowd"))),
        "attributes": attributes,
    }, notes


# --- whose work: the latest outline of each object ------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An annotation as `latest_per_object` sees it. `updated` is any comparable time."""

    id: int
    category_id: int
    annotator: int | None
    updated: Any
    rle: masks.RLE


def latest_per_object(candidates: Iterable[Candidate], threshold: float = LATEST_IOU) -> set[int]:
    """Ids to keep when several people outlined the same objects on one image: per object, the most
    recently updated outline.

    Greedy, newest first: each outline joins the kept object of its class it overlaps most (mask IoU >=
    `threshold`), else it starts a new object. An object takes at most one outline per annotator, so two
    neighbouring objects one person drew stay two objects even if both overlap a third person's outline.
    """
    by_category: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_category.setdefault(candidate.category_id, []).append(candidate)
    kept: set[int] = set()
    for group in by_category.values():
        group.sort(key=lambda c: (c.updated, c.id), reverse=True)
        objects: list[tuple[masks.RLE, set[int | None]]] = []
        for candidate in group:
            best, best_iou = None, threshold
            for index, (rle, annotators) in enumerate(objects):
                if candidate.annotator is not None and candidate.annotator in annotators:
                    continue
                overlap = masks.iou(candidate.rle, rle)
                if overlap >= best_iou:
                    best, best_iou = index, overlap
            if best is None:
                objects.append((candidate.rle, {candidate.annotator}))
                kept.add(candidate.id)
            else:
                objects[best][1].add(candidate.annotator)
    return kept


# --- the labour ledger -----------------------------------------------------------------------------------


def labour_ledger(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw ledger events of one annotation as `{session, seq, kind, t_ms, data?, received_ms}`, ordered by
    session, then seq.

    Sessions (editor page loads) come in the order the server first heard from them: their ids are
    random, and client times of two sessions do not compare. Events have session, seq, kind, t_ms, data and
    `received` (the server's receive time in epoch ms, or None where unknown), which the file keeps as
    `received_ms` so the figures can be recomputed from it (`annotator labour verify`)."""
    ledger = list(events)
    first_heard: dict[str, float] = {}
    for event in ledger:
        received = event["received"] if event.get("received") is not None else math.inf
        first_heard[event["session"]] = min(first_heard.get(event["session"], math.inf), received)
    ledger.sort(key=lambda e: (first_heard[e["session"]], e["session"], e["seq"]))
    return [labour_file.event_entry(e["session"], e["seq"], e["kind"], e["t_ms"], e.get("data"), e.get("received"))
            for e in ledger]


# --- file names --------------------------------------------------------------------------------------------


def archive_name(name: str) -> str:
    """A relative path safe inside a ZIP or an output folder: no absolute paths, `.` or `..` parts."""
    pieces = [piece for piece in name.replace("\\", "/").split("/") if piece not in ("", ".", "..")]
    return "/".join(pieces) or "unnamed"


class FileNamer:
    """Hands out file names no earlier one shares, ignoring case (`photo.jpg`, `photo-2.jpg`, ...).

    Two uploads may carry the same name with different content; in a ZIP they must not overwrite.
    Deterministic: the same names in the same order get the same results."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def name(self, file_name: str) -> str:
        name = archive_name(file_name)
        stem, dot, suffix = name.rpartition(".")
        if not dot or "/" in suffix:
            stem, dot, suffix = name, "", ""
        candidate, counter = name, 1
        while candidate.casefold() in self._taken:
            counter += 1
            candidate = f"{stem}-{counter}{dot}{suffix}"
        self._taken.add(candidate.casefold())
        return candidate


def unique_file_names(images: Iterable[dict[str, Any]]) -> dict[int, str]:
    """Image id -> a file name no other image in the export shares, in the order given."""
    namer = FileNamer()
    return {image["id"]: namer.name(image["file_name"]) for image in images}


# --- the document, as streamed text ---------------------------------------------------------------------


def image_entry(image_id: int, file_name: str, width: int, height: int) -> dict[str, Any]:
    return {"id": image_id, "file_name": file_name, "width": width, "height": height}


def category_entry(category: dict[str, Any]) -> dict[str, Any]:
    return {"id": category["id"], "name": category["name"], "supercategory": category["supercategory"]}


def json_chunks(images: Iterable[Sequence[dict[str, Any]]], categories: Sequence[dict[str, Any]],
                annotations: Iterable[Sequence[dict[str, Any]]],
                finish: Callable[[], tuple[dict[str, Any], list[Note]]]) -> Iterator[str]:
    """A COCO instance file as text chunks, one per batch: nothing holds the whole document.

    `images` and `annotations` are iterables of batches of COCO entries. One entry per line, so two
    exports diff cleanly. `info` and the top-level `report` come last (JSON key order means nothing to
    COCO readers), because only then is the report complete: `finish()` is called after the last batch."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    yield '{"images": ['
    first = True
    for batch in images:
        if batch:
            yield ("\n" if first else ",\n") + ",\n".join(map(dumps, batch))
            first = False
    yield '\n],\n"categories": [\n' + ",\n".join(dumps(category_entry(c)) for c in categories)
    yield '\n],\n"annotations": ['
    first = True
    for batch in annotations:
        if batch:
            yield ("\n" if first else ",\n") + ",\n".join(map(dumps, batch))
            first = False
    info, notes = finish()
    report = [note.to_dict() for note in notes]
    yield ('\n],\n"licenses": [],\n"info": ' + dumps({**info, "report": report}) + ',\n"report": [\n'
           + ",\n".join(map(dumps, report)) + "\n]}\n")
