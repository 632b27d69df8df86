"""annotator.core.flag_crops: the crop's box maths, its outline colour, and the PNG it draws."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from annotator.core import flag_crops


def test_the_crop_box_adds_a_margin_and_stays_inside_the_image():
    assert flag_crops.crop_box([100, 50, 100, 40], 1280, 720) == (80, 30, 220, 110)
    # At an edge the box slides back inside rather than being cut short.
    assert flag_crops.crop_box([0, 0, 100, 40], 1280, 720) == (0, 0, 140, 80)
    # A tiny object gets at least 64 px around its centre.
    assert flag_crops.crop_box([500, 300, 4, 4], 1280, 720) == (470, 270, 534, 334)
    # An image smaller than the minimum is the whole image.
    assert flag_crops.crop_box([2, 2, 10, 10], 30, 20) == (0, 0, 30, 20)


def test_the_crop_is_scaled_to_240_px_enlarging_small_crops_at_most_four_times():
    big = (0, 0, 960, 480)
    assert flag_crops.crop_scale(big) == 0.25 and flag_crops.crop_size(big, 0.25) == (240, 120)
    small = (0, 0, 30, 20)
    assert flag_crops.crop_scale(small) == 4.0 and flag_crops.crop_size(small, 4.0) == (120, 80)


def test_the_crop_rings_are_in_crop_pixels_holes_included():
    parts = [{"points": [100, 50, 200, 50, 200, 90], "hole": False}, {"points": [1, 2, 3, 4], "hole": True}]
    assert flag_crops.crop_rings(parts, (80, 30, 220, 110), 2.0) == [[(40.0, 40.0), (240.0, 40.0), (240.0, 120.0)]]


def test_dark_class_colours_are_outlined_in_yellow():
    assert flag_crops.outline_colour("#000000") == "#ffd400"
    assert flag_crops.outline_colour("#00008e") == "#ffd400"
    assert flag_crops.outline_colour("#dcdc00") == "#dcdc00"
    assert flag_crops.outline_colour("nonsense") == "#ffd400"
    # Matched whole: Python's `$` also matches before a final newline, and PIL cannot draw "#aabbcc\n".
    assert flag_crops.outline_colour("#aabbcc\n") == "#ffd400"


def test_the_crop_is_a_png_around_the_outline_with_it_drawn(tmp_path):
    source = tmp_path / "scene.png"
    PILImage.new("RGB", (640, 360), (40, 90, 120)).save(source)
    square = [{"points": [100, 60, 160, 60, 160, 110, 100, 110], "hole": False}]
    picture = PILImage.open(io.BytesIO(flag_crops.render_crop(source, square, [100, 60, 60, 50], "#dcdc00")))
    assert picture.format == "PNG" and max(picture.size) == 240
    colours = {colour for _count, colour in picture.convert("RGB").getcolors(1 << 16)}
    assert (220, 220, 0) in colours and (40, 90, 120) in colours
