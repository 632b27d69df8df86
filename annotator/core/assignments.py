"""Which image a participant labels next: plain functions on image ids, no database.

Three ways to hand images out, chosen by the instructor:

- ``same``: everyone works through the same images in the same order, so the room can compare outlines
  of one scene (agreement needs several people per image).
- ``round_robin``: each "next image" hands out the image fewest people have had so far (ties go to the
  earlier one in the workshop's order), so the room covers the set evenly and a large set gets done.
- ``free``: people pick from the gallery; "next image" simply moves on to the next image in order.

In every mode an image someone has finished is not handed to them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MODES = ("free", "same", "round_robin")


@dataclass(frozen=True)
class NextImage:
    image_id: int | None  # None: nothing left for this person
    remaining: int  # images of the workshop this person has not finished, the current one included


def next_image(mode: str, pool: Sequence[int], finished: set[int], current: int | None,
               holders: Mapping[int, int] | None = None, assigned: Sequence[int] = ()) -> NextImage:
    """The image to open after `current` for someone who has finished `finished`.

    `pool` is the workshop's images in order; `holders` counts, per image, the people it has been handed
    to (round-robin only); `assigned` are the images this person was given and has not finished, oldest
    first (round-robin gives those back before handing out new ones)."""
    if mode not in MODES:
        raise ValueError(f"unknown assignment mode {mode!r}")
    open_images = [image for image in pool if image not in finished]
    remaining = len(open_images)
    candidates = [image for image in open_images if image != current]
    if not candidates:
        return NextImage(None, remaining)
    if mode == "round_robin":
        waiting = [image for image in assigned if image in candidates]
        if waiting:
            return NextImage(waiting[0], remaining)
        counts = holders or {}
        order = {image: index for index, image in enumerate(pool)}
        return NextImage(min(candidates, key=lambda image: (counts.get(image, 0), order[image])), remaining)
    # same and free: the next one in the workshop's order after the current image, wrapping round.
    if current in pool:
        after = pool.index(current)
        ordered = [image for image in pool[after + 1:] + pool[:after] if image in candidates]
        return NextImage(ordered[0], remaining)
    return NextImage(candidates[0], remaining)
