"""Remake the README's screenshots from a seeded room: `python docs/screenshots.py [--out docs]`.

Starts a real `annotator serve` in workshop mode on a fresh data folder with the sample scenes and seeds it the
way a room fills up: participants join, each outlines things of the sample ground truth on two scenes at a
person's pace, in real time (a few seconds to find each object, about a second per vertex; a minute or two).
Then it photographs the pages in headless Chromium (/usr/bin/chromium) at 1280x800: the gallery, the editor, the
labour dashboard, a participant's receipt, the live view and, where the server has it, the debrief.

The random seed is fixed: the same people draw the same objects at the same pace each time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core.geometry import segmentation_to_parts  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_annotator_server  # noqa: E402
from tests.e2e.scripted_editor import ScriptedEditor  # noqa: E402

TOKEN = "screenshots-instructor-token"
PEOPLE = ("Amara", "Luis", "Grace", "Jomo")
VIEWPORT = {"width": 1280, "height": 800}
THINGS = {"vehicle", "human", "object"}  # what people outline one by one in the seeded room
# The pages photographed: file name, path, whose browser (the instructor's or the first participant's).
SHOTS = (
    ("gallery.png", "", "instructor"),
    ("editor.png", "annotate/1", "participant"),
    ("labour-dashboard.png", "labour", "instructor"),
    ("receipt.png", "receipt", "participant"),
    ("live.png", "live", "instructor"),
    ("debrief.png", "debrief", "instructor"),
)


def ground_truth_outlines(image_id: int, height: int, width: int, limit: int) -> list[tuple[int, list[list[float]]]]:
    """The `limit` largest things (cars, people, signs...) of a sample scene as (class id, outline), with about
    as many vertices as a person clicks."""
    truth = json.loads((REPO / "sample_images" / "ground_truth.json").read_text())
    things = {c["id"] for c in truth["categories"] if c["supercategory"] in THINGS}
    objects = sorted((a for a in truth["annotations"] if a["image_id"] == image_id and not a.get("iscrowd")
                      and a["category_id"] in things), key=lambda a: -a["area"])
    outlines = []
    for annotation in objects[:limit]:
        parts = [part for part in segmentation_to_parts(annotation["segmentation"], height, width) if not part.hole]
        if not parts:
            continue
        flat = parts[0].points
        polygon = shapely.Polygon(list(zip(flat[::2], flat[1::2], strict=True))).simplify(2.0)
        points = [[round(x, 1), round(y, 1)] for x, y in polygon.exterior.coords[:-1]]
        if len(points) >= 3:
            outlines.append((annotation["category_id"], points))
    return outlines


def seed(server: Any, people: tuple[str, ...], images: int, objects: int, rng: random.Random) -> ScriptedEditor:
    """Each person outlines `objects` objects on each of `images` scenes, all editor pages at once and in real
    time (the ledger credits no more time than the server's clock saw pass); returns the first person's editor."""
    import requests

    truth = json.loads((REPO / "sample_images" / "ground_truth.json").read_text())
    sizes = {image["id"]: (image["height"], image["width"]) for image in truth["images"]}
    sessions = []
    for number, name in enumerate(people):
        http = requests.Session()
        for offset in range(images):
            image_id = (number + offset) % len(sizes) + 1
            editor = ScriptedEditor(server, image_id, f"session-{name.lower()}-{image_id}", http=http, name=name)
            work = [(category, points, rng.uniform(1_500, 4_000), [0.0] + [rng.uniform(500, 1_200) for _ in points])
                    for category, points in ground_truth_outlines(image_id, *sizes[image_id], objects)]
            sessions.append((editor, work))

    def outline(editor: ScriptedEditor, work: list[tuple[int, list[list[float]], float, list[float]]]) -> None:
        for index, (category, points, search, gaps) in enumerate(work):
            time.sleep((search + sum(gaps)) / 1000)  # the person's pace, on the server's clock too
            editor.draw(f"{editor.session_id}-{index}", search=search, gaps=gaps, category=category, points=points)

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        for done in [pool.submit(outline, editor, work) for editor, work in sessions]:
            done.result()
    return sessions[0][0]


@contextmanager
def room(data_dir: Path) -> Iterator[Any]:
    server = start_annotator_server(data_dir / "data", data_dir / "logs",
                                    extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": TOKEN})
    try:
        yield server
    finally:
        server.stop()


def photograph(server: Any, participant: ScriptedEditor, out: Path, only: set[str] | None,
               browser: Any) -> list[Path]:
    """Screenshots of SHOTS (those in `only` when given); a page the server does not have (404) is skipped."""
    written = []
    instructor = browser.new_context(viewport=VIEWPORT)
    instructor.add_cookies([{"name": "annotator_instructor", "value": TOKEN, "url": server.url}])
    person = browser.new_context(viewport=VIEWPORT)
    person.add_cookies([{"name": cookie.name, "value": cookie.value, "url": server.url}
                        for cookie in participant.http.cookies])
    for name, path, whose in SHOTS:
        if only and name not in only:
            continue
        page = (instructor if whose == "instructor" else person).new_page()
        response = page.goto(server.url + path)
        if response is None or response.status == 404:
            page.close()
            continue
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # charts and canvases finish drawing
        page.screenshot(path=str(out / name))
        written.append(out / name)
        page.close()
    instructor.close()
    person.close()
    return written


def make(out: Path, people: int, objects: int, only: set[str] | None = None, browser: Any = None) -> list[Path]:
    """Seed a room and photograph it into `out`; `browser` is a Playwright Chromium (one is started if None)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, room(Path(folder)) as server:
        participant = seed(server, PEOPLE[:max(1, people)], images=2, objects=objects, rng=random.Random(2026))
        if browser is not None:
            return photograph(server, participant, out, only, browser)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                return photograph(server, participant, out, only, chromium)
            finally:
                chromium.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for the PNG files (default docs/)")
    parser.add_argument("--people", type=int, default=len(PEOPLE), help="participants seeded (at most 4)")
    parser.add_argument("--objects", type=int, default=4, help="objects each person outlines per scene")
    parser.add_argument("--only", nargs="*", help="file names to make (default: all)")
    args = parser.parse_args(argv)
    for path in make(args.out, args.people, args.objects, set(args.only) if args.only else None):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
