"""Exports as stored: which images and annotations go out, read in batches, and streamed as COCO JSON,
as a ZIP with the image files, or as semantic label maps. The database-facing shell around the pure
`coco` and `semantic` modules; the CLI and the download both use it, so both write the same bytes.

Nothing holds the whole dataset: images are read in keyset batches of 1,000; for each batch the
annotations stream from the database cursor 1,000 rows at a time and are handed on one image at a time;
the output is a generator of chunks. Kept for the whole run are only one small record per exported image
(its export file name and size), which also guarantees that every annotation written refers to an image
the file lists, and the report's notes.
"""

from __future__ import annotations

import itertools
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, exists, func, select

from annotator.core import coco, images, labour_file, semantic
from annotator.core import labour as labour_core
from annotator.core.coco import Note
from annotator.core.schemas.common import LARGEST_ID
from annotator.store import ledger, library
from annotator.store.models import (
    Annotation,
    Annotator,
    Category,
    Image,
    LabourEvent,
    LabourSession,
    db,
)

BATCH = 1000  # rows per query: a few MB of Python objects at most
COPY_CHUNK = 1 << 20
IMAGE_CHOICES = ("all", "annotated")
ANNOTATOR_CHOICES = ("everyone", "latest")


class ExportError(ValueError):
    """An option that cannot be honoured (an unknown image or annotator, a bad value); said to the user."""


# --- options (pure) ------------------------------------------------------------------------------------


def parse_images(text: str) -> str | tuple[int, ...]:
    """`all`, `annotated`, or a comma-separated list of image ids such as `1,5,9`."""
    value = text.strip().lower()
    if value in IMAGE_CHOICES:
        return value
    ids: set[int] = set()
    for piece in value.split(","):
        piece = piece.strip()
        if not (piece.isascii() and piece.isdigit()):  # int() refuses some of what isdigit() takes ("²")
            raise ExportError(f"images must be 'all', 'annotated' or image ids like 1,5,9; got {text[:80]!r}")
        ids.add(int(piece))
    return tuple(sorted(ids))


def parse_segmentation(text: str) -> str:
    value = text.strip().lower()
    if value not in coco.SEGMENTATION_MODES:
        raise ExportError(f"segmentation must be 'polygon' or 'rle'; got {text[:80]!r}")
    return value


@dataclass(frozen=True)
class ExportOptions:
    segmentation: str = "polygon"  # polygon | rle
    images: str | tuple[int, ...] = "all"  # all | annotated | image ids
    annotators: str = "everyone"  # everyone | latest | one annotator's public id, pseudonym or display name
    labour: bool = False  # each annotation's ledger events in attributes.labour, the rest in info.labour
    with_images: bool = False  # a ZIP with images/ beside annotations.json


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
    """One export: `prepare()` resolves the options against the database (raising ExportError before
    any output), then one of the streams writes it. `notes` is the report, complete once a stream ends."""

    options: ExportOptions
    on_progress: Callable[[int], None] | None = None  # called with a number of images done
    annotator: tuple[int, str] | None = None  # (id, public_id) when one person's work is asked for
    images: dict[int, ImageRecord] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    annotations_written: int = 0
    superseded: int = 0  # older outlines of the same objects, left out by `latest`
    written_timings: list[dict[str, Any]] = field(default_factory=list)  # for info.labour
    labour_sessions: int = 0
    labour_active_ms: float = 0.0
    # With --labour: every session's anchor, and the events no exported annotation carries (see labour_file).
    session_ledgers: dict[str, labour_core.SessionLabour] = field(default_factory=dict)
    session_anchors: dict[str, dict[str, Any]] = field(default_factory=dict)
    unattached_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _image_events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # The current batch's events by (image, annotation): an annotation carries only its own image's events.
    _annotation_events: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)

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
                raise ExportError(f"no image with id {', '.join(map(str, missing))} (or it was deleted)")

    @property
    def work_total(self) -> int:
        """Images to go through, for a progress bar: once for annotations, once more for ZIP files."""
        return len(self.images) * (2 if self.options.with_images else 1)

    def describe(self) -> dict[str, Any]:
        """The options as `info.export_options` records them (a pseudonym, never a name)."""
        choice = self.options.images
        return {"segmentation": self.options.segmentation,
                "images": list(choice) if isinstance(choice, tuple) else choice,
                "annotators": coco.pseudonym(self.annotator[1]) if self.annotator else self.options.annotators,
                "labour": self.options.labour, "zip": self.options.with_images}

    def preview(self) -> dict[str, Any]:
        """What the export will hold, before it starts: images, outlines, people and classes, and the bytes of
        the image files a ZIP carries. With `latest`, older outlines of the same objects are counted too."""
        chosen = select(Image.id).where(*self._image_conditions())
        outlines, people, classes = db.session.execute(
            select(func.count(), func.count(func.distinct(Annotation.annotator_id)),
                   func.count(func.distinct(Annotation.category_id)))
            .where(*self._annotation_conditions(), Annotation.image_id.in_(chosen))).one()
        image_bytes = db.session.scalar(select(func.coalesce(func.sum(Image.byte_size), 0))
                                        .where(*self._image_conditions())) if self.options.with_images else 0
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
        whole_ledger = ledger.for_images(self.images)
        self._count_sessions(whole_ledger)
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
            batch_ledger = whole_ledger
            if self.options.labour:
                self._read_events([image.id for image in batch], batch_ledger)
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
                        "client_id": row.client_id, "timings": self._timings(batch_ledger, row.client_id),
                        **({"labour": self._own_events(row.image_id, row.client_id)} if self.options.labour
                           else {})})
            if current is not None:
                yield current, records
            for image in pending:
                yield image, []

    def _count_sessions(self, batch_ledger: labour_core.Ledger) -> None:
        for session in batch_ledger.sessions.values():
            self.labour_sessions += 1
            self.labour_active_ms += session.active_ms

    def _timings(self, batch_ledger: labour_core.Ledger, client_id: str) -> dict[str, Any]:
        polygon = batch_ledger.polygons.get(client_id) or labour_core.PolygonLabour(client_id)
        return labour_file.timings(polygon)

    def labour_summary(self) -> dict[str, Any]:
        """`info.labour`: the exported annotations' summed timings, and all labour time on the exported images.
        With --labour also what `annotator labour verify` needs to recompute every figure from the file alone:
        the session anchors, the events no exported annotation carries, the settings and per-person totals."""
        figures = labour_core.summarise(self.written_timings)
        summary = {**{name: figures[name] for name in labour_file.SUMMARY_FIELDS},
                   "active_ms": round(self.labour_active_ms, 1), "sessions": self.labour_sessions,
                   "idle_threshold_ms": ledger.idle_threshold_ms(), "definitions": ledger.DEFINITIONS}
        if not self.options.labour:
            return summary
        anchors = sorted(self.session_anchors.values(),
                         key=lambda anchor: (anchor["first_received_ms"] is None, anchor["first_received_ms"] or 0.0,
                                             anchor["session"]))
        people = labour_file.person_totals(labour_core.Ledger({}, self.session_ledgers),
                                           labour_file.session_people(anchors))
        return {**summary, "ledger_version": labour_file.LEDGER_VERSION,
                "clock_lead_ms": float(current_app.config["ANNOTATOR"]["CLOCK_LEAD_S"]) * 1000,
                "people": people, "session_anchors": anchors,
                "unattached_events": {anchor["session"]: self.unattached_events[anchor["session"]]
                                      for anchor in anchors if self.unattached_events.get(anchor["session"])}}

    def _read_events(self, image_ids: Sequence[int], batch_ledger: labour_core.Ledger) -> None:
        """Every event of the batch's images, kept per image until its annotations are written (then each goes
        on its annotation or, if none of the exported ones is its, into info.labour.unattached_events)."""
        rows = db.session.execute(
            select(LabourEvent.image_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
                   LabourEvent.client_time_ms, LabourEvent.annotation_client_id, LabourEvent.data,
                   LabourEvent.received_at, Annotator.public_id, LabourSession.opened_at)
            .outerjoin(Annotator, Annotator.id == LabourEvent.annotator_id)
            .outerjoin(LabourSession, LabourSession.id == LabourEvent.session_id)
            .where(LabourEvent.image_id.in_(list(image_ids)))
            .order_by(LabourEvent.session_id, LabourEvent.seq))
        self._annotation_events = {}
        for row in rows:
            received = ledger.epoch_ms(row.received_at)
            event = {"session": row.session_id, "seq": row.seq, "kind": row.kind, "t_ms": row.client_time_ms,
                     "annotation": row.annotation_client_id, "data": row.data or {}, "received": received}
            self._image_events.setdefault(row.image_id, []).append(event)
            if row.annotation_client_id is not None:
                self._annotation_events.setdefault((row.image_id, row.annotation_client_id), []).append(event)
            anchor = self.session_anchors.get(row.session_id)
            if anchor is None:
                session = batch_ledger.sessions.get(row.session_id)
                clamped = (session.as_dict().get("clamped_ms") if session is not None else None) or 0.0
                anchor = self.session_anchors[row.session_id] = {
                    "session": row.session_id, "person": coco.pseudonym(row.public_id) if row.public_id
                    else "imported", "image_id": row.image_id, "first_received_ms": received,
                    "last_received_ms": received, "opened_ms": ledger.epoch_ms(row.opened_at),
                    "clamped_ms": round(float(clamped), 1)}
            elif received is not None:
                first, last = anchor["first_received_ms"], anchor["last_received_ms"]
                anchor["first_received_ms"] = received if first is None else min(first, received)
                anchor["last_received_ms"] = received if last is None else max(last, received)
        self.session_ledgers.update((key, session) for key, session in batch_ledger.sessions.items()
                                    if key in self.session_anchors)

    def _own_events(self, image_id: int, client_id: str) -> list[dict[str, Any]]:
        return coco.labour_ledger(self._annotation_events.get((image_id, client_id), []))

    def _settle_events(self, image_id: int, written: set[str]) -> None:
        """The image's events that rode on no written annotation go to info.labour, per session."""
        for event in self._image_events.pop(image_id, ()):
            if event["annotation"] is not None and event["annotation"] in written:
                continue
            self.unattached_events.setdefault(event["session"], []).append(labour_file.event_entry(
                event["session"], event["seq"], event["kind"], event["t_ms"], event["data"], event["received"],
                event["annotation"]))

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

    # -- COCO

    def coco_annotation_batches(self) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for image, records in self.annotation_groups():
            written: set[str] = set()
            for record in self._selected(image, records):
                entry, notes = coco.coco_annotation(record, image.height, image.width, self.options.segmentation)
                self.notes.extend(notes)
                if entry is not None:
                    batch.append(entry)
                    self.written_timings.append(entry["attributes"]["timings"])
                    written.add(record["client_id"])
            if self.options.labour:
                self._settle_events(image.id, written)
            if len(batch) >= BATCH:
                self.annotations_written += len(batch)
                yield batch
                batch = []
            self._progress()
        self.annotations_written += len(batch)
        yield batch

    def _finish(self) -> tuple[dict[str, Any], list[Note]]:
        counts = {"images": len(self.images), "annotations": self.annotations_written,
                  "categories": len(self.categories)}
        if self.options.annotators == "latest":
            counts["superseded"] = self.superseded
        return coco.coco_info("annotator export", {"export_options": self.describe(), "counts": counts,
                                                   "labour": self.labour_summary()}), self.notes

    def json_chunks(self) -> Iterator[str]:
        """The COCO instance file as text chunks."""
        image_entries = ([coco.image_entry(i.id, i.name, i.width, i.height) for i in batch]
                         for batch in self._image_batches())
        return coco.json_chunks(image_entries, self.categories, self.coco_annotation_batches(), self._finish)

    def zip_chunks(self) -> Iterator[bytes]:
        """A ZIP: images/ (each file under its export name), then annotations.json with the complete report."""
        json_bytes = (chunk.encode("utf-8") for chunk in self.json_chunks())
        return zip_stream(itertools.chain(self._image_files(), [ZipEntry("annotations.json", json_bytes, True)]))

    def chunks(self) -> Iterator[bytes]:
        """What the options ask for: the ZIP, or the JSON file."""
        if self.options.with_images:
            return self.zip_chunks()
        return (chunk.encode("utf-8") for chunk in self.json_chunks())

    def _image_files(self) -> Iterator[ZipEntry]:
        store = library.image_store()
        for image in self.images.values():
            path = images.resolve_inside(store, image.stored_path)
            if path is None:
                self.notes.append(Note("image file missing from the image store: listed in annotations.json, "
                                       "but not in images/", image_id=image.id))
            else:
                yield ZipEntry(f"images/{image.name}", _file_chunks(path), False, path.stat().st_size)
            self._progress()

    # -- semantic label maps

    def check_label_ids(self) -> None:
        """Refuse before writing anything when an exported outline's class id does not fit a uint8 map."""
        rows = db.session.execute(
            select(Category.id, Category.name).distinct()
            .join(Annotation, Annotation.category_id == Category.id)
            .join(Image, Image.id == Annotation.image_id)
            .where(*self._annotation_conditions(), *self._image_conditions(),
                   (Category.id > semantic.MAX_LABEL_ID) | (Category.id < 1))).all()
        try:
            semantic.check_label_ids([(row.id, row.name) for row in rows])
        except semantic.LabelIdError as exc:
            raise ExportError(str(exc)) from exc

    def mask_files(self) -> Iterator[tuple[str, bytes]]:
        """labels/NAME.png and colour/NAME.png for every exported image, then classes.json and images.json."""
        table = semantic.palette(self.categories)
        namer = coco.FileNamer()
        index = []
        for image, records in self.annotation_groups():
            name = namer.name(semantic.label_file_name(image.name))
            layers = []
            for record in sorted(self._selected(image, records), key=lambda r: (r["created_at"], r["id"])):
                try:
                    layers.append((record["category_id"], coco.annotation_rle(
                        record["parts"], record["rle_counts"], image.height, image.width)))
                except (ValueError, TypeError, KeyError) as exc:
                    self.notes.append(Note(f"outline cannot be turned into a mask ({exc}): not drawn", record["id"]))
            labels = semantic.label_map(image.height, image.width, layers)
            yield f"labels/{name}", semantic.png_bytes(labels)
            yield f"colour/{name}", semantic.png_bytes(semantic.colour_map(labels, table))
            index.append({"id": image.id, "file_name": image.name, "labels": f"labels/{name}",
                          "colour": f"colour/{name}"})
            self.annotations_written += len(layers)
            self._progress()
        yield "classes.json", json.dumps(semantic.legend(self.categories), indent=1).encode()
        options = {key: value for key, value in self.describe().items() if key in ("images", "annotators")}
        yield "images.json", json.dumps({"images": index, "export_options": options,
                                         "report": [note.to_dict() for note in self.notes]}, indent=1).encode()

    def masks_zip_chunks(self) -> Iterator[bytes]:
        # PNGs are compressed already; the two JSON files are not.
        return zip_stream(ZipEntry(name, [data], name.endswith(".json"), len(data))
                          for name, data in self.mask_files())

    def _progress(self) -> None:
        if self.on_progress:
            self.on_progress(1)

    # -- summary

    def summary(self, out: Path | str) -> str:
        text = f"Wrote {out}: {len(self.images)} image(s), {self.annotations_written} annotation(s)."
        if self.options.annotators == "latest":
            text += f" {self.superseded} older outline(s) of the same objects left out (latest)."
        if self.notes:
            text += f" {len(self.notes)} note(s) in the report:"
        return text


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
            raise ExportError(f"{len(rows)} annotators match {value!r}; name one by its public id")
        if rows:
            return rows[0].id, rows[0].public_id
    raise ExportError(f"no annotator {value!r}: give 'everyone', 'latest', a public id, an export pseudonym "
                      "(annotator-xxxxxxxx) or a display name")


# --- writing -----------------------------------------------------------------------------------------------


@dataclass
class ZipEntry:
    name: str
    chunks: Iterable[bytes]
    compress: bool
    size: int | None = None  # known for files; JSON grows as it streams


class _Pipe:
    """Write-only and unseekable, so zipfile streams: each entry's sizes follow it in a data descriptor
    instead of being patched in afterwards, and nothing waits for the end of the archive."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._pending)
        self._pending.clear()
        return data


def zip_stream(entries: Iterable[ZipEntry]) -> Iterator[bytes]:
    """A ZIP archive as chunks of bytes, entry by entry; memory stays at one chunk of one entry."""
    pipe = _Pipe()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(pipe, "w") as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED if entry.compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            if entry.size is not None:
                info.file_size = entry.size
            # Images are JPEG/PNG/WebP, already compressed: stored as they are. JSON may pass 4 GiB: zip64.
            with archive.open(info, "w", force_zip64=entry.size is None) as target:
                for chunk in entry.chunks:
                    target.write(chunk)
                    if data := pipe.drain():
                        yield data
            if data := pipe.drain():
                yield data
    yield pipe.drain()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            yield chunk


def write_atomically(out: Path, chunks: Iterable[bytes]) -> None:
    """Stream chunks to OUT through a temporary file beside it: never a half-written export under its name."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def write_mask_folder(out_dir: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write the label maps under OUT_DIR (files of the same name are replaced); returns the file count."""
    count = 0
    for name, data in files:
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count
