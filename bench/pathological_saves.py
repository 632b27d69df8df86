"""Saves built to stall the room (issue 14), against a real `annotator serve --threads 8`.

Run by hand:  python bench/pathological_saves.py [--code DIR] [--alone 3]
`--code` is the folder holding the `annotator` package to serve (default: this checkout); to measure the code
before the change, extract it first: `git archive 66d6a23 | tar -x -C /tmp/geometry-before` and pass
`--code /tmp/geometry-before`. Prints, with the load average before and after (the machine is shared):
- the worst case alone: a 10,000-point ring alternating 100 px and 1e308 px from the centre of a 640 x 480
  image (`--alone` times in a row: its answer and seconds),
- eight of it at once (as many as the worker threads) and another person's 4-vertex save 0.3 s later: each
  one's answer and seconds.
Figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import image_bytes  # noqa: E402  (the repository's own test image maker)

WIDTH, HEIGHT = 640, 480
WORST_CASES = 8
URL_LINE = re.compile(r"Open (http://\S+/) in a browser\.")


def reaching_star(count: int = 10_000, near: float = 100, far: float = 1e308) -> list[float]:
    points: list[float] = []
    for index in range(count):
        angle = 2 * math.pi * index / count
        radius = near if index % 2 == 0 else far
        points += [WIDTH / 2 + radius * math.cos(angle), HEIGHT / 2 + radius * math.sin(angle)]
    return points


def serve(code: Path, data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANNOTATOR_")}
    env.update(PYTHONPATH=str(code), ANNOTATOR_LOAD_SAMPLES="false", PYTHONUNBUFFERED="1")
    log = data_dir.parent / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "annotator", "serve", "--port", "0", "--threads", "8",
                                    "--data-dir", str(data_dir)], stdout=out, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL, cwd=code)  # `-m` puts the working folder first
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        match = URL_LINE.search(log.read_text(errors="replace"))
        if match:
            return process, match.group(1)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")


class Person:
    def __init__(self, url: str) -> None:
        self.url, self.http = url, requests.Session()
        page = self.http.get(url, timeout=60)
        self.headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1),
                        "Content-Type": "application/json"}

    def save(self, image_id: int, body: str) -> tuple[int, float, str]:
        start = time.perf_counter()
        response = self.http.post(f"{self.url}api/images/{image_id}/annotations", data=body, headers=self.headers,
                                  timeout=600)
        seconds = time.perf_counter() - start
        return response.status_code, seconds, (response.json().get("detail") or "")[:90]


def star_body(client_id: str) -> str:
    return json.dumps({"client_id": client_id, "category_id": 7, "parts": [{"points": reaching_star()}]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="folder holding the annotator package to serve")
    parser.add_argument("--alone", type=int, default=3, help="worst-case saves one after another")
    args = parser.parse_args()
    print(f"code {args.code.resolve()}; {os.cpu_count()} CPUs; load average before {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        process, url = serve(args.code.resolve(), Path(folder) / "data")
        try:
            owner = Person(url)
            upload = owner.http.post(f"{url}api/images", headers={"X-CSRFToken": owner.headers["X-CSRFToken"]},
                                     files={"file": ("street.jpg", image_bytes(WIDTH, HEIGHT), "image/jpeg")},
                                     timeout=60)
            image_id = upload.json()["items"][0]["id"]
            alone = [owner.save(image_id, star_body(f"alone-{index:04d}")) for index in range(args.alone)]
            for status, seconds, detail in alone:
                print(f"worst case alone: {status} in {seconds:.2f} s  {detail}")
            print(f"worst case alone: median {statistics.median(s for _, s, _ in alone):.2f} s")

            people = [Person(url) for _ in range(WORST_CASES + 1)]
            bodies = [star_body(f"star-{index:04d}") for index in range(WORST_CASES)]
            small = json.dumps({"client_id": "square-0001", "category_id": 7,
                                "parts": [{"points": [100, 100, 150, 100, 150, 140, 100, 140]}]})
            barrier = threading.Barrier(WORST_CASES + 1)
            results: list[Any] = [None] * (WORST_CASES + 1)

            def run(index: int) -> None:
                barrier.wait()
                if index == WORST_CASES:
                    time.sleep(0.3)
                    results[index] = people[index].save(image_id, small)
                else:
                    results[index] = people[index].save(image_id, bodies[index])

            threads = [threading.Thread(target=run, args=(index,)) for index in range(WORST_CASES + 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for status, seconds, detail in results[:WORST_CASES]:
                print(f"8 at once, worst case: {status} in {seconds:.2f} s  {detail}")
            worst = [seconds for _, seconds, _ in results[:WORST_CASES]]
            print(f"8 at once: median {statistics.median(worst):.2f} s, slowest {max(worst):.2f} s")
            status, seconds, _ = results[-1]
            print(f"8 at once, another person's 4-vertex save: {status} in {seconds:.2f} s")
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
