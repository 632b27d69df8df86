"""How fast and in how much memory the COCO export runs: 5,000 images x 20 polygons of 30 vertices.

Run by hand:  python bench/export.py [--images 5000] [--per-image 20] [--vertices 30] [--database-url URL]
Prints, per variant (polygon, RLE): the export's time (median of --repeat runs) and peak memory, written
to a file and through the HTTP download (GET /api/export/coco, read chunk by chunk), and a bare
baseline doing the least any exporter must for the same polygons (pycocotools frPyObjects + merge +
area + toBbox, then json serialisation of the same COCO dict), each in its own process so its peak
memory is its own.
Rows are inserted in bulk with precomputed RLE, area and bbox; image rows need no files for a JSON export.
With --import, also times `annotator import-coco` of the polygon export into a fresh data folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1280, 720
SEED = 2026
HERE = Path(__file__).resolve()


def polygons(images: int, per_image: int, vertices: int) -> list[list[list[float]]]:
    """Star-shaped polygons (never self-intersecting) inside the frame, the same for every process."""
    rng = random.Random(SEED)
    out = []
    for _ in range(images):
        shapes = []
        for _ in range(per_image):
            radius = rng.uniform(15, 110)
            cx, cy = rng.uniform(radius, WIDTH - radius), rng.uniform(radius, HEIGHT - radius)
            # One vertex per equal sector, so the ring never crosses itself.
            angles = [(k + rng.uniform(0.1, 0.9)) * 2 * math.pi / vertices for k in range(vertices)]
            ring = []
            for angle in angles:
                r = radius * rng.uniform(0.55, 1.0)
                ring += [round(cx + r * math.cos(angle), 2), round(cy + r * math.sin(angle), 2)]
            shapes.append(ring)
        out.append(shapes)
    return out


def max_rss_mb() -> float:
    """This process's peak resident memory. On Linux from VmHWM: getrusage's ru_maxrss survives exec, so a
    child would report its parent's peak (the database build) instead of its own."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def make_app(data_dir: Path, database_url: str | None):
    from annotator import create_app

    return create_app({"DATA_DIR": data_dir, "DATABASE_URL": database_url, "LOAD_SAMPLES": False})


def populate(args: argparse.Namespace) -> None:
    from annotator.core import masks
    from annotator.store.models import Annotation, Annotator, Image, db

    app = make_app(args.data_dir, args.database_url)
    with app.app_context():
        start = time.perf_counter()
        db.session.execute(db.insert(Image), [
            {"file_name": f"drive_{n:05d}.jpg", "sha256": f"{n:064x}", "stored_path": f"00/{n:064x}.jpg",
             "width": WIDTH, "height": HEIGHT, "mime_type": "image/jpeg", "byte_size": 400_000, "source": "import",
             "deleted": False} for n in range(args.images)])
        db.session.execute(db.insert(Annotator), [
            {"public_id": str(uuid.UUID(int=n + 1)), "display_name": f"participant {n}", "role": "participant"}
            for n in range(10)])
        image_ids = list(db.session.scalars(db.select(Image.id).order_by(Image.id)))
        annotator_ids = list(db.session.scalars(db.select(Annotator.id).order_by(Annotator.id)))
        rng = random.Random(SEED + 1)
        rows: list[dict[str, Any]] = []
        for image_id, shapes in zip(image_ids, polygons(args.images, args.per_image, args.vertices), strict=True):
            for ring in shapes:
                rle = masks.polygons_to_rle([ring], HEIGHT, WIDTH)
                rows.append({"client_id": uuid.uuid4().hex, "image_id": image_id, "category_id": rng.randint(1, 27),
                             "annotator_id": rng.choice(annotator_ids), "parts": [{"points": ring, "hole": False}],
                             "rle_counts": rle["counts"], "area": float(masks.area(rle)), "bbox": masks.bbox(rle),
                             "iscrowd": False, "attributes": {}, "version": 1, "deleted": False})
            if len(rows) >= 5000:
                db.session.execute(db.insert(Annotation), rows)
                rows = []
        if rows:
            db.session.execute(db.insert(Annotation), rows)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":  # a database at rest: the bulk load checkpointed out of the WAL
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"built {args.images} images, {args.images * args.per_image} annotations of {args.vertices} vertices "
              f"in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})", flush=True)
        db.session.remove()
        db.engine.dispose()


def child_export(args: argparse.Namespace) -> dict[str, Any]:
    from annotator.core.schemas.export import ExportOptions
    from annotator.core.zip_stream import write_atomically
    from annotator.store.export_coco import CocoExport
    from annotator.store.models import db

    app = make_app(args.data_dir, args.database_url)
    with app.app_context():
        start = time.perf_counter()
        run = CocoExport(ExportOptions(segmentation=args.segmentation)).prepare()
        write_atomically(args.out, run.chunks())
        seconds = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return {"seconds": seconds, "annotations": run.annotations_written, "notes": len(run.notes)}


def child_download(args: argparse.Namespace) -> dict[str, Any]:
    """The same export through the HTTP download, consumed chunk by chunk as a browser would."""
    from annotator.store.models import db

    app = make_app(args.data_dir, args.database_url)
    client = app.test_client()
    start = time.perf_counter()
    response = client.get(f"/api/export/coco?segmentation={args.segmentation}", buffered=False)
    chunks = 0
    with args.out.open("wb") as handle:
        for chunk in response.response:
            handle.write(chunk)
            chunks += 1
    response.close()
    seconds = time.perf_counter() - start
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"seconds": seconds, "annotations": None, "notes": None, "chunks": chunks}


def child_baseline(args: argparse.Namespace) -> dict[str, Any]:
    from pycocotools import mask as coco_mask

    shapes = polygons(args.images, args.per_image, args.vertices)
    start = time.perf_counter()
    images, annotations = [], []
    next_id = 1
    for image_index, rings in enumerate(shapes, start=1):
        images.append({"id": image_index, "file_name": f"drive_{image_index:05d}.jpg", "width": WIDTH,
                       "height": HEIGHT})
        for ring in rings:
            rle = coco_mask.merge(coco_mask.frPyObjects([ring], HEIGHT, WIDTH))
            area = float(coco_mask.area(rle))
            bbox = coco_mask.toBbox(rle).tolist()
            segmentation: Any = [ring]
            if args.segmentation == "rle":
                segmentation = {"size": [HEIGHT, WIDTH], "counts": rle["counts"].decode("ascii")}
            annotations.append({"id": next_id, "image_id": image_index, "category_id": 1,
                                "segmentation": segmentation, "area": area, "bbox": bbox, "iscrowd": 0})
            next_id += 1
    dataset = {"info": {}, "licenses": [], "images": images,
               "categories": [{"id": 1, "name": "car", "supercategory": "vehicle"}], "annotations": annotations}
    with args.out.open("w", encoding="utf-8") as handle:
        json.dump(dataset, handle)
    return {"seconds": time.perf_counter() - start, "annotations": len(annotations), "notes": 0}


def child(args: argparse.Namespace, mode: str, segmentation: str, out: Path) -> dict[str, Any]:
    command = [sys.executable, str(HERE), "--child", mode, "--segmentation", segmentation, "--data-dir",
               str(args.data_dir), "--out", str(out), "--images", str(args.images), "--per-image",
               str(args.per_image), "--vertices", str(args.vertices)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["bytes"] = out.stat().st_size
    return figures


def measure(args: argparse.Namespace, segmentation: str, folder: Path) -> dict[str, dict[str, Any]]:
    """Export, download and baseline, alternating so all see the same machine load: median time, highest peak."""
    runs: dict[str, list[dict[str, Any]]] = {"export": [], "download": [], "baseline": []}
    for _ in range(args.repeat):
        for mode in runs:
            runs[mode].append(child(args, mode, segmentation, folder / f"{mode}-{segmentation}.json"))

    def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
        return {"seconds": statistics.median(r["seconds"] for r in results),
                "max_rss_mb": max(r["max_rss_mb"] for r in results), "bytes": results[-1]["bytes"]}

    return {mode: summary(results) for mode, results in runs.items()}


def time_import(args: argparse.Namespace, export_path: Path) -> None:
    from annotator.cli import main as cli

    if "import-coco" not in cli.commands:
        print("import-coco: not available in this version; skipped")
        return
    fresh = args.data_dir.parent / "import-data"
    # The import matches images by name and size: the same image rows (no files), no annotations.
    populate_images_only(fresh, args)
    env = {**os.environ, "ANNOTATOR_DATA_DIR": str(fresh), "ANNOTATOR_LOAD_SAMPLES": "false"}
    env.pop("ANNOTATOR_DATABASE_URL", None)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "annotator", "import-coco", str(export_path)], env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"import-coco of the polygon export into a fresh SQLite data folder: {seconds:.1f} s "
          f"(exit {result.returncode}): {last[:200]}")
    if result.returncode:
        print(result.stderr[-2000:])


def populate_images_only(data_dir: Path, args: argparse.Namespace) -> None:
    from annotator.store.models import Image, db

    app = make_app(data_dir, None)
    with app.app_context():
        db.session.execute(db.insert(Image), [
            {"file_name": f"drive_{n:05d}.jpg", "sha256": f"{n:064x}", "stored_path": f"00/{n:064x}.jpg",
             "width": WIDTH, "height": HEIGHT, "mime_type": "image/jpeg", "byte_size": 400_000, "source": "import",
             "deleted": False} for n in range(args.images)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--per-image", type=int, default=20)
    parser.add_argument("--vertices", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the median time is shown")
    parser.add_argument("--database-url", default=None, help="an EMPTY scratch database (default: SQLite)")
    parser.add_argument("--import", dest="do_import", action="store_true",
                        help="also time import-coco of the polygon export (if the command exists)")
    parser.add_argument("--child", choices=["export", "download", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--segmentation", default="polygon", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        figures = {"export": child_export, "download": child_download, "baseline": child_baseline}[args.child](args)
        figures["max_rss_mb"] = max_rss_mb()
        print(json.dumps(figures))
        return

    folder = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        args.data_dir = folder / "data"
        populate(args)
        for segmentation in ("polygon", "rle"):
            figures = measure(args, segmentation, folder)
            base = figures["baseline"]
            for mode in ("export", "download", "baseline"):
                ours = figures[mode]
                print(f"{segmentation:<8} {mode:<9} {ours['seconds']:6.1f} s  {ours['max_rss_mb']:5.0f} MB peak  "
                      f"{ours['bytes'] / 1e6:5.1f} MB file  {ours['seconds'] / base['seconds']:.2f}x baseline",
                      flush=True)
        if args.do_import:
            time_import(args, folder / "export-polygon.json")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
