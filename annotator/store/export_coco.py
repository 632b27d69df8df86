"""COCO exports: the instance file as JSON chunks, or a ZIP with the image files beside it, from the annotations
an `Export` reads. What cannot be carried as asked (a hole in polygon mode, an empty mask, a missing image
file) is a note in the file's report.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.core import coco, images
from annotator.core.coco import Note
from annotator.core.zip_stream import ZipEntry, file_chunks, zip_stream
from annotator.store import export, library


class CocoExport(export.Export):
    """`CocoExport(options).prepare()`, then `chunks()` (or `json_chunks()`, `zip_chunks()`); `notes` is the
    report, complete once the stream ends."""

    def coco_annotation_batches(self) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for image, records in self.annotation_groups():
            written: set[str] = set()
            for record in self._selected(image, records):
                entry, notes = coco.coco_annotation(record, image.height, image.width, self.options.segmentation)
                self.notes.extend(notes)
                if entry is not None:
                    batch.append(entry)
                    self.labour.written_timings.append(entry["attributes"]["timings"])
                    written.add(record["client_id"])
            if self.options.labour:
                self.labour.settle(image.id, written)
            if len(batch) >= export.BATCH:
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
                                                   "labour": self.labour.summary()}), self.notes

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
        if self.options.zip:
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
                yield ZipEntry(f"images/{image.name}", file_chunks(path), False, path.stat().st_size)
            self._progress()

    def summary(self, out: Path | str) -> str:
        text = f"Wrote {out}: {len(self.images)} image(s), {self.annotations_written} annotation(s)."
        if self.options.annotators == "latest":
            text += f" {self.superseded} older outline(s) of the same objects left out (latest)."
        if self.notes:
            text += f" {len(self.notes)} note(s) in the report:"
        return text
