"""A Segment Anything model brought as ONNX files: loading (and refusing folders that do not fit), the encoder's
input made as SAM makes it, clicks mapped into the encoder's frame and the mask back to the image. The model is
tests/tiny_sam.py's: the names and shapes of the common exports, with outputs a test can predict."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image as PILImage

from annotator.core import masks
from annotator.core.assists import model
from annotator.core.assists.picture import picture_of
from annotator.core.refused import Refused
from tests import tiny_sam
from tests.core.assists.conftest import iou_with, scene


def disc(width: int, height: int, centre: tuple[float, float], radius: float) -> masks.RLE:
    ys, xs = np.mgrid[0:height, 0:width]
    inside = (xs + 0.5 - centre[0]) ** 2 + (ys + 0.5 - centre[1]) ** 2 <= radius**2
    return masks.encode(inside.astype(np.uint8))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("models")
    return {"sam": tiny_sam.write_model(base / "sam"),
            "preprocessed": tiny_sam.write_model(base / "preprocessed", preprocessed=True),
            "masks only": tiny_sam.write_model(base / "masks-only", low_res=False)}


@pytest.mark.parametrize("variant", ["sam", "preprocessed", "masks only"])
def test_a_click_picks_the_object_round_it_in_image_pixels(models, variant):
    """The tiny decoder answers a disc round the first click in the 1024 frame: in the image, a disc of
    RADIUS * 1280 / 1024 = 100 px round the click, wherever the click, if the clicks were scaled by the longer side
    (not each side), the mask cropped to the image's part of the frame and scaled back, and the better mask chosen."""
    sam = model.SamModel(models[variant])
    picture = scene(1)
    embedding = sam.embed(picture)
    radius = tiny_sam.RADIUS * picture.width / tiny_sam.SIDE
    for click in [(400.5, 300.5), (1100.0, 600.0), (150.0, 120.0)]:
        parts = sam.outline(embedding, picture, [list(click)], [1])
        assert iou_with(parts, disc(picture.width, picture.height, click, radius), picture) > 0.97, click


def test_the_encoder_sees_the_image_as_sam_prepares_it(models):
    """Resized with its longer side 1024 (bilinear), normalised by SAM's pixel mean and deviation, padded below:
    the tiny encoder's first channels are that input's 16 x 16 block means."""
    sam = model.SamModel(models["sam"])
    picture = scene(1)
    embedding = sam.embed(picture)
    assert embedding.tensor.shape == (1, 256, 64, 64) and embedding.resized_size == (576, 1024)
    resized = np.asarray(PILImage.fromarray(picture.pixels).resize((1024, 576), PILImage.Resampling.BILINEAR),
                         dtype=np.float32)
    normalised = (resized - model.PIXEL_MEAN) / model.PIXEL_STD
    expected = np.zeros((64, 64, 3), dtype=np.float32)
    expected[:36] = normalised.reshape(36, 16, 64, 16, 3).mean(axis=(1, 3))
    assert np.allclose(embedding.tensor[0, :3].transpose(1, 2, 0), expected, atol=1e-4)
    assert not embedding.tensor[0, 3:].any()


def test_a_portrait_image_is_scaled_by_its_height():
    coords = model.click_coordinates(np.asarray([[300.5, 800.5]]), (1000, 400), model.resized_within(1000, 400, 1024))
    assert model.resized_within(1000, 400, 1024) == (1024, 410)
    assert np.allclose(coords, [[300 * 410 / 400, 800 * 1.024]])


def test_a_click_outside_the_image_is_refused_before_the_model_runs(models):
    sam = model.SamModel(models["sam"])
    picture = picture_of(np.zeros((100, 200, 3), dtype=np.uint8))
    with pytest.raises(Refused, match=r"point 2 \(250, 10\) lies outside the image \(200 x 100\)"):
        sam.outline(None, picture, [[10, 10], [250, 10]], [1, 1])  # type: ignore[arg-type]


def test_a_folder_without_an_encoder_and_a_decoder_is_refused_by_name(tmp_path):
    with pytest.raises(model.ModelError, match="is not a folder"):
        model.SamModel(tmp_path / "missing")
    (tmp_path / "sam.decoder.onnx").write_bytes(b"")
    with pytest.raises(model.ModelError, match=r"holds no file named \*encoder\*.onnx"):
        model.SamModel(tmp_path)


def test_a_file_onnxruntime_cannot_read_is_refused_with_its_name(tmp_path):
    (tmp_path / "sam.encoder.onnx").write_bytes(b"not a model")
    (tmp_path / "sam.decoder.onnx").write_bytes(b"not a model")
    with pytest.raises(model.ModelError, match=r"sam\.encoder\.onnx cannot be loaded by onnxruntime"):
        model.SamModel(tmp_path)


def test_a_decoder_of_another_kind_is_refused_naming_what_it_lacks(tmp_path):
    onnx.save(tiny_sam.encoder(), tmp_path / "other.encoder.onnx")
    onnx.save(tiny_sam.encoder(), tmp_path / "other.decoder.onnx")  # an encoder where the decoder should be
    with pytest.raises(model.ModelError, match=r"lacks image_embeddings, point_coords, .*masks, iou_predictions"):
        model.SamModel(tmp_path)


def test_embeddings_are_a_few_megabytes_so_the_cache_holds_a_room_of_them(models):
    embedding = model.SamModel(models["sam"]).embed(scene(2))
    assert embedding.nbytes == 256 * 64 * 64 * 4 and math.isclose(embedding.nbytes / 2**20, 4.0)
