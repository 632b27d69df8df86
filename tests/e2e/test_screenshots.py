"""docs/screenshots.py remakes the README's pictures from a seeded room: a small room is enough to prove it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

from tests.conftest import REPO_ROOT


def load_script():
    spec = importlib.util.spec_from_file_location("screenshots", REPO_ROOT / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshot_script_seeds_a_room_and_photographs_its_pages(tmp_path: Path, browser):
    script = load_script()
    written = script.make(tmp_path, people=1, objects=1, only={"gallery.png", "receipt.png"}, browser=browser)
    assert sorted(path.name for path in written) == ["gallery.png", "receipt.png"]
    for name in ("gallery.png", "receipt.png"):
        with Image.open(tmp_path / name) as picture:
            assert picture.size == (1280, 800)
            assert len(picture.convert("L").getcolors() or ()) > 50  # a page, not a blank or an error screen


def test_the_seed_outlines_things_with_a_hand_drawn_number_of_vertices():
    script = load_script()
    outlines = script.ground_truth_outlines(1, 720, 1280, limit=4)
    assert len(outlines) == 4
    for _category, points in outlines:
        assert 3 <= len(points) <= 60
