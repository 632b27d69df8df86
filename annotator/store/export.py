"""Exports as stored: which images and annotations go out, read in batches. The database-facing shell around
the pure `coco` and `semantic` modules, shared by the two kinds of export (`export_coco.CocoExport`,
`export_masks.MasksExport`); the CLI and the downloads both use them, so both write the same bytes.

Nothing holds the whole dataset: images are read in keyset batches of 1,000; for each batch the
annotations stream from the database cursor 1,000 rows at a time and are handed on one image at a time;
the output is a generator of chunks. Kept for the whole run are only one small record per exported image
(its export file name and size), which also guarantees that every annotation written refers to an image
the file lists, and the report's notes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select

from annotator.core import coco, labour_file
from annotator.core import labour as labour_core
from annotator.core.coco import Note
from annotator.core.refused import Refused
from annotator.core.schemas.common import LARGEST_ID
from annotator.core.schemas.export import ANNOTATOR_CHOICES, ExportOptions
from annotator.store import ledger
from annotator.store.export_labour import ExportLabour
from annotator.store.models import Annotation, Annotator, Category, Image, db

BATCH = 1000  # rows per query: a few MB of Python objects at most
CANNOT_EXPORT = "cannot export"  # the refusal's title: an option the stored data cannot honour


@dataclass
class ImageRecord:
    id: int
    name: str  # unique within the export
    width: int
    height: int
    stored_path: str


# --- one export run --------------------------------------------------------------------------------------


@dataclass
class Export:
    """One export: `prepare()` resolves the options against the database (raising Refused before any output);
    a subclass writes it (export_coco.CocoExport, export_masks.MasksExport). `notes` is the report."""

    options: ExportOptions
    on_progress: Callable[[int], None] | None = None  # called with a number of images done
    annotator: tuple[int, str] | None = None  # (id, public_id) when one person's work is asked for
    images: dict[int, ImageRecord] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    annotations_written: int = 0
    superseded: int = 0  # older outlines of the same objects, left out by `latest`
    labour: ExportLabour = field(init=False)

    def __post_init__(self) -> None:
        self.labour = ExportLabour(carry_events=self.options.labour)

    # -- selection

    def prepare(self) -> Export:
        self.annotator = resolve_annotator(self.options.annotators)
        self.categories = [{"id": c.id, "name": c.name, "supercategory": c.supercategory, "colour": c.colour,
                            "archived": c.archived}
                           for c in db.session.scalars(select(Category).order_by(Category.id))]
        self._collect_images()
        return self

    def _image_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Image.deleted.is_(False)]
        choice = self.options.images
        if isinstance(choice, tuple):
            # An id past the column names no image (and the database refuses to compare with it): left out
            # here, it is reported missing like any other.
            conditions.append(Image.id.in_([image_id for image_id in choice if image_id <= LARGEST_ID]))
        elif choice == "annotated":
            # Correlated on the image only: a query that already joins annotations (check_label_ids) would
            # otherwise correlate those too and leave the subquery with nothing to select from.
            conditions.append(exists().where(*self._annotation_conditions(), Annotation.image_id == Image.id)
                              .correlate(Image))
        return conditions

    def _annotation_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Annotation.deleted.is_(False)]
        if self.annotator is not None:
            conditions.append(Annotation.annotator_id == self.annotator[0])
        return conditions

    def _collect_images(self) -> None:
        # Names are given in id order, so the same images get the same names in every export.
        namer = coco.FileNamer()
        last = 0
        while True:
            rows = db.session.execute(
                select(Image.id, Image.file_name, Image.width, Image.height, Image.stored_path)
                .where(*self._image_conditions(), Image.id > last).order_by(Image.id).limit(BATCH)).all()
            for row in rows:
                self.images[row.id] = ImageRecord(row.id, namer.name(row.file_name), row.width, row.height,
                                                  row.stored_path)
            if len(rows) < BATCH:
                break
            last = rows[-1].id
        if isinstance(self.options.images, tuple):
            missing = [image_id for image_id in self.options.images if image_id not in self.images]
            if missing:
                raise Refused("images", f"no image with id {', '.join(map(str, missing))} (or it was deleted)", 400,
                              title=CANNOT_EXPORT)

    @property
    def work_total(self) -> int:
        """Images to go through, for a progress bar: once for annotations, once more for ZIP files."""
        return len(self.images) * (2 if self.options.zip else 1)

    def describe(self) -> dict[str, Any]:
        """The options as `info.export_options` records them (a pseudonym, never a name)."""
        choice = self.options.images
        return {"segmentation": self.options.segmentation,
                "images": list(choice) if isinstance(choice, tuple) else choice,
                "annotators": coco.pseudonym(self.annotator[1]) if self.annotator else self.options.annotators,
                "labour": self.options.labour, "zip": self.options.zip}

    def preview(self) -> dict[str, Any]:
        """What the export will hold, before it starts: images, outlines, people and classes, and the bytes of
        the image files a ZIP carries. With `latest`, older outlines of the same objects are counted too."""
        chosen = select(Image.id).where(*self._image_conditions())
        outlines, people, classes = db.session.execute(
            select(func.count(), func.count(func.distinct(Annotation.annotator_id)),
                   func.count(func.distinct(Annotation.category_id)))
            .where(*self._annotation_conditions(), Annotation.image_id.in_(chosen))).one()
        image_bytes = db.session.scalar(select(func.coalesce(func.sum(Image.byte_size), 0))
                                        .where(*self._image_conditions())) if self.options.zip else 0
        return {"images": len(self.images), "outlines": outlines, "people": people, "classes": classes,
                "image_bytes": int(image_bytes), "options": self.describe()}

    # -- reading annotations

    def _image_batches(self) -> Iterator[list[ImageRecord]]:
        ordered = iter(self.images.values())
        while batch := list(itertools.islice(ordered, BATCH)):
            yield batch

    def annotation_groups(self) -> Iterator[tuple[ImageRecord, list[dict[str, Any]]]]:
        """Every exported image in id order with its annotation records (id order), images without any
        included. Rows stream from the cursor and each image's group is handed on as soon as it is
        complete, so memory holds one image's annotations and one batch of rows, however many there are."""
        # One ledger for every exported image: a person's overlapping sessions are credited together across
        # batches, as `annotator labour verify` credits them from the whole file.
        sessions = ledger.sessions_of_images(self.images)
        whole_ledger = ledger.computed(sessions)
        # The file carries exactly the events these figures come from (up to each session's largest event id
        # when it was read), so it audits itself even while a batch lands during the export.
        self.labour.last_event_ids = {session.id: session.key.last_event_id for session in sessions}
        self.labour.count_sessions(whole_ledger)
        for batch in self._image_batches():
            pending = iter(batch)
            current: ImageRecord | None = None
            records: list[dict[str, Any]] = []
            result = db.session.execute(
                select(Annotation.id, Annotation.image_id, Annotation.category_id, Annotation.annotator_id,
                       Annotator.public_id, Annotation.client_id, Annotation.parts, Annotation.rle_counts,
                       Annotation.iscrowd, Annotation.attributes, Annotation.created_at, Annotation.updated_at,
                       Annotation.flag, Annotation.flag_reason, Annotation.flag_resolution, Annotation.flag_category_id)
                .outerjoin(Annotator, Annotator.id == Annotation.annotator_id)
                .where(Annotation.image_id.in_([image.id for image in batch]), *self._annotation_conditions())
                .order_by(Annotation.image_id, Annotation.id)
                .execution_options(yield_per=BATCH))
            if self.options.labour:
                self.labour.read_events([image.id for image in batch], whole_ledger)
            for rows in result.partitions():
                for row in rows:
                    if current is None or row.image_id != current.id:
                        if current is not None:
                            yield current, records
                        for image in pending:  # images without annotations come out empty
                            if image.id == row.image_id:
                                current, records = image, []
                                break
                            yield image, []
                    records.append({
                        "id": row.id, "image_id": row.image_id, "category_id": row.category_id,
                        "annotator_id": row.annotator_id, "annotator": row.public_id, "parts": row.parts,
                        "rle_counts": row.rle_counts, "iscrowd": row.iscrowd, "attributes": _with_flag(row),
                        "created_at": row.created_at, "updated_at": row.updated_at,
                        "client_id": row.client_id, "timings": self._timings(whole_ledger, row.client_id),
                        **({"labour": self.labour.own_events(row.image_id, row.client_id)} if self.options.labour
                           else {})})
            if current is not None:
                yield current, records
            for image in pending:
                yield image, []

    @staticmethod
    def _timings(whole_ledger: labour_core.Ledger, client_id: str) -> dict[str, Any]:
        polygon = whole_ledger.polygons.get(client_id) or labour_core.PolygonLabour(client_id)
        return labour_file.timings(polygon)

    def _selected(self, image: ImageRecord, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.options.annotators != "latest" or len(records) < 2:
            return records
        candidates = []
        for record in records:
            try:
                rle = coco.annotation_rle(record["parts"], record["rle_counts"], image.height, image.width)
            except (ValueError, TypeError, KeyError):
                continue  # kept: coco_annotation reports it
            candidates.append(coco.Candidate(record["id"], record["category_id"], record["annotator_id"],
                                             record["updated_at"], rle))
        unmatched = {record["id"] for record in records} - {c.id for c in candidates}
        keep = coco.latest_per_object(candidates) | unmatched
        self.superseded += len(records) - len(keep)
        return [record for record in records if record["id"] in keep]

    def _progress(self) -> None:
        if self.on_progress:
            self.on_progress(1)

def _with_flag(row: Any) -> dict[str, Any]:
    """The stored attributes plus the annotation's flag, if it has one ("categories are decisions"): its kind,
    reason, the instructor's resolution (None while open) and the class the person would have picked."""
    attributes = {key: value for key, value in (row.attributes or {}).items() if key != "flag"}
    if row.flag is not None:
        attributes["flag"] = {"kind": row.flag, "reason": row.flag_reason or "", "resolution": row.flag_resolution,
                              "guess_category_id": row.flag_category_id}
    return attributes


def resolve_annotator(text: str) -> tuple[int, str] | None:
    """None for everyone's work (`everyone`, `latest`); else (id, public_id) of the one annotator named
    by public id, export pseudonym (`annotator-1a2b3c4d`) or display name."""
    value = text.strip()
    if value.lower() in ANNOTATOR_CHOICES:
        return None
    attempts = [Annotator.public_id == value]
    if value.startswith("annotator-") and len(value) > len("annotator-"):
        attempts.append(Annotator.public_id.startswith(value[len("annotator-"):], autoescape=True))
    attempts += [Annotator.display_name == value, func.lower(Annotator.display_name) == value.lower()]
    # A NUL names nobody, and PostgreSQL refuses it in a query rather than finding no one.
    for condition in attempts if "\x00" not in value else ():
        rows = db.session.execute(select(Annotator.id, Annotator.public_id).where(condition).limit(5)).all()
        if len(rows) > 1:
            raise Refused("annotators", f"{len(rows)} annotators match {value!r}; name one by its public id", 400,
                          title=CANNOT_EXPORT)
        if rows:
            return rows[0].id, rows[0].public_id
    raise Refused("annotators", f"no annotator {value!r}: give 'everyone', 'latest', a public id, an export "
                  "pseudonym (annotator-xxxxxxxx) or a display name", 400, title=CANNOT_EXPORT)
