"""Agreement between people on one image, as stored: the image's live outlines, the people who drew them and the
classes, loaded as the pure `annotator.core.agreement` takes them, with each person named for the asker; and the
sample scenes' shipped ground truth.

Who appears how: the instructor (`asker` None) sees display names; a participant sees "You" for themselves,
"Instructor" for the instructor's own outlines and "Person N" for everyone else, N being the person's place in
the order people joined (the same on every image).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from annotator.core import agreement
from annotator.core.refused import Refused
from annotator.paths import shipped_dir
from annotator.store.annotations import pseudonym
from annotator.store.models import Annotation, Annotator, Category, Image, db


def library_image(image_id: int) -> Image:
    """The image, unless it is not (or no longer) in the library: then 404."""
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        raise Refused("", f"There is no image {image_id}.", 404, title="image not found")
    return image


def load(image_id: int, asker: Annotator | None) -> ImageOutlines:
    """One image's outlines, people and classes, people named for `asker` (None: the instructor); 404 if the
    image is not in the library."""
    return ImageOutlines(library_image(image_id), asker)


def outlined_image_ids() -> list[int]:
    """The images in the library that someone outlined (imported annotations have no author), by id."""
    return list(db.session.scalars(
        select(Image.id).where(Image.deleted.is_(False), Image.id.in_(
            select(Annotation.image_id).where(Annotation.deleted.is_(False), Annotation.annotator_id.is_not(None))))
        .order_by(Image.id)))


def _live(image_id: int) -> tuple[Any, ...]:
    """The image's live outlines by people. Imported annotations have no author: nobody's opinion, left out."""
    return (Annotation.image_id == image_id, Annotation.deleted.is_(False), Annotation.annotator_id.is_not(None),
            Annotation.rle_counts.is_not(None))


class ImageOutlines:
    """One image's outlines, people and classes as the pure core takes them."""

    def __init__(self, image: Image, asker: Annotator | None) -> None:
        rows = db.session.execute(
            select(Annotation.id, Annotation.annotator_id, Annotation.category_id, Annotation.rle_counts,
                   Annotation.version)
            .where(*_live(image.id)).order_by(Annotation.id)).all()
        authors = {row.annotator_id for row in rows}
        everyone = list(db.session.scalars(select(Annotator).order_by(Annotator.id)))
        self.image = image
        self.people = [person for person in everyone if person.id in authors]  # in join order
        key = {person.id: pseudonym(person) for person in self.people}
        size = [image.height, image.width]
        self.outlines = [agreement.Outline(row.id, key[row.annotator_id], row.category_id,
                                           {"size": size, "counts": row.rle_counts}) for row in rows]
        self.people_json = [_person(person, key[person.id], place, asker)
                            for place, person in enumerate(everyone, start=1) if person.id in authors]
        self.labels = {entry["id"]: entry["label"] for entry in self.people_json}
        self.categories = {c.id: c.name for c in db.session.scalars(select(Category))}
        self.fingerprint = hashlib.sha256(json.dumps(
            [image.id, [[r.id, r.version, r.annotator_id, r.category_id] for r in rows]]).encode()).hexdigest()[:32]

    def report(self, with_outlines: bool = False) -> dict[str, Any]:
        """The core's figures with people named for the asker; `with_outlines` adds each annotation's
        polygons (for drawing) as `outlines`."""
        truth = _ground_truth(self.image)
        report = agreement.analyse(self.outlines, [p["id"] for p in self.people_json], self.categories, truth)
        figures = {entry["id"]: entry for entry in report["people"]}
        report["people"] = [{**entry, **figures[entry["id"]]} for entry in self.people_json]
        report["image"] = {"id": self.image.id, "file_name": self.image.file_name, "width": self.image.width,
                           "height": self.image.height}
        if with_outlines:
            people = {o.id: o.person for o in self.outlines}
            report["outlines"] = [{"id": row.id, "person": people[row.id], "category_id": row.category_id,
                                   "parts": _for_drawing(row.parts)}
                                  for row in db.session.execute(select(Annotation.id, Annotation.category_id,
                                                                       Annotation.parts)
                                                                .where(*_live(self.image.id))
                                                                .order_by(Annotation.id)) if row.id in people]
        return report


def _for_drawing(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Polygons to a tenth of a pixel, enough to draw them: a 60-person room's JSON is a third the size."""
    return [{"points": np.round(np.asarray(part.get("points", []), dtype=np.float64), 1).tolist(),
             "hole": bool(part.get("hole"))} for part in parts or []]


def _person(person: Annotator, key: str, place: int, asker: Annotator | None) -> dict[str, Any]:
    """How the asker sees one person: names for the instructor only (text, shown with textContent)."""
    if asker is None:
        label = person.display_name
    elif person.id == asker.id:
        label = "You"
    elif person.role == "instructor":
        label = "Instructor"
    else:
        label = f"Person {place}"
    return {"id": key, "label": label, "name": person.display_name if asker is None else None,
            "you": asker is not None and person.id == asker.id}


# --- ground truth of the sample scenes -------------------------------------------------------------


def _ground_truth(image: Image) -> list[agreement.TruthObject] | None:
    """The shipped ground truth of a sample scene, matched by file name and size; None for other images."""
    if image.source != "sample":
        return None
    try:
        path = shipped_dir("sample_images") / "ground_truth.json"
        stamp = path.stat().st_mtime_ns
    except (FileNotFoundError, OSError):
        return None
    return _truth_objects(path, stamp, image.file_name, image.width, image.height)


@functools.lru_cache(maxsize=32)
def _truth_objects(path: Path, stamp: int, file_name: str, width: int,
                   height: int) -> list[agreement.TruthObject] | None:
    # A read-only file shipped with the app: caching it per process (keyed by its mtime) changes nothing
    # another process would see.
    return agreement.truth_for_image(_coco(path, stamp), file_name, width, height)


@functools.lru_cache(maxsize=2)
def _coco(path: Path, stamp: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
