"""What a sample scene is: the public result types and the layout spec of each of the eight scenes."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image
from shapely.geometry.base import BaseGeometry

SCENE_COUNT = 8


@dataclass(frozen=True)
class SceneObject:
    """One annotated instance or stuff region: a category name and its visible region in pixels."""

    category: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Scene:
    """A rendered sample: its file name, the RGB image and its objects in painter's order."""

    file_name: str
    image: Image.Image
    objects: tuple[SceneObject, ...]


@dataclass(frozen=True)
class Spec:
    """Layout of one scene; every field is a deliberate choice so the set covers varied streets."""

    seed: int
    light: str
    curve: float = 0.0  # road bends by curve * z^2 metres sideways at depth z (positive: to the right)
    horizon: float = 330.0
    lanes: int = 1  # lanes in each direction
    median: float = 0.0  # width of a grass median, 0 for an undivided road
    town: str = "city"  # city (blocks of flats, shops) or suburb (houses, gardens, hedges)
    crossing: float = 0.0  # depth of a zebra crossing, 0 for none
    cars: int = 5
    walkers: int = 3
    cyclist: tuple[float, float, float] = (1.0, 11.0, 70.0)  # lateral offset, depth, heading (degrees)
    overhead_light: bool = False
    street_trees: bool = True


SPECS: tuple[Spec, ...] = (
    Spec(seed=1101, light="day", crossing=19.0, cars=5, walkers=4, cyclist=(2.6, 10.5, 62.0)),
    Spec(
        seed=1202,
        light="overcast",
        horizon=322.0,
        lanes=2,
        median=3.0,
        cars=7,
        walkers=3,
        cyclist=(4.0, 10.0, 58.0),
        overhead_light=True,
        street_trees=False,
    ),
    Spec(
        seed=1303,
        light="dusk",
        curve=0.0011,
        horizon=338.0,
        town="suburb",
        cars=4,
        walkers=3,
        cyclist=(0.2, 11.5, -82.0),
    ),
    Spec(
        seed=1404,
        light="rain",
        horizon=334.0,
        lanes=2,
        crossing=17.0,
        cars=6,
        walkers=4,
        cyclist=(4.2, 10.5, 55.0),
    ),
    Spec(
        seed=1505,
        light="night",
        curve=-0.0009,
        cars=5,
        walkers=3,
        cyclist=(-1.0, 12.0, 100.0),
        overhead_light=True,
    ),
    Spec(
        seed=1606,
        light="afternoon",
        curve=-0.0015,
        horizon=344.0,
        town="suburb",
        crossing=16.0,
        cars=4,
        walkers=3,
        cyclist=(1.8, 9.5, -60.0),
    ),
    Spec(
        seed=1707,
        light="fog",
        horizon=326.0,
        lanes=2,
        median=2.6,
        cars=6,
        walkers=3,
        cyclist=(4.0, 9.5, 78.0),
    ),
    Spec(
        seed=1808,
        light="drizzle",
        curve=0.0013,
        crossing=18.0,
        cars=5,
        walkers=4,
        cyclist=(2.2, 11.0, -70.0),
        overhead_light=True,
    ),
)
