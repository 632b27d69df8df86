"""COCO files into the database, all or nothing: match images, map categories, add annotations.

The shell around the pure `coco_import`: it reads and writes the library, in one transaction that is
committed only when every image, category and annotation of the file is in place, and rolled back on
any error, so a failed import leaves the database as it was (image files copied into the
content-addressed store stay there, unreferenced and harmless; a later import reuses them).

Imported annotations are marked as such (`attributes.source == "import"`, with the file name and the
id they had in the file) and belong to no annotator; no labour events are made, since no one here
drew them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from annotator.core import images
from annotator.core.coco_import import annotation_shape, base_name, category_colour
from annotator.core.refused import Refused
from annotator.core.schemas.coco import CocoFile, CocoImage
from annotator.store import library
from annotator.store.models import Annotation, Category, Image, db

MAX_REPAIRS_LISTED = 100  # in a summary; the count covers them all
MISMATCH = "the COCO file does not match the image library"  # a well-formed file that does not fit the library


def _mismatch(record: CocoImage, problem: str) -> Refused:
    return Refused(record.where, f"{record.where}: {problem}", 422, title=MISMATCH)


@dataclass
class ImportSummary:
    import_file: str
    images_matched: int = 0  # already in the library
    images_added: int = 0  # copied in from --images DIR
    categories_created: list[str] = field(default_factory=list)
    annotations_imported: int = 0
    repaired: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # (id in the file, repairs)

    @property
    def repairs(self) -> int:
        return sum(len(repairs) for _id, repairs in self.repaired)

    def to_dict(self) -> dict[str, Any]:
        return {"import_file": self.import_file, "images_matched": self.images_matched,
                "images_added": self.images_added, "categories_created": self.categories_created,
                "annotations_imported": self.annotations_imported, "repairs": self.repairs,
                "repaired_annotations": [{"original_id": original_id, "repairs": list(repairs)}
                                         for original_id, repairs in self.repaired[:MAX_REPAIRS_LISTED]]}


def import_coco(dataset: CocoFile, import_file: str, images_dir: Path | None = None,
                on_annotation: Callable[[], None] | None = None) -> ImportSummary:
    """Import a validated COCO file in one transaction; raises Refused (nothing imported): 422 for a file that
    does not fit the library or an outline that cannot be made, 409 when the library changed meanwhile.

    `images_dir` is where images missing from the library are looked for (by file_name, then by
    unique base name anywhere below it) and added from. `on_annotation` is called after each one.
    """
    summary = ImportSummary(import_file=import_file)
    try:
        matched = _match_images(dataset, images_dir, summary)
        categories = _map_categories(dataset, summary)
        sizes = {image.id: (image.width, image.height) for image in dataset.images}
        for record in dataset.annotations:
            width, height = sizes[record.image_id]
            shape = annotation_shape(record, width, height, min_area=library.settings()["MIN_PART_AREA"])
            attributes: dict[str, Any] = {"source": "import", "import_file": import_file, "original_id": record.id}
            if shape.repairs:
                attributes["repairs"] = list(shape.repairs)
                summary.repaired.append((record.id, shape.repairs))
            # Relationships rather than ids: new images and categories get theirs at the one flush,
            # so SQLite's write lock is held only while the rows go in, not while shapes are computed.
            db.session.add(Annotation(
                client_id="import-" + uuid.uuid4().hex, image=matched[record.image_id],
                category=categories[record.category_id], annotator_id=None,
                parts=[part.to_dict() for part in shape.parts], rle_counts=shape.rle["counts"],
                area=float(shape.area), bbox=shape.bbox, iscrowd=record.iscrowd, attributes=attributes))
            summary.annotations_imported += 1
            if on_annotation:
                on_annotation()
        db.session.commit()
    except IntegrityError:
        # Someone added the same class or image at the same moment: ours loses, whole, and may simply retry.
        db.session.rollback()
        raise Refused("", "the library changed while the file was imported (a class or image was added at the "
                          "same time); nothing was imported, try again", 409,
                      title="the import collided with another change") from None
    except BaseException:
        db.session.rollback()
        raise
    return summary


def _match_images(dataset: CocoFile, images_dir: Path | None, summary: ImportSummary) -> dict[int, Image]:
    """File image id -> library image: by exact file name, then by unique base name; missing ones
    are added from `images_dir`. Every image of the file must be found, at the size the file says."""
    live = list(db.session.scalars(select(Image).where(Image.deleted.is_(False)).order_by(Image.id)))
    by_name: dict[str, list[Image]] = {}
    by_base: dict[str, list[Image]] = {}
    for image in live:
        by_name.setdefault(image.file_name, []).append(image)
        by_base.setdefault(base_name(image.file_name), []).append(image)

    matched: dict[int, Image] = {}
    missing: list[CocoImage] = []
    for record in dataset.images:
        found = _pick(record, by_name.get(record.file_name, [])) or _pick(
            record, by_base.get(base_name(record.file_name), []))
        if found is None:
            missing.append(record)
            continue
        _check_size(record, found, "in the library")
        matched[record.id] = found
        summary.images_matched += 1

    if missing and images_dir is None:
        first = missing[0]
        more = f" ({len(missing) - 1} more image(s) of the file are missing too)" if len(missing) > 1 else ""
        raise _mismatch(first, f"{first.file_name!r} is not in the library{more}; add the images "
                                           "first (annotator import-images DIR) or import with --images DIR")
    if missing:
        assert images_dir is not None
        by_file_name = _files_by_name(images_dir)
        located = [(record, _locate(record, images_dir, by_file_name)) for record in missing]  # all, before adding
        for record, path in located:
            _add_from_folder(record, path, matched, summary)

    owners: dict[int, CocoImage] = {}
    for record in dataset.images:
        image = matched[record.id]
        if id(image) in owners:
            raise _mismatch(record, f"{record.file_name!r} matches the same library image as "
                                                f"{owners[id(image)].where} ({owners[id(image)].file_name!r})")
        owners[id(image)] = record
    return matched


def _pick(record: CocoImage, candidates: list[Image]) -> Image | None:
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    # Several library images share the name (uploads may): the size can still tell them apart.
    same_size = [image for image in candidates if (image.width, image.height) == (record.width, record.height)]
    if len(same_size) == 1:
        return same_size[0]
    ids = ", ".join(str(image.id) for image in candidates[:5])
    raise _mismatch(record, f"{record.file_name!r} matches {len(candidates)} library images "
                                        f"(ids {ids}); cannot tell which")


def _check_size(record: CocoImage, image: Image, where: str) -> None:
    if (image.width, image.height) != (record.width, record.height):
        raise _mismatch(record, f"{record.file_name!r} is {record.width} x {record.height} in the file "
                                            f"but {image.width} x {image.height} {where}")


def _files_by_name(folder: Path) -> dict[str, list[Path]]:
    """Every file below `folder` by its name (not a glob: names may hold `[` or `*`)."""
    found: dict[str, list[Path]] = {}
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            found.setdefault(name, []).append(Path(dirpath) / name)
    return found


def _locate(record: CocoImage, folder: Path, by_file_name: dict[str, list[Path]]) -> Path:
    # resolve_inside refuses `..`, absolute paths and symlinks out of the folder: the file names the path.
    direct = images.resolve_inside(folder, record.file_name.replace("\\", "/"))
    if direct is not None:
        return direct
    wanted = base_name(record.file_name)
    found = by_file_name.get(wanted, [])
    if len(found) == 1:
        return found[0]
    if found:
        raise _mismatch(record, f"{record.file_name!r} is not in the library, and {len(found)} files "
                                            f"in {folder} are named {wanted!r}; cannot tell which")
    raise _mismatch(record, f"{record.file_name!r} is not in the library, nor in {folder}")


def _add_from_folder(record: CocoImage, path: Path, matched: dict[int, Image], summary: ImportSummary) -> None:
    try:
        data = path.read_bytes()
        # Named as the file names it, so a later import of the same file matches it exactly.
        image, created = library.add_image(data, record.file_name, source="import", commit=False)
    except images.ImageRejected as exc:
        raise _mismatch(record, f"{path}: {exc}") from None
    except OSError as exc:
        raise _mismatch(record, f"cannot read {path} ({exc.strerror or exc})") from None
    if image.deleted:
        raise _mismatch(record, f"{path} is an image deleted from the library")
    _check_size(record, image, f"in {path}")
    matched[record.id] = image
    if created:
        summary.images_added += 1
    else:
        summary.images_matched += 1  # the same picture was in the library under another name


def _map_categories(dataset: CocoFile, summary: ImportSummary) -> dict[int, Category]:
    """File category id -> category, by name regardless of case; classes the label set lacks are
    created (supercategory from the file, a colour from the name). Archived classes are reused as they are."""
    existing = {category.name.casefold(): category for category in db.session.scalars(select(Category))}
    order = (db.session.scalar(select(func.max(Category.display_order))) or 0) + 1
    mapped: dict[int, Category] = {}
    for record in dataset.categories:
        category = existing.get(record.name.casefold())
        if category is None:
            category = Category(name=record.name, supercategory=record.supercategory,
                                colour=category_colour(record.name), definition="", display_order=order)
            db.session.add(category)
            existing[record.name.casefold()] = category
            summary.categories_created.append(record.name)
            order += 1
        mapped[record.id] = category
    return mapped
