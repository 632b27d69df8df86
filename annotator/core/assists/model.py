"""Click to segment with a Segment Anything model the user brings, exported to ONNX, run by onnxruntime.

Nothing is fetched: the folder holds an encoder and a decoder in the layout of the common SAM exports (the
segment-anything repository's `export_onnx_model.py` decoder; an image encoder exported beside it, as
samexporter does), each found by name (`*encoder*.onnx`, `*decoder*.onnx`) and checked for the inputs and
outputs below when loaded.

- Encoder: one input, either `[1, 3, S, S]` float32 (the image resized so its longer side is S, normalised with
  SAM's pixel mean and deviation, padded at the right and bottom; S is read from the model, 1024 for SAM) or
  `[H, W, 3]` float32 (the resized RGB image, normalised inside the model: samexporter's `--use-preprocess`).
  Its first output is the image embedding, `[1, 256, 64, 64]` for SAM.
- Decoder: inputs `image_embeddings`, `point_coords` `[1, N, 2]`, `point_labels` `[1, N]` (1 the object,
  0 not it, -1 padding), `mask_input` `[1, 1, 256, 256]`, `has_mask_input` `[1]`, `orig_im_size` `[2]`;
  outputs `masks` (logits), `iou_predictions`, and optionally `low_res_masks` `[1, K, 256, 256]`, which is
  preferred: scaled up, cropped and scaled to the image here, as SAM does (the exported `masks` of
  segment-anything 1.0 keep the aspect ratio of the image used for exporting).

The embedding (the slow half: seconds on a CPU) is made once per image and cached by the caller; each click
then costs one decoder run (tens of milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image as PILImage

from annotator.core.assists.picture import Picture, check_inside, mask_to_image_parts
from annotator.core.geometry import Part

PIXEL_MEAN = np.asarray([123.675, 116.28, 103.53], dtype=np.float32)
PIXEL_STD = np.asarray([58.395, 57.12, 57.375], dtype=np.float32)
DEFAULT_SIDE = 1024
LOW_RES_SIDE = 256
DECODER_INPUTS = ("image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size")
DECODER_OUTPUTS = ("masks", "iou_predictions")
MAX_POINTS = 32


class ModelError(ValueError):
    """A model folder that cannot be used; the message says what is missing or wrong, for people."""


@dataclass(frozen=True)
class Embedding:
    """An image's embedding and the sizes the decoder needs to map clicks and masks."""

    tensor: np.ndarray
    working_size: tuple[int, int]  # (height, width) of the picture the encoder saw
    resized_size: tuple[int, int]  # (height, width) inside the encoder's S x S frame

    @property
    def nbytes(self) -> int:
        return int(self.tensor.nbytes)


def find_model_files(folder: Path) -> tuple[Path, Path]:
    """The encoder and decoder files in `folder`; ModelError unless there is exactly one of each."""
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a folder")
    found = {}
    for role in ("encoder", "decoder"):
        matches = sorted(path for path in folder.glob(f"*{role}*.onnx") if path.is_file())
        if len(matches) != 1:
            what = "no" if not matches else f"{len(matches)}"
            raise ModelError(f"{folder} holds {what} file named *{role}*.onnx; it needs exactly one (a Segment "
                             "Anything encoder and decoder exported to ONNX)")
        found[role] = matches[0]
    return found["encoder"], found["decoder"]


class SamModel:
    """A Segment Anything encoder and decoder loaded from a folder (ModelError if they do not fit)."""

    def __init__(self, folder: Path, threads: int = 0) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise ModelError("onnxruntime is not installed: pip install 'annotator[sam]'") from None
        self.folder = folder
        encoder_path, decoder_path = find_model_files(folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's choice (the cores)
        options.log_severity_level = 3  # errors only: no warnings per run in the server's log
        self.encoder = _session(onnxruntime, encoder_path, options)
        self.decoder = _session(onnxruntime, decoder_path, options)
        encoder_input = self.encoder.get_inputs()[0]
        self.encoder_input = encoder_input.name
        self.encoder_rank = len(encoder_input.shape)
        if self.encoder_rank not in (3, 4):
            raise ModelError(f"{encoder_path.name}: its input {encoder_input.name} has shape {encoder_input.shape}; "
                             "expected [1, 3, S, S] or [H, W, 3]")
        side = encoder_input.shape[-1] if self.encoder_rank == 4 else None
        self.side = side if isinstance(side, int) and side > 0 else DEFAULT_SIDE
        names = {item.name for item in self.decoder.get_inputs()}
        missing = [name for name in DECODER_INPUTS if name not in names]
        outputs = [item.name for item in self.decoder.get_outputs()]
        missing += [name for name in DECODER_OUTPUTS if name not in outputs]
        if missing:
            raise ModelError(f"{decoder_path.name} lacks {', '.join(missing)}: not a Segment Anything decoder "
                             f"exported as segment-anything's export_onnx_model.py does")
        self.decoder_outputs = outputs

    @property
    def name(self) -> str:
        return self.folder.name

    def embed(self, picture: Picture) -> Embedding:
        """Run the encoder on the picture (the slow step: cache what it answers)."""
        height, width = picture.pixels.shape[:2]
        resized_size = resized_within(height, width, self.side)
        tensor = encoder_input(picture.pixels, resized_size, self.side, self.encoder_rank)
        embedding = self.encoder.run(None, {self.encoder_input: tensor})[0]
        return Embedding(np.asarray(embedding, dtype=np.float32), (height, width), resized_size)

    def mask(self, embedding: Embedding, picture: Picture, points: Sequence[Sequence[float]],
             labels: Sequence[int]) -> np.ndarray:
        """The decoder's best mask (working pixels, bool) for clicks at `points` (image pixels) with `labels`."""
        height, width = embedding.working_size
        coords = np.asarray(points, dtype=np.float64).reshape(-1, 2) * (picture.scale_x, picture.scale_y)
        coords = click_coordinates(coords, embedding.working_size, embedding.resized_size)
        coords = np.concatenate([coords, np.zeros((1, 2))])[None].astype(np.float32)  # and SAM's padding point
        labels_in = np.asarray([*labels, -1], dtype=np.float32)[None]
        inputs = {"image_embeddings": embedding.tensor, "point_coords": coords, "point_labels": labels_in,
                  "mask_input": np.zeros((1, 1, LOW_RES_SIDE, LOW_RES_SIDE), dtype=np.float32),
                  "has_mask_input": np.zeros(1, dtype=np.float32),
                  "orig_im_size": np.asarray([height, width], dtype=np.float32)}
        outputs = dict(zip(self.decoder_outputs, self.decoder.run(None, inputs), strict=True))
        best = int(np.argmax(np.asarray(outputs["iou_predictions"]).reshape(-1)))
        if "low_res_masks" in outputs:
            low_res = np.asarray(outputs["low_res_masks"], dtype=np.float32)[0, best]
            logits = upscale_low_res(low_res, embedding.resized_size, embedding.working_size, self.side)
        else:
            logits = np.asarray(outputs["masks"], dtype=np.float32)[0, best]
            if logits.shape != (height, width):
                logits = cv2.resize(logits, (width, height), interpolation=cv2.INTER_LINEAR)
        return logits > 0.0

    def outline(self, embedding: Embedding, picture: Picture, points: Sequence[Sequence[float]],
                labels: Sequence[int]) -> list[Part]:
        """The object the clicks pick, as editable parts (Refused for a click outside the image)."""
        check_inside(points, picture)
        return mask_to_image_parts(self.mask(embedding, picture, points, labels), picture)


def _session(onnxruntime: Any, path: Path, options: Any) -> Any:
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a broken or foreign file
        raise ModelError(f"{path.name} cannot be loaded by onnxruntime: {exc}") from exc


def resized_within(height: int, width: int, side: int) -> tuple[int, int]:
    """SAM's ResizeLongestSide: the size with the longer side `side`, rounded half up."""
    scale = side / max(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


def encoder_input(pixels: np.ndarray, resized_size: tuple[int, int], side: int, rank: int) -> np.ndarray:
    """The picture as the encoder takes it: resized (bilinear, as SAM's Pillow resize), and for a rank-4
    input normalised, channels first and padded to side x side."""
    height, width = resized_size
    resized = np.asarray(PILImage.fromarray(pixels).resize((width, height), resample=PILImage.Resampling.BILINEAR),
                         dtype=np.float32)
    if rank == 3:
        return resized
    normalised = ((resized - PIXEL_MEAN) / PIXEL_STD).transpose(2, 0, 1)
    padded = np.zeros((1, 3, side, side), dtype=np.float32)
    padded[0, :, :height, :width] = normalised
    return padded


def click_coordinates(coords: np.ndarray, working_size: tuple[int, int],
                      resized_size: tuple[int, int]) -> np.ndarray:
    """Clicks in working pixels (continuous: pixel i spans [i, i + 1)) as SAM's coordinates in the encoder's
    frame: pixel indices (SAM adds half a pixel itself), scaled as the image was."""
    factors = np.asarray([resized_size[1] / working_size[1], resized_size[0] / working_size[0]])
    return (coords - 0.5) * factors


def upscale_low_res(low_res: np.ndarray, resized_size: tuple[int, int], working_size: tuple[int, int],
                    side: int) -> np.ndarray:
    """SAM's postprocessing of a 256 x 256 mask: up to side x side, the image's part of it, then its size."""
    frame = cv2.resize(low_res, (side, side), interpolation=cv2.INTER_LINEAR)
    cropped = np.ascontiguousarray(frame[:resized_size[0], :resized_size[1]])
    return cv2.resize(cropped, (working_size[1], working_size[0]), interpolation=cv2.INTER_LINEAR)
