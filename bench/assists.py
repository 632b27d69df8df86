"""How long the assists take, and how close they come to the sample scenes' ground truth.

Run by hand:  PYTHONPATH=. python bench/assists.py [--room 30]
On a fresh SQLite database holding the eight sample scenes (1280 x 720), through HTTP (Flask's test client):

- GrabCut from each of the 10 largest cars' and people's ground-truth boxes padded by 5 px: the answer's
  `ms`, the request's wall time (the first request on a scene reads and decodes it), and the IoU against the
  ground truth (median per class, and over both);
- scissors along 12 points spread over each of those objects' outlines: cold (the scene's edge features made
  first) and warm, and the IoU, beside that of the straight polygon through the same points;
- a room: `--room` people pressing GrabCut at once on one scene, each trying again after Retry-After on a 503,
  until all are answered: how long the last waited, and how many 503s there were.

Prints the machine's load average before and after: the figures are wall-clock times on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from annotator import create_app
from annotator.core import geometry, masks
from tests.core.assists.conftest import largest, padded_box, scene


def clicks_along(mask: np.ndarray, count: int) -> list[list[float]]:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    edge = max(contours, key=cv2.contourArea).reshape(-1, 2)
    step = len(edge) / count
    return [[float(x) + 0.5, float(y) + 0.5] for x, y in (edge[int(index * step)] for index in range(count))]


def iou(parts: list[dict], rle: masks.RLE) -> float:
    if not parts:
        return 0.0
    shapes = [geometry.Part(tuple(part["points"]), part["hole"]) for part in parts]
    return masks.iou(geometry.mask_of_parts(shapes, 1280, 720), rle)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--room", type=int, default=30)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    folder = Path(tempfile.mkdtemp())
    app = create_app({"DATA_DIR": folder, "LOAD_SAMPLES": True, "RATE_ASSISTS": "off", "TESTING": True})
    client = app.test_client()
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)}
    ids = {item["file_name"]: item["id"] for item in client.get("/api/images?limit=50").get_json()["items"]}

    def post(image: int, body: dict) -> tuple[dict, float]:
        started = time.perf_counter()
        response = client.post(f"/api/images/{image}/assist", json=body, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json(), (time.perf_counter() - started) * 1000

    seen: set[int] = set()
    grab = {"car": [], "person": []}
    cut = {"car": [], "person": []}
    straight = []
    timings = {"grabcut cold": [], "grabcut warm": [], "scissors cold": [], "scissors warm": []}
    for category in grab:
        for thing in largest(category, 10):
            image = ids[f"scene_{thing.image_id:02d}.jpg"]
            picture = scene(thing.image_id)
            answer, wall = post(image, {"method": "grabcut", "box": padded_box(thing, picture)})
            timings["grabcut cold" if image not in seen else "grabcut warm"].append((answer["ms"], wall))
            grab[category].append(iou(answer["parts"], thing.rle))
            points = clicks_along(thing.mask, 12)
            answer, wall = post(image, {"method": "scissors", "points": points})
            timings["scissors cold" if image not in seen else "scissors warm"].append((answer["ms"], wall))
            cut[category].append(iou(answer["parts"], thing.rle))
            straight.append(masks.iou(masks.polygons_to_rle([[v for p in points for v in p]], 720, 1280), thing.rle))
            seen.add(image)
    for name, values in timings.items():
        if values:
            print(f"{name:14} n={len(values):2}  ms median {statistics.median(v[0] for v in values):6.0f} "
                  f"max {max(v[0] for v in values):6.0f}   wall median {statistics.median(v[1] for v in values):6.0f}"
                  f" max {max(v[1] for v in values):6.0f}")
    for label, table in (("grabcut", grab), ("scissors", cut)):
        both = table["car"] + table["person"]
        print(f"{label:9} IoU median: cars {statistics.median(table['car']):.3f}, people "
              f"{statistics.median(table['person']):.3f}, both {statistics.median(both):.3f}")
    print(f"straight polygon through the same 12 points: IoU median {statistics.median(straight):.3f}")

    # a room pressing at once
    thing = largest("car", 1)[0]
    image = ids[f"scene_{thing.image_id:02d}.jpg"]
    box = padded_box(thing, scene(thing.image_id))
    waits, refusals = [], []
    start = threading.Event()

    def person() -> None:
        own = app.test_client()
        own_headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"',
                                                own.get("/").get_data(as_text=True)).group(1)}
        start.wait()
        began = time.perf_counter()
        while True:
            response = own.post(f"/api/images/{image}/assist", json={"method": "grabcut", "box": box},
                                headers=own_headers)
            if response.status_code != 503:
                assert response.status_code == 200, response.get_json()
                break
            refusals.append(1)
            time.sleep(float(response.headers["Retry-After"]))
        waits.append(time.perf_counter() - began)

    threads = [threading.Thread(target=person) for _ in range(args.room)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    start.set()
    for thread in threads:
        thread.join()
    print(f"room of {args.room} pressing GrabCut at once: all answered within {max(waits):.1f} s (median "
          f"{statistics.median(waits):.1f} s), {len(refusals)} answers 503 'busy' on the way")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
