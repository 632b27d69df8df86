"""A tiny Segment Anything model in ONNX, with the inputs, outputs and shapes of the common exports, so the
assist's loading, pre- and post-processing run for real on it (tests only: the onnx package builds it).

- Encoder: `input_image` [1, 3, 1024, 1024] (or, `preprocessed=True`, [H, W, 3]) -> `image_embeddings`
  [1, 256, 64, 64]. Channels 0-2 of the embedding are the input's means over 16 x 16 blocks (or over the whole
  image), the rest zero: a test can recompute them from the picture.
- Decoder: SAM's six inputs -> `masks` [1, 2, H, W] at `orig_im_size`, `iou_predictions` [1, 2] and, unless
  `low_res=False`, `low_res_masks` [1, 2, 256, 256]. Mask 0 is empty with a low score; mask 1, the better one,
  is a disc of RADIUS (in the encoder's 1024 frame) round the first point, so in the image a disc of
  RADIUS * longer side / 1024 round the click.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIDE = 1024
RADIUS = 80.0  # in the 1024 frame
OPSET = [helper.make_opsetid("", 17)]


def _const(name: str, value: np.ndarray | float | int | list) -> onnx.NodeProto:
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))


def encoder(preprocessed: bool = False) -> onnx.ModelProto:
    weights = np.zeros((256, 3, 1, 1), dtype=np.float32)
    for channel in range(3):
        weights[channel, channel, 0, 0] = 1.0
    nodes = [_const("weights", weights)]
    if preprocessed:
        shape = ["image_height", "image_width", 3]
        nodes += [helper.make_node("Transpose", ["input_image"], ["chw"], perm=[2, 0, 1]),
                  _const("axis0", np.asarray([0], dtype=np.int64)),
                  helper.make_node("Unsqueeze", ["chw", "axis0"], ["nchw"]),
                  helper.make_node("GlobalAveragePool", ["nchw"], ["pooled"]),
                  helper.make_node("Conv", ["pooled", "weights"], ["point"]),
                  _const("grid", np.asarray([1, 256, 64, 64], dtype=np.int64)),
                  helper.make_node("Expand", ["point", "grid"], ["image_embeddings"])]
    else:
        shape = [1, 3, SIDE, SIDE]
        nodes += [helper.make_node("AveragePool", ["input_image"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]),
                  helper.make_node("Conv", ["pooled", "weights"], ["image_embeddings"])]
    graph = helper.make_graph(
        nodes, "tiny_sam_encoder",
        [helper.make_tensor_value_info("input_image", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64])])
    return helper.make_model(graph, opset_imports=OPSET)


def _disc(nodes: list, prefix: str, xs: str, ys: str, px: str, py: str, out: str) -> None:
    """out[y, x] = (RADIUS² - (xs[x] - px)² - (ys[y] - py)²) / RADIUS²."""
    nodes += [helper.make_node("Sub", [xs, px], [f"{prefix}dx"]), helper.make_node("Sub", [ys, py], [f"{prefix}dy"]),
              helper.make_node("Mul", [f"{prefix}dx", f"{prefix}dx"], [f"{prefix}dx2"]),
              helper.make_node("Mul", [f"{prefix}dy", f"{prefix}dy"], [f"{prefix}dy2"]),
              helper.make_node("Unsqueeze", [f"{prefix}dx2", "axis0"], [f"{prefix}row"]),
              helper.make_node("Unsqueeze", [f"{prefix}dy2", "axis1"], [f"{prefix}column"]),
              helper.make_node("Add", [f"{prefix}row", f"{prefix}column"], [f"{prefix}d2"]),
              helper.make_node("Sub", ["radius2", f"{prefix}d2"], [f"{prefix}inside"]),
              helper.make_node("Div", [f"{prefix}inside", "radius2"], [out])]


def decoder(low_res: bool = True) -> onnx.ModelProto:
    nodes = [_const("axis0", np.asarray([0], dtype=np.int64)), _const("axis1", np.asarray([1], dtype=np.int64)),
             _const("radius2", np.float32(RADIUS * RADIUS)), _const("zero", np.float32(0.0)),
             _const("one", np.float32(1.0)), _const("side", np.float32(SIDE)),
             _const("i0", np.int64(0)), _const("i1", np.int64(1)), _const("step", np.int64(1)),
             # the first point, in the 1024 frame
             helper.make_node("Gather", ["point_coords", "i0"], ["first_batch"], axis=1),
             helper.make_node("Gather", ["first_batch", "i0"], ["first"], axis=0),
             helper.make_node("Gather", ["first", "i0"], ["px"], axis=0),
             helper.make_node("Gather", ["first", "i1"], ["py"], axis=0),
             # every input counts, as in the real decoder (its score here is fixed)
             helper.make_node("ReduceMean", ["image_embeddings"], ["embedding_mean"], keepdims=0),
             helper.make_node("ReduceMean", ["point_labels"], ["label_mean"], keepdims=0),
             helper.make_node("Mul", ["has_mask_input", "zero"], ["no_mask"]),
             helper.make_node("Mul", ["embedding_mean", "zero"], ["e0"]),
             helper.make_node("Mul", ["label_mean", "zero"], ["l0"]),
             helper.make_node("Add", ["e0", "l0"], ["unused"]),
             _const("scores", np.asarray([[0.1, 0.9]], dtype=np.float32)),
             helper.make_node("Add", ["scores", "unused"], ["iou_predictions"]),
             # full-size masks: pixel (x, y) at (x, y) * 1024 / longer side in the frame
             helper.make_node("Gather", ["orig_im_size", "i0"], ["height_f"], axis=0),
             helper.make_node("Gather", ["orig_im_size", "i1"], ["width_f"], axis=0),
             helper.make_node("Max", ["height_f", "width_f"], ["longer"]),
             helper.make_node("Div", ["side", "longer"], ["scale"]),
             helper.make_node("Cast", ["height_f"], ["height"], to=TensorProto.INT64),
             helper.make_node("Cast", ["width_f"], ["width"], to=TensorProto.INT64),
             helper.make_node("Range", ["i0", "width", "step"], ["x_index"]),
             helper.make_node("Range", ["i0", "height", "step"], ["y_index"]),
             helper.make_node("Cast", ["x_index"], ["x_float"], to=TensorProto.FLOAT),
             helper.make_node("Cast", ["y_index"], ["y_float"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["x_float", "scale"], ["xs"]),
             helper.make_node("Mul", ["y_float", "scale"], ["ys"])]
    _disc(nodes, "full_", "xs", "ys", "px", "py", "full_disc")
    nodes += [helper.make_node("Unsqueeze", ["height", "axis0"], ["height_1"]),
              helper.make_node("Unsqueeze", ["width", "axis0"], ["width_1"]),
              _const("ones", np.asarray([1, 1], dtype=np.int64)),
              helper.make_node("Concat", ["ones", "height_1", "width_1"], ["mask_shape"], axis=0),
              helper.make_node("Reshape", ["full_disc", "mask_shape"], ["full_one"]),
              helper.make_node("Mul", ["full_one", "zero"], ["full_zero"]),
              helper.make_node("Sub", ["full_zero", "one"], ["full_empty"]),
              helper.make_node("Concat", ["full_empty", "full_one"], ["masks"], axis=1)]
    outputs = [helper.make_tensor_value_info("masks", TensorProto.FLOAT, [1, 2, "height", "width"]),
               helper.make_tensor_value_info("iou_predictions", TensorProto.FLOAT, [1, 2])]
    if low_res:
        # cell k of 256 covers frame pixels 4k .. 4k + 3: its centre is at 4k + 1.5
        centres = (np.arange(256, dtype=np.float32) * 4 + 1.5).astype(np.float32)
        nodes += [_const("cells", centres)]
        _disc(nodes, "low_", "cells", "cells", "px", "py", "low_disc")
        nodes += [_const("low_shape", np.asarray([1, 1, 256, 256], dtype=np.int64)),
                  helper.make_node("Reshape", ["low_disc", "low_shape"], ["low_one"]),
                  helper.make_node("Mul", ["mask_input", "no_mask"], ["low_prior"]),
                  helper.make_node("Add", ["low_one", "low_prior"], ["low_seen"]),
                  helper.make_node("Mul", ["low_seen", "zero"], ["low_zero"]),
                  helper.make_node("Sub", ["low_zero", "one"], ["low_empty"]),
                  helper.make_node("Concat", ["low_empty", "low_seen"], ["low_res_masks"], axis=1)]
        outputs.append(helper.make_tensor_value_info("low_res_masks", TensorProto.FLOAT, [1, 2, 256, 256]))
    else:
        nodes += [helper.make_node("ReduceMean", ["mask_input"], ["prior_mean"], keepdims=0),
                  helper.make_node("Mul", ["prior_mean", "no_mask"], ["prior_unused"]),
                  helper.make_node("Add", ["radius2", "prior_unused"], ["radius2_seen"])]
    inputs = [helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64]),
              helper.make_tensor_value_info("point_coords", TensorProto.FLOAT, [1, "num_points", 2]),
              helper.make_tensor_value_info("point_labels", TensorProto.FLOAT, [1, "num_points"]),
              helper.make_tensor_value_info("mask_input", TensorProto.FLOAT, [1, 1, 256, 256]),
              helper.make_tensor_value_info("has_mask_input", TensorProto.FLOAT, [1]),
              helper.make_tensor_value_info("orig_im_size", TensorProto.FLOAT, [2])]
    graph = helper.make_graph(nodes, "tiny_sam_decoder", inputs, outputs)
    return helper.make_model(graph, opset_imports=OPSET)


def write_model(folder: Path, preprocessed: bool = False, low_res: bool = True, name: str = "tiny_sam") -> Path:
    """A model folder as a user would bring it: NAME.encoder.onnx and NAME.decoder.onnx."""
    folder.mkdir(parents=True, exist_ok=True)
    for role, model in (("encoder", encoder(preprocessed)), ("decoder", decoder(low_res))):
        onnx.checker.check_model(model)
        onnx.save(model, folder / f"{name}.{role}.onnx")
    return folder
