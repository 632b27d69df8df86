"""Semantic label maps: for every exported image an 8-bit PNG of class ids and a PNG in the classes' colours,
with classes.json and images.json, streamed as a ZIP or written into a folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import select

from annotator.core import coco, semantic
from annotator.core.coco import Note
from annotator.core.zip_stream import ZipEntry, zip_stream
from annotator.store import export
from annotator.store.models import Annotation, Category, Image, db


class MasksExport(export.Export):
    """`MasksExport(options).prepare()`, then `check_label_ids()` before anything is written, then
    `masks_zip_chunks()` or `mask_files()`."""

    def check_label_ids(self) -> None:
        """Refuse before writing anything when an exported outline's class id does not fit a uint8 map."""
        rows = db.session.execute(
            select(Category.id, Category.name).distinct()
            .join(Annotation, Annotation.category_id == Category.id)
            .join(Image, Image.id == Annotation.image_id)
            .where(*self._annotation_conditions(), *self._image_conditions(),
                   (Category.id > semantic.MAX_LABEL_ID) | (Category.id < 1))).all()
        semantic.check_label_ids([(row.id, row.name) for row in rows])

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


def write_mask_folder(out_dir: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write the label maps under OUT_DIR (files of the same name are replaced); returns the file count."""
    count = 0
    for name, data in files:
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count
