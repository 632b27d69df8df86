"""The image library and label set as stored: adding images, listing them, replacing labels, and
the first start's seeding. Calls the pure `images` and `labels` modules; used by the API and CLI."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from annotator.core import images
from annotator.core.labels import DEFAULT_LABELS, Label
from annotator.core.refused import Refused
from annotator.core.schemas.labels import INVALID
from annotator.paths import shipped_dir
from annotator.store.models import Annotation, Category, Image, Setting, db

MAX_FILE_NAME = 255
_SEEDED_KEY = "first_start_seeded"


@dataclass
class ImportReport:
    added: list[Image] = field(default_factory=list)
    duplicates: list[tuple[str, Image]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def image_store() -> Path:
    return Path(current_app.instance_path) / "images"


def thumbnail_store() -> Path:
    return Path(current_app.instance_path) / "thumbnails"


def settings() -> dict[str, Any]:
    return current_app.config["ANNOTATOR"]


# Zero-width (non-)joiners are format characters that Persian, Indic scripts and emoji sequences need;
# every other control or format character (NUL, escapes, bidi overrides that disguise a name) goes.
_KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}


def clean_file_name(name: str) -> str:
    """A display name safe to store: the last component of a path, no control or format characters
    (so no NUL, terminal escapes or right-to-left overrides), Unicode in NFC (a Mac's decomposed `é`
    becomes one character, as other systems write it), never `.` or `..`, at most 255 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch in _KEPT_FORMAT_CHARACTERS)
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()
    if name in ("", ".", ".."):
        name = "unnamed"
    if len(name) > MAX_FILE_NAME:
        _stem, dot, suffix = name.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        name = name[: MAX_FILE_NAME - len(keep) - 1] + ("." + keep if keep else "…")
    return name


def clean_relative_name(relative: PurePath) -> str:
    """The name an imported file is stored under: its path below the imported folder (COCO files name
    images so), each folder and the file name cleaned like an upload's, at most 255 characters (leading
    folders are dropped first). Bytes that are not UTF-8 in a name on disk become U+FFFD."""
    *folders, name = [clean_file_name(os.fsencode(part).decode("utf-8", "replace")) for part in relative.parts]
    if len("/".join([*folders, name])) <= MAX_FILE_NAME:
        return "/".join([*folders, name])
    while folders and len("/".join(["…", *folders, name])) > MAX_FILE_NAME:
        folders = folders[1:]
    return "/".join(["…", *folders, name]) if folders else name


def add_image(data: bytes, file_name: str, source: str, commit: bool = True) -> tuple[Image, bool]:
    """Store one image and its thumbnail; returns (image, created). A file already in the library
    (same content) returns the existing image with created=False. Raises images.ImageRejected.

    With commit=False the new row is only added to the session, for a caller that commits or rolls
    back a larger transaction (all-or-nothing imports); its files stay in the content-addressed store."""
    prepared = images.prepare_image(data, settings()["MAX_IMAGE_PIXELS"])
    existing = db.session.scalar(select(Image).where(Image.sha256 == prepared.sha256))
    if existing is not None:
        return existing, False
    relative = images.stored_relative_path(prepared)
    original = image_store() / relative
    if not original.exists():
        images.write_atomically(original, prepared.data)
    images.make_thumbnail(original, thumbnail_store() / images.thumbnail_relative_path(prepared.sha256),
                          settings()["THUMBNAIL_SIZE"])
    image = Image(file_name=file_name[:MAX_FILE_NAME], sha256=prepared.sha256, stored_path=relative,
                  width=prepared.width, height=prepared.height, mime_type=prepared.mime_type,
                  byte_size=len(prepared.data), source=source)
    db.session.add(image)
    if not commit:
        return image, True
    try:
        db.session.commit()
    except IntegrityError:
        # Another request or process stored the same file a moment ago: theirs is as good as ours.
        db.session.rollback()
        existing = db.session.scalar(select(Image).where(Image.sha256 == prepared.sha256))
        if existing is None:
            raise
        return existing, False
    return image, True


def import_files(paths: Iterable[Path], base: Path, source: str = "import",
                 on_file: Callable[[Path], None] | None = None) -> ImportReport:
    """Import files one by one; a bad file is reported and skipped, never stops the rest."""
    report = ImportReport()
    for path in paths:
        name = clean_relative_name(path.relative_to(base) if path.is_relative_to(base) else PurePath(path.name))
        try:
            data = path.read_bytes()
            image, created = add_image(data, name, source)
        except images.ImageRejected as exc:
            report.rejected.append((name, str(exc)))
        except OSError as exc:
            report.rejected.append((name, f"cannot read the file ({exc.strerror or exc})"))
        else:
            (report.added.append(image) if created else report.duplicates.append((name, image)))
        if on_file:
            on_file(path)
    return report


def ensure_thumbnail(image: Image, force: bool = False) -> Path | None:
    """The cached thumbnail's path, made now if missing; None if the original is gone."""
    path = thumbnail_store() / images.thumbnail_relative_path(image.sha256)
    if path.exists() and not force:
        return path
    original = images.resolve_inside(image_store(), image.stored_path)
    if original is None:
        return None
    images.make_thumbnail(original, path, settings()["THUMBNAIL_SIZE"])
    return path


def list_images(offset: int, limit: int) -> tuple[list[tuple[Image, int]], int]:
    """A page of live images, oldest first, each with its count of live annotations, and the total."""
    live_annotations = (
        select(func.count(Annotation.id))
        .where(Annotation.image_id == Image.id, Annotation.deleted.is_(False))
        .correlate(Image)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Image, live_annotations).where(Image.deleted.is_(False))
        .order_by(Image.id).offset(offset).limit(limit)
    ).all()
    total = db.session.scalar(select(func.count(Image.id)).where(Image.deleted.is_(False))) or 0
    return [(image, count) for image, count in rows], total


def active_categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.archived.is_(False)).order_by(Category.display_order, Category.id)))


@dataclass
class LabelChange:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)


def replace_label_set(labels: list[Label]) -> LabelChange:
    """Make `labels` the label set, in their order. Existing classes keep their ids (COCO ids stay
    stable); classes no longer listed are archived, not deleted, since annotations may use them. An entry
    with the id of a stored class edits that class (a rename); otherwise classes are matched by name."""
    change = LabelChange()
    categories = list(db.session.scalars(select(Category)))
    by_id = {category.id: category for category in categories}
    by_name = {category.name.casefold(): category for category in categories}
    matched: set[int] = set()
    for order, label in enumerate(labels):
        holder = by_name.get(label.name.casefold())
        category = by_id.get(label.id) if label.id is not None else None
        category = category or holder
        if category is not None and category.id in matched:
            raise Refused(f"labels[{order}].id", f"class #{category.id} is listed twice", 422, title=INVALID)
        if category is not None and holder is not None and holder is not category:
            state = "an archived class" if holder.archived else "another class"
            raise Refused(f"labels[{order}].name", f"{label.name!r} is the name of {state} (#{holder.id}): restore "
                          "or rename that one instead, or rename in two saves", 422, title=INVALID)
        if category is None:
            db.session.add(Category(name=label.name, supercategory=label.supercategory, colour=label.colour,
                                    definition=label.definition, display_order=order))
            change.added.append(label.name)
            continue
        matched.add(category.id)
        before = (category.name, category.supercategory, category.colour, category.definition,
                  category.display_order, category.archived)
        category.name, category.supercategory, category.colour = label.name, label.supercategory, label.colour
        category.definition, category.display_order, category.archived = label.definition, order, False
        if before != (category.name, category.supercategory, category.colour, category.definition,
                      category.display_order, category.archived):
            change.updated.append(label.name)
    for category in categories:
        if category.id not in matched and not category.archived:
            category.archived = True
            change.archived.append(category.name)
    db.session.commit()
    return change


def archived_categories() -> list[Category]:
    """Classes taken out of the label set, kept for the outlines that use them; by name."""
    return list(db.session.scalars(select(Category).where(Category.archived.is_(True)).order_by(Category.name)))


def seed_first_start(load_samples: bool = True) -> None:
    """On an empty database: the default label set and (unless turned off) the sample scenes.
    Runs once per database; safe if several processes start together (every step is idempotent)."""
    if db.session.get(Setting, _SEEDED_KEY) is not None:
        return
    if db.session.scalar(select(func.count(Category.id))) == 0:
        try:
            replace_label_set(list(DEFAULT_LABELS))
        except IntegrityError:
            db.session.rollback()  # another process inserted them first
    if load_samples and db.session.scalar(select(func.count(Image.id))) == 0:
        import_samples()
    db.session.add(Setting(key=_SEEDED_KEY, value=True))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def sample_files() -> list[Path]:
    folder = shipped_dir("sample_images")
    truth = folder / "ground_truth.json"
    if truth.exists():
        names = [entry["file_name"] for entry in json.loads(truth.read_text(encoding="utf-8"))["images"]]
        return [folder / name for name in names if (folder / name).exists()]
    return sorted(folder.glob("*.jpg"))


def import_samples() -> ImportReport:
    files = sample_files()
    return import_files(files, files[0].parent if files else Path("."), source="sample")


def annotation_count(image_id: int) -> int:
    return db.session.scalar(select(func.count(Annotation.id)).where(
        Annotation.image_id == image_id, Annotation.deleted.is_(False))) or 0


def image_with_count(image_id: int) -> tuple[Image, int] | None:
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        return None
    return image, annotation_count(image_id)
