"""/api/images/<id>/assist: machine help for an outline. Parse, find the pixels, call the core, answer.

Anyone who may save an outline on the image may ask (a workshop participant once joined). The work of one
request is bounded by the core (GrabCut's crop, the scissors' search, one decoder run), and the work of all:
at most RUNNING assists compute at once and WAITING more queue for a slot; past that, or after WAIT_S, the
answer is 503 with Retry-After, so a room pressing the button together never holds every server thread (the
saves go on). What an image's preparation costs (its pixels, the scissors' features, a model's embedding) is
cached per image id and content hash.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, jsonify
from pydantic import BaseModel
from werkzeug.wrappers import Response

from annotator.core import images
from annotator.core.assists import grabcut, model, scissors
from annotator.core.assists.cache import BoundedCache
from annotator.core.assists.picture import Picture, check_inside, read_picture
from annotator.core.refused import Refused
from annotator.core.schemas.assist import Assist, AssistAnswer, GrabCutAssist, ModelAssist, ScissorsAssist
from annotator.store import library
from annotator.store.models import Image, db
from annotator.web import rate_limits
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator

RUNNING = 2  # assists computing at once: the cores of a small server
WAITING = 2  # more queued for a slot; with RUNNING, half of `annotator serve`'s 8 threads at most
WAIT_S = 10.0
MB = 1024 * 1024
PICTURES_BYTES = 192 * MB  # ~70 images of 1280 x 720 (2.6 MB each)
FEATURES_BYTES = 192 * MB  # ~16 such images' scissors features (12 MB each)
EMBEDDINGS_BYTES = 64 * MB  # 16 SAM embeddings (4 MB each)


class Offer(BaseModel):
    methods: list[str]
    model: str | None
    limits: dict[str, int]


@dataclass
class Assists:
    """One app's assist state: its caches, its model (if any) and the gate every computation passes."""

    pictures: BoundedCache[Picture] = field(default_factory=lambda: BoundedCache(PICTURES_BYTES, _nbytes))
    features: BoundedCache[scissors.EdgeFeatures] = field(
        default_factory=lambda: BoundedCache(FEATURES_BYTES, _nbytes))
    embeddings: BoundedCache[model.Embedding] = field(default_factory=lambda: BoundedCache(EMBEDDINGS_BYTES, _nbytes))
    model: model.SamModel | None = None
    model_folder: Path | None = None
    model_lock: threading.Lock = field(default_factory=threading.Lock)  # loading takes seconds: not `lock`
    lock: threading.Lock = field(default_factory=threading.Lock)
    slots: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(RUNNING))
    queued: int = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """A turn to compute, or 503 with Retry-After: the queue is full, or no turn came within WAIT_S."""
        with self.lock:
            if self.queued >= RUNNING + WAITING:
                raise _busy()
            self.queued += 1
        try:
            if not self.slots.acquire(timeout=WAIT_S):
                raise _busy()
            try:
                yield
            finally:
                self.slots.release()
        finally:
            with self.lock:
                self.queued -= 1


def _nbytes(value: Picture | scissors.EdgeFeatures | model.Embedding) -> int:
    return value.nbytes


def _busy() -> ApiError:
    return ApiError(503, "busy", "The server is working on other people's assists; try again in a moment.",
                    headers={"Retry-After": "1"})


def state(app: Flask | None = None) -> Assists:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("assists")
    if found is None:
        found = app.extensions.setdefault("assists", Assists())
    return found


def use_model(app: Flask, folder: Path) -> model.SamModel:
    """Load the Segment Anything model in `folder` for this app now (`serve --assist-model`); ModelError (a
    ValueError) says what is wrong with the folder."""
    assists = state(app)
    with assists.model_lock:
        if assists.model is None or assists.model_folder != Path(folder):  # another request may have loaded it
            assists.model = model.SamModel(Path(folder))
            assists.model_folder = Path(folder)
            assists.embeddings.clear()
        loaded = assists.model
    app.config["ANNOTATOR"]["ASSIST_MODEL"] = str(folder)
    return loaded


def _model(assists: Assists) -> model.SamModel:
    folder = current_app.config["ANNOTATOR"].get("ASSIST_MODEL")
    if not folder:
        raise Refused("method", "No assist model is loaded: the server was started without --assist-model "
                      "(ANNOTATOR_ASSIST_MODEL), so it offers grabcut and scissors only.", title="no assist model")
    try:
        return use_model(current_app._get_current_object(), Path(folder))  # type: ignore[attr-defined]
    except model.ModelError as exc:
        raise ApiError(503, "assist model unusable", str(exc)) from exc


def _image(image_id: int) -> Image:
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    return image


def _picture(assists: Assists, key: tuple[int, str], stored_path: str) -> Picture:
    def read() -> Picture:
        path = images.resolve_inside(library.image_store(), stored_path)
        if path is None:
            raise ApiError(404, "image file missing", f"The file of image {key[0]} is not in the image store.")
        return read_picture(path)

    return assists.pictures.get_or_make(key, read)[0]


@bp.get("/assist")
@contract(ok=Offer, tags=["assists"])
def offered_assists() -> Response:
    """Which assists this server offers (model only when one is loaded) and the limits of their requests."""
    folder = current_app.config["ANNOTATOR"].get("ASSIST_MODEL")
    return jsonify({"methods": ["grabcut", "scissors", *(["model"] if folder else [])],
                    "model": Path(folder).name if folder else None,
                    "limits": {"scissors_points": scissors.MAX_POINTS, "scissors_segment_px": scissors.MAX_SEGMENT,
                               "model_points": model.MAX_POINTS, "box_min_side_px": grabcut.MIN_SIDE}})


@bp.post("/images/<int:image_id>/assist")
@contract(json=Assist, ok=AssistAnswer, errors=[404, 429, 503], tags=["assists"])
def assist(image_id: int, json: Assist) -> Response:
    """An outline made by machine for the person to check and correct: GrabCut from a box, intelligent scissors
    along clicked points, or the loaded Segment Anything model from clicks. The parts are what a save would
    store; empty when nothing was found."""
    rate_limits.check("assists", current_annotator().public_id)  # 401 for a participant who has not joined
    image = _image(image_id)
    body = json.root
    assists = state()
    sam = _model(assists) if isinstance(body, ModelAssist) else None
    key, stored_path = (image.id, image.sha256), image.stored_path
    db.session.close()  # hold no database connection while computing
    answer: dict[str, object] = {"parts": [], "method": body.method}
    with assists.slot():
        started = time.perf_counter()
        picture = _picture(assists, key, stored_path)
        if isinstance(body, GrabCutAssist):
            parts = grabcut.outline_box(picture, body.box)
        elif isinstance(body, ScissorsAssist):
            scissors.check_points(body.points, picture, body.closed)  # before the features are made
            features = assists.features.get_or_make(key, lambda: scissors.edge_features(picture))[0]
            if body.closed:
                parts = scissors.outline_points(features, picture, body.points)
            else:
                parts, answer["path"] = [], scissors.path_through(features, picture, body.points)
        else:
            assert sam is not None
            check_inside(body.points, picture)  # before the embedding is made
            embedding = assists.embeddings.get_or_make(key, lambda: sam.embed(picture))[0]
            labels = body.labels if body.labels is not None else [1] * len(body.points)
            parts = sam.outline(embedding, picture, body.points, labels)
        answer["parts"] = [part.to_dict() for part in parts]
        answer["ms"] = round((time.perf_counter() - started) * 1000)
    return jsonify(answer)
