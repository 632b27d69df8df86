"""The road's lateral layout and the state one scene's builders share while laying it out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .camera import Camera
from .canvas import Glow, Item, Patch
from .colour import RGB
from .light import Light
from .scene import Spec
from .shapes import HEIGHT, WIDTH


@dataclass(frozen=True)
class Road:
    """Lateral layout in metres from the centre of the camera's lane (positive: right)."""

    lane: float
    lanes: int
    median: float
    walk: float

    @property
    def right_edge(self) -> float:
        return -self.lane / 2 + self.lanes * self.lane

    @property
    def median_left(self) -> float:
        return -self.lane / 2 - self.median

    @property
    def left_edge(self) -> float:
        return self.median_left - self.lanes * self.lane

    def lane_centre(self, index: int) -> float:
        """0, 1.. are lanes going our way (0 is ours); -1, -2.. are oncoming lanes from the middle out."""
        if index >= 0:
            return index * self.lane
        return self.median_left - (-index - 0.5) * self.lane


@dataclass
class Ctx:
    """Everything one scene's builders share while laying it out."""

    spec: Spec
    light: Light
    cam: Camera
    road: Road
    rng: np.random.Generator  # layout
    tex: np.random.Generator  # texture detail, consumed while painting
    ground: list[Item] = field(default_factory=list)
    background: list[tuple[int, float, int, Item]] = field(default_factory=list)
    street: list[tuple[float, int, Item]] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    glows: list[Glow] = field(default_factory=list)
    median_posts: list[float] = field(default_factory=list)

    def add(self, depth: float, item: Item) -> None:
        """Street objects are painted far to near; ties keep insertion order (pole before its sign)."""
        if not item.shape.is_empty:
            self.street.append((depth, len(self.street), item))

    def add_background(self, layer: int, depth: float, item: Item) -> None:
        """Scenery behind the street: backdrop 0, buildings 1, gardens 2, hedges 3; each far to near."""
        if not item.shape.is_empty:
            self.background.append((layer, depth, len(self.background), item))

    def items(self) -> list[Item]:
        back = sorted(self.background, key=lambda entry: (entry[0], -entry[1], entry[2]))
        ordered = sorted(self.street, key=lambda entry: (-entry[0], entry[1]))
        return [*self.ground, *(entry[3] for entry in back), *(item for _, _, item in ordered)]

    @property
    def max_depth(self) -> float:
        # Objects lost in the haze would be "visible" in the truth but not in the picture.
        return min(400.0, self.light.haze_distance * 1.6)

    def glow(self, x: float, y: float, sigma: float, colour: RGB, strength: float) -> None:
        if -4 * sigma < x < WIDTH + 4 * sigma and -4 * sigma < y < HEIGHT + 4 * sigma:
            self.glows.append(Glow(x, y, max(sigma, 0.8), colour, strength))
