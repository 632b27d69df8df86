"""How many saves a fast person's editor sends a minute: the figure ANNOTATOR_RATE_SAVES must stay well above.

Run by hand (needs Chromium and Playwright, as the e2e tests do):

    python bench/editor_save_rate.py [--seconds 60]

Starts `annotator serve` (single-user, sample scenes) and drives the editor in headless Chromium with the real
mouse and keyboard at a fast person's pace, over and over until the time is up: a 5-point polygon clicked at
8 clicks a second, two vertex drags of 150 ms each, two undos and two redos pressed at
10 a second. Then a burst: Ctrl+Z held down for 2 s (the keyboard repeats it 30 times a second). It counts the
save requests the editor sent (POST/PATCH/DELETE of annotations) and prints the rate of the steady part and the
most sent in any 60 s window.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_annotator_server

SAVE = re.compile(r"/api/(images/\d+/annotations|annotations/\d+)$")
READY = "() => window.annotatorEditor !== undefined && window.annotatorEditor.state().ready"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        server = start_annotator_server(Path(folder) / "data", Path(folder) / "logs")
        saves: list[float] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.on("request", lambda r: saves.append(time.monotonic())
                        if r.method in {"POST", "PATCH", "DELETE"} and SAVE.search(r.url) else None)
                page.goto(f"{server.url}annotate/1")
                page.wait_for_function(READY)

                def at(x: float, y: float) -> tuple[float, float]:
                    point = page.evaluate("([x, y]) => window.annotatorEditor.imageToClient(x, y)", [x, y])
                    return point["x"], point["y"]

                started = time.monotonic()
                rounds = 0
                while time.monotonic() - started < options.seconds:
                    x0, y0 = 100 + (rounds % 8) * 130, 100 + (rounds // 8 % 4) * 130
                    ring = [(x0, y0), (x0 + 80, y0), (x0 + 100, y0 + 60), (x0 + 40, y0 + 100), (x0, y0 + 60)]
                    page.keyboard.press("p")
                    for point in [*ring, ring[0]]:
                        page.mouse.click(*at(*point))
                        page.wait_for_timeout(125)
                    page.keyboard.press("v")
                    for (x, y) in ring[1:3]:
                        page.mouse.move(*at(x, y))
                        page.mouse.down()
                        page.mouse.move(*at(x + 10, y + 10), steps=5)
                        page.mouse.up()
                        page.wait_for_timeout(150)
                    for key in ("Control+z", "Control+z", "Control+y", "Control+y"):
                        page.keyboard.press(key)
                        page.wait_for_timeout(100)
                    rounds += 1
                steady_end = time.monotonic()
                steady = [t for t in saves if t <= steady_end]
                for _ in range(60):  # Ctrl+Z held for 2 s: the keyboard repeats it 30 times a second
                    page.keyboard.press("Control+z")
                    page.wait_for_timeout(33)
                page.wait_for_function("() => window.annotatorEditor.state().pendingSaves === 0")
                browser.close()
        finally:
            server.stop()
        window = max(sum(1 for t in saves if start <= t < start + 60) for start in saves) if saves else 0
        minutes = (steady_end - started) / 60
        print(f"{rounds} rounds in {steady_end - started:.0f} s: {len(steady)} saves, "
              f"{len(steady) / minutes:.0f} a minute")
        print(f"with the Ctrl+Z burst: {len(saves) - len(steady)} saves in the burst; "
              f"most in any 60 s: {window}")


if __name__ == "__main__":
    main()
