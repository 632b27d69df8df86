"""Rendering: one scene from its spec to image and objects, all scenes written to disk, and the
``python -m annotator.samples`` entry point."""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from .backdrop import add_backdrop
from .camera import Camera
from .canvas import SUPERSAMPLE, composite, post_process
from .context import Ctx, Road
from .layout import populate
from .light import LIGHTS
from .scene import SCENE_COUNT, SPECS, Scene
from .shapes import HEIGHT, WIDTH, valid_region
from .sky import add_sky
from .street import add_ground
from .truth import build_ground_truth, conform_edges, dump_truth, visible_objects

_DESCRIPTION = "Synthetic driving scenes with exact COCO ground truth, rendered deterministically."


def render_scene(index: int) -> Scene:
    """Render sample scene `index` (0..SCENE_COUNT-1): image and visible objects, deterministically."""
    if not 0 <= index < SCENE_COUNT:
        raise IndexError(f"scene index must be in 0..{SCENE_COUNT - 1}, got {index}")
    spec = SPECS[index]
    road = Road(lane=3.3, lanes=spec.lanes, median=spec.median, walk=4.0 if spec.town == "city" else 2.6)
    ctx = Ctx(
        spec=spec,
        light=LIGHTS[spec.light],
        cam=Camera(horizon=spec.horizon, curve=spec.curve),
        road=road,
        rng=np.random.default_rng([spec.seed, 0]),
        tex=np.random.default_rng([spec.seed, 1]),
    )
    add_sky(ctx)
    add_ground(ctx)
    add_backdrop(ctx)
    populate(ctx)
    items = ctx.items()
    # drop vertices that change nothing visible (< 0.05 px); paint and truth both use the result
    for item in items:
        item.shape = valid_region(item.shape.simplify(0.05, preserve_topology=True))
    canvas = Image.new("RGB", (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE), (0, 0, 0))
    for item in items:
        composite(canvas, item, ctx.patches, ctx.tex)
    image = post_process(canvas.reduce(SUPERSAMPLE), ctx.light, ctx.spec.seed, ctx.glows, ctx.cam.horizon)
    return Scene(
        file_name=f"scene_{index + 1:02d}.jpg", image=image, objects=conform_edges(visible_objects(items))
    )


def write_samples(out_dir: pathlib.Path, progress: Callable[[str], None] | None = None) -> list[pathlib.Path]:
    """Render every scene into `out_dir` as scene_XX.jpg plus ground_truth.json; returns the written paths."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scenes, written = [], []
    for index in range(SCENE_COUNT):
        scene = render_scene(index)
        path = out_dir / scene.file_name
        # fixed encoder settings and no metadata, so a re-render gives the same bytes
        scene.image.save(path, "JPEG", quality=90, optimize=False, progressive=False, subsampling="4:2:0")
        scenes.append(scene)
        written.append(path)
        if progress is not None:
            progress(scene.file_name)
    truth_path = out_dir / "ground_truth.json"
    truth_path.write_text(dump_truth(build_ground_truth(scenes)), encoding="utf-8")
    written.append(truth_path)
    return written


def _default_out_dir() -> pathlib.Path:
    package = pathlib.Path(__file__).resolve().parents[1]  # annotator/, above this subpackage
    for candidate in (package.parent / "sample_images", package / "sample_images"):
        if candidate.is_dir():
            return candidate
    return package.parent / "sample_images"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m annotator.samples", description=_DESCRIPTION)
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=pathlib.Path,
        default=None,
        help="folder to write into (default: the repository's sample_images/)",
    )
    args = parser.parse_args(argv)
    for path in write_samples(
        args.out_dir or _default_out_dir(), progress=lambda name: print(f"rendered {name}")
    ):
        print(path)
