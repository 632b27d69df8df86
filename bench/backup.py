"""How long `annotator backup` and `annotator restore` take, and how large the archive is.

Run by hand:  PYTHONPATH=. python bench/backup.py [--annotations 5000] [--events 20] [--repeat 3]
              [--database-url postgresql://... (an EMPTY scratch database: the source)]
              [--target-url postgresql://... (another EMPTY scratch database: restore into it)]

Builds an installation with the 8 bundled sample scenes (1.6 MB of JPEG) and `--annotations` outlines
spread over them (a 24-vertex polygon each, RLE, area and bbox as the editor's save stores them, every
fifth edited to version 2, one in twenty deleted), each with `--events` labour events; `--annotations 0`
is the sample installation as a first start leaves it. Then times the real commands as subprocesses
(interpreter start and app creation included; a bare `annotator db current` is printed for scale),
and `write_backup` / `restore` alone, in-process:
`annotator backup OUT` (images included, the default), `annotator backup OUT --no-images`, and
`annotator restore OUT` into a fresh data folder (SQLite, or --target-url). Median of --repeat runs.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def environment(load_samples: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANNOTATOR_")}
    env["ANNOTATOR_LOAD_SAMPLES"] = "true" if load_samples else "false"
    env["PYTHONPATH"] = str(ROOT)
    return env


def annotator(args: list[str], data_dir: Path, url: str | None, load_samples: bool = False) -> float:
    command = [sys.executable, "-m", "annotator", *args, "--data-dir", str(data_dir)]
    if url:
        command += ["--database-url", url]
    started = time.perf_counter()
    result = subprocess.run(command, env=environment(load_samples), cwd=ROOT, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def populate(data_dir: Path, url: str | None, annotations: int, events: int) -> None:
    from sqlalchemy import insert

    from annotator import create_app
    from annotator.core import geometry
    from annotator.store.models import Annotation, Annotator, Image, LabourEvent, db

    app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": url, "LOAD_SAMPLES": True})
    with app.app_context():
        image_ids = list(db.session.scalars(db.select(Image.id).order_by(Image.id)))
        person = Annotator(public_id="00000000-0000-4000-8000-00000000beef", display_name="Bench")
        db.session.add(person)
        db.session.commit()
        shapes = []
        for index in range(16):  # a few distinct outlines, reused: the bench is about rows, not geometry
            cx, cy, radius = 200 + 60 * index, 200 + 20 * index, 40 + 5 * index
            points = [value for k in range(24) for value in (
                round(cx + radius * (1 + 0.3 * (k % 2)) * math.cos(k * math.pi / 12), 3),
                round(cy + radius * (1 + 0.3 * (k % 2)) * math.sin(k * math.pi / 12), 3))]
            shapes.append(geometry.shape_from_parts([{"points": points}], 1280, 720))
        t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        rows, ledger = [], []
        for number in range(annotations):
            shape = shapes[number % len(shapes)]
            client_id = f"bench-{number:07d}"
            stamp = t0 + timedelta(seconds=number * 7.25)
            rows.append({"client_id": client_id, "image_id": image_ids[number % len(image_ids)], "category_id": 7,
                         "annotator_id": person.id, "parts": [part.to_dict() for part in shape.parts],
                         "rle_counts": shape.rle["counts"], "area": float(shape.area), "bbox": shape.bbox,
                         "iscrowd": False, "attributes": {}, "version": 2 if number % 5 == 0 else 1,
                         "created_at": stamp, "updated_at": stamp, "deleted": number % 20 == 0,
                         "flag_reason": ""})
            for seq in range(events):
                ledger.append({"image_id": image_ids[number % len(image_ids)], "annotator_id": person.id,
                               "annotation_client_id": client_id, "session_id": f"bench-session-{number // 50}",
                               "seq": (number % 50) * events + seq, "kind": "vertex" if seq else "draw-start",
                               "client_time_ms": seq * 812.5 + number, "received_at": stamp,
                               "data": {"point": [100.5 + seq, 200.25]}, "sent_ms": seq * 812.5 + number + 3})
            if len(ledger) >= 20_000 or number == annotations - 1:
                if rows:
                    db.session.execute(insert(Annotation), rows)
                db.session.execute(insert(LabourEvent), ledger)
                rows, ledger = [], []
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def in_process(source: Path, url: str | None, target: Path, target_url: str | None, out: Path) -> tuple[float, float]:
    """write_backup and restore alone, without the interpreter's and the app's start-up."""
    from annotator import create_app
    from annotator.store import backup
    from annotator.store.models import db

    timings = []
    for data_dir, database_url, action in ((source, url, lambda: backup.write_backup(out)),
                                           (target, target_url, lambda: backup.restore(out, force=True))):
        app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": database_url, "LOAD_SAMPLES": False})
        with app.app_context():
            started = time.perf_counter()
            action()
            timings.append(time.perf_counter() - started)
            db.session.remove()
            db.engine.dispose()
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument("--target-url")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        source = work / "source"
        populate(source, options.database_url, options.annotations, options.events)
        startup = statistics.median(annotator(["db", "current"], source, options.database_url)
                                    for _ in range(options.repeat))
        figures: dict[str, list[float]] = {"backup": [], "backup --no-images": [], "restore": []}
        for run in range(options.repeat):
            out, light = work / f"b{run}.zip", work / f"l{run}.zip"
            figures["backup"].append(annotator(["backup", str(out)], source, options.database_url))
            figures["backup --no-images"].append(annotator(["backup", str(light), "--no-images"], source,
                                                           options.database_url))
            target = work / f"target{run}"
            if options.target_url:  # reuse the scratch database: --force replaces the previous run's rows
                figures["restore"].append(annotator(["restore", str(out), "--force"], target, options.target_url))
            else:
                figures["restore"].append(annotator(["restore", str(out)], target, None))
        alone = [in_process(source, options.database_url, work / f"alone{run}", options.target_url,
                            work / f"alone{run}.zip") for run in range(options.repeat)]
        print(f"annotations {options.annotations} x {options.events} events; source "
              f"{'PostgreSQL' if options.database_url else 'SQLite'}, target "
              f"{'PostgreSQL' if options.target_url else 'SQLite'}; median of {options.repeat}")
        print(f"  `annotator db current` (start-up alone): {startup:.2f} s")
        for name, values in figures.items():
            print(f"  {name}: {statistics.median(values):.2f} s")
        print(f"  in-process write_backup: {statistics.median(a for a, _ in alone):.2f} s, "
              f"restore: {statistics.median(b for _, b in alone):.2f} s")
        print(f"  archive: {out.stat().st_size / 1e6:.2f} MB with images, {light.stat().st_size / 1e6:.2f} MB "
              "without")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
