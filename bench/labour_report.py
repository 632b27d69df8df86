"""How long the labour ledger takes to compute for a workshop-sized room.

Run by hand:  PYTHONPATH=. python bench/labour_report.py [--people 60] [--polygons 30] [--repeat 5]
A fresh SQLite database (or ANNOTATOR_DATABASE_URL) gets, per person, one session of `--polygons` polygons
of 12 clicked vertices each, with a zoom, a pan, a select and a vertex move per polygon: about 20 events
per polygon, the shape of what the editor sends. Prints the median time of `ledger.report()` (what
/api/labour/summary.json and the dashboard ask for), of the pure `labour.ledger()` alone, and of the events
CSV. Figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator import create_app
from annotator.core import labour
from annotator.store import ledger, library
from annotator.store.models import Annotation, Annotator, LabourEvent, db


def populate(people: int, polygons: int) -> int:
    image, _ = library.add_image(_jpeg(), "bench.jpg", "upload")
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    events = 0
    for person in range(people):
        annotator = Annotator(public_id=str(uuid.uuid4()), display_name=f"person {person}")
        db.session.add(annotator)
        db.session.flush()
        session = f"session-{person:04d}"
        steps: list[tuple[float, str, str | None, dict]] = []

        def add(gap: float, kind: str, annotation: str | None = None, into: list = steps, **data: object) -> None:
            into.append((gap, kind, annotation, data))

        add(0, "open")
        for number in range(polygons):
            client_id = f"p{person:03d}-{number:03d}"
            add(4_000, "zoom", zoom=2)
            add(1_000, "draw-start", client_id, category=7)
            for vertex in range(12):
                add(900 if vertex else 0, "vertex", client_id, point=[10.0 * vertex, 20.0], provenance="click")
            add(700, "close", client_id, vertices=12)
            add(2_000, "pan")
            add(1_000, "select", client_id)
            add(800, "move-vertex", client_id)
            db.session.add(Annotation(client_id=client_id, image_id=image.id, category_id=7,
                                      annotator_id=annotator.id, parts=[{"points": [0, 0, 50, 0, 50, 50],
                                                                         "hole": False}],
                                      area=1250.0, bbox=[0, 0, 50, 50], attributes={}))
        t = 0.0
        for seq, (gap, kind, annotation, data) in enumerate(steps, start=1):
            t += gap
            db.session.add(LabourEvent(image_id=image.id, annotator_id=annotator.id, session_id=session, seq=seq,
                                       kind=kind, client_time_ms=t, annotation_client_id=annotation, data=data,
                                       received_at=start + timedelta(milliseconds=t), sent_ms=t))
        events += len(steps)
    db.session.commit()
    return events


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def timed(run, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--polygons", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder), "LOAD_SAMPLES": False,
                          "DATABASE_URL": os.environ.get("ANNOTATOR_DATABASE_URL")})
        with app.app_context():
            events = populate(args.people, args.polygons)
            ledger.recount_sessions()  # the events went straight into the table: open their sessions
            rows = [ledger.to_event(row) for row in db.session.execute(db.select(*ledger.EVENT_FIELDS))]
            report = timed(lambda: ledger.report(), args.repeat)
            pure = timed(lambda: labour.ledger(rows), args.repeat)
            csv_ms = timed(lambda: sum(len(line) for line in ledger.events_csv()), args.repeat)
            print(f"{args.people} people x {args.polygons} polygons = {args.people * args.polygons} polygons, "
                  f"{events} events ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
            print(f"ledger.report() (summary.json): {report:.0f} ms median of {args.repeat}")
            print(f"labour.ledger() alone (pure):  {pure:.0f} ms")
            print(f"events.csv, all rows:           {csv_ms:.0f} ms")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
