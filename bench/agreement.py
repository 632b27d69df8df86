"""How long the agreement figures take for a full room on one image.

Run by hand:  PYTHONPATH=. python bench/agreement.py [--people 60] [--objects 30] [--repeat 3]
Builds `--people` people's outlines of sample scene 1 (1280 x 720): each person outlines `--objects` of the
largest ground-truth objects, every vertex moved by up to 4 px at random, one outline in ten given another
class (deterministic). Times the pure core: `agreement.analyse()` with ground truth (what
/api/images/<id>/agreement computes), `pixel_agreement()` + `heat_rgba()` + `png()` (the disagreement map),
and `pixel_classes()` (one click); then the same through HTTP (Flask's test client on a fresh SQLite
database, or ANNOTATOR_DATABASE_URL, holding the outlines as the editor would have saved them), database
reads and JSON included. Prints the median of `--repeat` runs and the JSON size. Figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from annotator import create_app
from annotator.core import agreement, masks
from annotator.store import library
from annotator.store.models import Annotation, Annotator, db

ROOT = Path(__file__).resolve().parents[1]


def outlines(people: int, objects: int) -> tuple[list[agreement.Outline], list[agreement.TruthObject], dict]:
    coco = json.loads((ROOT / "sample_images" / "ground_truth.json").read_text())
    truth = agreement.truth_for_image(coco, "scene_01.jpg", 1280, 720)
    polygons = {a["id"]: a["segmentation"] for a in coco["annotations"]
                if a["image_id"] == 1 and isinstance(a["segmentation"], list)}
    chosen = sorted((t for t in truth if t.id in polygons), key=lambda t: -masks.area(t.rle))[:objects]
    rng = np.random.default_rng(6)
    made, parts_of, next_id = [], {}, 1
    for person in range(people):
        for t in chosen:
            parts = [np.clip(np.array(p) + rng.uniform(-4, 4, len(p)), 0, [1279, 719] * (len(p) // 2)).round(3)
                     .tolist() for p in polygons[t.id] if len(p) >= 6]  # stored with 3 decimals
            category = 7 if rng.random() < 0.1 else 5
            made.append(agreement.Outline(next_id, f"person-{person:02d}", category,
                                          masks.polygons_to_rle(parts, 720, 1280)))
            parts_of[next_id] = parts
            next_id += 1
    return made, truth, parts_of


def median_time(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--objects", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    made, truth, parts_of = outlines(args.people, args.objects)
    people = sorted({o.person for o in made})
    categories = {5: "person", 7: "car"}
    print(f"{len(made)} outlines, {len(people)} people, {len(truth)} ground-truth objects, 1280 x 720")
    report = agreement.analyse(made, people, categories, truth)
    print(f"objects found: {len(report['objects'])}; JSON {len(json.dumps(report)) / 1e6:.2f} MB")
    figures = {
        "analyse (objects, pairs, confusions, ground truth)": lambda: agreement.analyse(made, people, categories,
                                                                                        truth),
        "analyse without ground truth": lambda: agreement.analyse(made, people, categories, None),
        "disagreement map (per-pixel counts + PNG)": lambda: agreement.png(agreement.heat_rgba(
            agreement.pixel_agreement(made, 1280, 720))),
        "per-pixel counts alone": lambda: agreement.pixel_agreement(made, 1280, 720),
        "one pixel's classes": lambda: agreement.pixel_classes(made, categories, 640, 500),
    }
    for label, run in figures.items():
        print(f"{label}: {median_time(run, args.repeat) * 1000:.0f} ms")
    over_http(made, parts_of, args.repeat)


def over_http(made: list[agreement.Outline], parts_of: dict, repeat: int) -> None:
    """The endpoints on a database holding the same outlines, on sample scene 1 (so with ground truth)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder), "DATABASE_URL": os.environ.get("ANNOTATOR_DATABASE_URL"),
                          "LOAD_SAMPLES": False})
        with app.app_context():
            scene = ROOT / "sample_images" / "scene_01.jpg"
            image, _ = library.add_image(scene.read_bytes(), "scene_01.jpg", "sample")
            people = {}
            for person in sorted({o.person for o in made}):
                people[person] = Annotator(public_id=str(uuid.uuid4()), display_name=person)
                db.session.add(people[person])
            db.session.flush()
            for o in made:
                db.session.add(Annotation(
                    client_id=f"bench-{o.id:06d}", image_id=image.id, category_id=o.category_id,
                    annotator_id=people[o.person].id, parts=[{"points": p, "hole": False} for p in parts_of[o.id]],
                    rle_counts=o.rle["counts"], area=float(masks.area(o.rle)), bbox=masks.bbox(o.rle), attributes={}))
            db.session.commit()
            image_id = image.id
        client = app.test_client()
        base = f"/api/images/{image_id}/agreement"
        size = len(client.get(base).data)
        print(f"HTTP, {'SQLite' if not os.environ.get('ANNOTATOR_DATABASE_URL') else 'ANNOTATOR_DATABASE_URL'}; "
              f"the JSON is {size / 1e6:.2f} MB")
        for label, url in [("GET agreement (JSON)", base), ("GET agreement.csv", f"{base}.csv"),
                           ("GET disagreement.png", f"{base}/disagreement.png"),
                           ("GET pixel", f"{base}/pixel?x=640&y=500")]:
            def run(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, response.data[:300]
            print(f"{label}: {median_time(run, repeat) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
