"""The labour ledger of a full room: the summary, a receipt and the live view for 60 people and 1,000,000 events.

Run by hand:  PYTHONPATH=. python bench/labour_room.py [--people 60] [--events 1000000] [--repeat 5]
A fresh SQLite database (or ANNOTATOR_DATABASE_URL) is filled directly with bulk inserts: each person has
`--sessions` editor sessions one after another on different images, some people a second tab open at the same
time as one of them (so the union's sweep runs), each session polygons of 20 clicked vertices followed by heavy
editing (selects, vertex moves, zooms and pans): about 100 events per polygon. Then, through the Flask test
client as the instructor, it times GET /api/labour/summary.json (the dashboard), GET
/api/labour/summary.json?annotator=<one person> (their receipt) and GET /api/workshop/live (the live view):
the first call (every session computed), warm (nothing changed; median of --repeat), and after one new batch
of 50 events stored by annotation_store (median of --repeat, a new batch before each call); then, as after a
restart, a new app's ledger.warm() (what `serve` runs at start) and the first summary after it. Figures go in
bench/README.md.
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

from sqlalchemy import insert, select

from annotator import create_app
from annotator.core.coco import pseudonym
from annotator.store import annotations as annotation_store
from annotator.store import ledger, library
from annotator.store.models import Annotation, Annotator, Image, LabourEvent, LabourSession, db

TOKEN = "bench-instructor-token-0001"  # at least 16 characters, as serve requires
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EVENTS_PER_POLYGON = 100


def polygon_steps(client_id: str) -> list[tuple[float, str, str | None, dict]]:
    steps: list[tuple[float, str, str | None, dict]] = [(3_000, "draw-start", client_id, {"category": 7})]
    steps += [(700 if vertex else 0, "vertex", client_id, {"point": [10.0 * vertex, 20.0], "provenance": "click"})
              for vertex in range(20)]
    steps.append((600, "close", client_id, {"vertices": 20}))
    for edit in range(78):
        kind = "zoom" if edit % 9 == 0 else "pan" if edit % 11 == 0 else "select" if edit % 13 == 0 else "move-vertex"
        steps.append((400, kind, None if kind in ("zoom", "pan") else client_id, {"zoom": 2} if kind == "zoom" else {}))
    return steps


def populate(people: int, events_wanted: int, sessions: int, images: int) -> dict[str, object]:
    image_ids = [library.add_image(_jpeg(index), f"scene-{index}.jpg", "upload")[0].id for index in range(images)]
    per_session = max(EVENTS_PER_POLYGON, events_wanted // (people * sessions))
    polygons_per_session = -(-per_session // EVENTS_PER_POLYGON)  # rounded up: at least the events asked for
    next_id, annotation_rows, event_rows, session_rows, annotators = 1, [], [], [], []
    for person in range(people):
        annotator = Annotator(public_id=str(uuid.uuid4()), display_name=f"person {person}")
        db.session.add(annotator)
        db.session.flush()
        annotators.append(annotator)
        clock = START + timedelta(seconds=person)
        for number in range(sessions):
            # every fifth person has a second tab open beside their first session
            tabs = 2 if number == 0 and person % 5 == 0 else 1
            for tab in range(tabs):
                session_id = f"s-{person:03d}-{number:02d}-{tab}"
                image_id = image_ids[(person + number * 7 + tab) % len(image_ids)]
                steps: list[tuple[float, str, str | None, dict]] = [(0, "open", None, {})]
                for polygon in range(polygons_per_session):
                    client_id = f"p{person:03d}-{number:02d}-{tab}-{polygon:03d}"
                    steps += polygon_steps(client_id)
                    annotation_rows.append({"client_id": client_id, "image_id": image_id, "category_id": 7,
                                            "annotator_id": annotator.id, "parts": [{"points": [0, 0, 50, 0, 50, 50],
                                                                                      "hole": False}],
                                            "area": 1250.0, "bbox": [0, 0, 50, 50], "attributes": {},
                                            "iscrowd": False, "version": 1, "deleted": False,
                                            "created_at": clock, "updated_at": clock, "flag_reason": ""})
                opened = clock + timedelta(seconds=5 * tab)
                t, first_id = 0.0, next_id
                for seq, (gap, kind, annotation, data) in enumerate(steps, start=1):
                    t += gap
                    event_rows.append({"id": next_id, "image_id": image_id, "annotator_id": annotator.id,
                                       "session_id": session_id, "seq": seq, "kind": kind, "client_time_ms": t,
                                       "annotation_client_id": annotation, "data": data,
                                       "received_at": opened + timedelta(milliseconds=t + 200), "sent_ms": t})
                    next_id += 1
                session_rows.append({"id": session_id, "annotator_id": annotator.id, "image_id": image_id,
                                     "opened_at": opened, "events": next_id - first_id,
                                     "last_event_id": next_id - 1})
            clock += timedelta(milliseconds=t + 60_000)
    for table, rows in ((Annotation.__table__, annotation_rows), (LabourSession.__table__, session_rows),
                        (LabourEvent.__table__, event_rows)):
        for start in range(0, len(rows), 20_000):
            db.session.execute(insert(table), rows[start:start + 20_000])
    db.session.commit()
    return {"events": len(event_rows), "sessions": len(session_rows), "polygons": len(annotation_rows),
            "per_session": per_session, "annotators": annotators}


def _jpeg(index: int) -> bytes:
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (index * 9 % 256, 90, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def one_batch(app, annotator_id: int, session_id: str) -> None:
    """50 more events on a session, stored as a save stores them."""
    with app.app_context():
        annotator = db.session.get(Annotator, annotator_id)
        session = db.session.get(LabourSession, session_id)
        image = db.session.get(Image, session.image_id)
        last = db.session.scalars(select(LabourEvent).where(LabourEvent.session_id == session_id)
                                  .order_by(LabourEvent.seq.desc()).limit(1)).one()
        events = [annotation_store.Event(session_id, last.seq + n, "zoom", last.client_time_ms + 300 * n, None, {},
                                         last.client_time_ms + 300 * 50) for n in range(1, 51)]
        annotation_store._store_events(image, annotator, events)
        db.session.commit()


def timed(client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url, headers={"X-Instructor-Token": TOKEN})
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder), "LOAD_SAMPLES": False, "INSTRUCTOR_TOKEN": TOKEN,
                          "DATABASE_URL": os.environ.get("ANNOTATOR_DATABASE_URL")})
        with app.app_context():
            began = time.perf_counter()
            room = populate(args.people, args.events, args.sessions, args.images)
            filled_s = time.perf_counter() - began
            person = room["annotators"][1]
            person_id, receipt_name = person.id, pseudonym(person.public_id)
        client = app.test_client()
        endpoints = {"summary (dashboard)": "/api/labour/summary.json",
                     "receipt (one person)": f"/api/labour/summary.json?annotator={receipt_name}",
                     "live view": "/api/workshop/live"}
        print(f"{args.people} people, {room['sessions']} sessions (~{room['per_session']} events each), "
              f"{room['polygons']} polygons, {room['events']} events "
              f"({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}; filled in {filled_s:.0f} s)")
        print(f"{'':24}{'first call':>12}{'warm':>10}{'after a batch':>15}   (ms; median of {args.repeat})")
        for name, url in endpoints.items():
            first = timed(client, url)
            warm = statistics.median(timed(client, url) for _ in range(args.repeat))
            after = []
            for _ in range(args.repeat):
                one_batch(app, person_id, f"s-{1:03d}-{args.sessions - 1:02d}-0")
                after.append(timed(client, url))
            print(f"{name:24}{first:12.0f}{warm:10.0f}{statistics.median(after):15.0f}")
        # A restart: a new app on the same data folder starts with empty caches; `serve` warms the ledger on a
        # thread at start (ledger.warm), so the instructor's first summary finds it computed.
        restarted = create_app({"DATA_DIR": Path(folder), "LOAD_SAMPLES": False, "INSTRUCTOR_TOKEN": TOKEN,
                                "DATABASE_URL": os.environ.get("ANNOTATOR_DATABASE_URL")})
        with restarted.app_context():
            began = time.perf_counter()
            ledger.warm()
            warm_up_s = time.perf_counter() - began
        first_after_warm = timed(restarted.test_client(), endpoints["summary (dashboard)"])
        print(f"after a restart: ledger.warm() {warm_up_s:.1f} s; the first summary after it {first_after_warm:.0f} ms")
        for each in (app, restarted):
            with each.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
