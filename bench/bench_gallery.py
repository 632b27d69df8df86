"""How fast the gallery and /api/images answer with 5,000 images (and 25,000 annotations).

Run by hand:  python bench/bench_gallery.py [--images 5000] [--database-url URL]
Prints the median and 95th percentile per request kind; figures go in bench/README.md.
Image rows are inserted directly (no files): the listing never opens image files, only rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from annotator import create_app
from annotator.store.models import Annotation, Image, db


def populate(image_count: int, annotations_per_image: int) -> None:
    rng = random.Random(7)
    db.session.execute(db.insert(Image), [
        {"file_name": f"drive_{n:05d}.jpg", "sha256": f"{n:064x}", "stored_path": f"00/{n:064x}.jpg",
         "width": 1920, "height": 1080, "mime_type": "image/jpeg", "byte_size": 400_000, "source": "import",
         "deleted": False} for n in range(image_count)])
    db.session.execute(db.insert(Annotation), [
        {"client_id": f"a{n}-{k}", "image_id": n + 1, "category_id": rng.randint(1, 27), "parts": [],
         "bbox": [0, 0, 1, 1], "area": 1.0, "deleted": k == 0, "attributes": {}, "version": 1, "iscrowd": False}
        for n in range(image_count) for k in range(annotations_per_image)])
    db.session.commit()


def measure(client, url: str, repeat: int) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--annotations", type=int, default=5, help="per image (one of them deleted)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder), "DATABASE_URL": args.database_url, "LOAD_SAMPLES": False})
        with app.app_context():
            start = time.perf_counter()
            populate(args.images, args.annotations)
            print(f"inserted {args.images} images, {args.images * args.annotations} annotations "
                  f"in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        client = app.test_client()
        last_page = (args.images + 47) // 48
        for label, url in [("gallery page 1", "/"), ("gallery middle page", f"/?page={last_page // 2}"),
                           ("gallery last page", f"/?page={last_page}"),
                           ("api first 48", "/api/images?limit=48"),
                           ("api last 48", f"/api/images?offset={args.images - 48}&limit=48"),
                           ("api 500 at once", "/api/images?limit=500")]:
            median, p95 = measure(client, url, args.repeat)
            print(f"{label:<22} median {median:6.1f} ms   p95 {p95:6.1f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
