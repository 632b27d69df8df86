"""Synthetic driving scenes with exact COCO ground truth, rendered deterministically.

The annotator ships these sample images so a workshop can start without data of its own, and so a
participant's outlines can be scored against a known answer. Each scene is a list of shapes in
painter's order: the same shapely geometry is rasterised into the picture and, minus everything
drawn later on top of it, written to the ground truth, so pixels and truth always agree.

Regenerate with ``python -m annotator.samples [OUT_DIR]`` (or ``annotator samples render``): all
randomness comes from fixed seeds, so the same library versions give byte-identical files.

This package only re-exports the public API. Its modules, from the bottom up:

- ``shapes``, ``colour``: the image frame, shapely helpers, RGB arithmetic
- ``light``: light and weather per scene; ``scene``: the result types and the eight scene specs
- ``camera``: projection and convex solids; ``canvas``: layers, compositing, the finishing pass
- ``context``: the road layout and the state builders share; ``shadows``: shadows on the ground
- ``sky``, ``street``, ``backdrop``, ``buildings``, ``vegetation``, ``vehicles``, ``people``,
  ``street_furniture``: the things a scene is made of
- ``layout``: where things go; ``truth``: visible regions and COCO; ``render``: the pipeline and CLI

Builders keep the original painter's and random-number order: moving a call changes the files.
"""

from __future__ import annotations

from .render import main, render_scene, write_samples
from .scene import SCENE_COUNT, Scene, SceneObject
from .truth import build_ground_truth

__all__ = [
    "SCENE_COUNT",
    "Scene",
    "SceneObject",
    "build_ground_truth",
    "main",
    "render_scene",
    "write_samples",
]
