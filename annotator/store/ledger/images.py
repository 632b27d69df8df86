"""Some images' ledger: what the editor shows of one image, its replay, and the ledger of an export's images."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from annotator.core import labour
from annotator.store.ledger.reading import (
    Scope,
    StoredSession,
    computed,
    event_rows,
    idle_threshold_ms,
    stored_sessions,
    to_event,
)


def for_images(image_ids: Iterable[int]) -> labour.Ledger:
    """The ledger of some images' sessions (a session never spans two images, so each is whole), each person's
    overlapping sessions among them credited together: the union of their time over these images, which the
    images' events alone reproduce (a COCO export's figures, recomputed by `annotator labour verify`). Over
    every image this is the dashboard's ledger."""
    sessions = sessions_of_images(image_ids)
    return computed(sessions) if sessions else labour.Ledger({}, {})


def sessions_of_images(image_ids: Iterable[int]) -> list[StoredSession]:
    """The stored sessions on these images, each with the largest event id its figures are computed from."""
    wanted = set(image_ids)
    return [session for session in stored_sessions() if session.image_id in wanted] if wanted else []


def image_figures(image_id: int, annotator_id: int | None, current_session: str | None) -> dict[str, Any]:
    """What the editor shows: each polygon's time and clicks, and the image's human time in other sessions
    (the page adds its own session's time live)."""
    stored = stored_sessions(Scope(image_id=image_id, annotator_id=annotator_id))
    idle = idle_threshold_ms()
    on_image = {session.id for session in stored if session.image_id == image_id}
    led = computed(stored, keep=on_image.__contains__)
    keep = ("total_ms", "draw_ms", "search_ms", "edit_ms", "clicks", "vertices_placed", "traced", "snapped",
            "followed", "edits", "undos", "redos")
    return {"idle_threshold_ms": idle,
            "polygons": {key: {name: value for name, value in polygon.as_dict().items() if name in keep}
                         for key, polygon in led.polygons.items()},
            "active_ms": round(sum(s.active_ms for s in led.sessions.values()), 1),
            "other_sessions_active_ms": round(sum(s.active_ms for key, s in led.sessions.items()
                                                  if key != current_session), 1)}


def replay(image_id: int, annotator_id: int | None, annotation: str | None) -> dict[str, Any]:
    """The image's events on the labour clock, for the replay page; with `annotation`, that polygon's only."""
    rows = event_rows(Scope(image_id=image_id, annotator_id=annotator_id))
    timeline = labour.replay((to_event(row) for row in rows), idle_threshold_ms())
    if annotation is not None:
        timeline = [step for step in timeline if step["annotation"] == annotation]
        start = timeline[0]["at_ms"] if timeline else 0.0
        timeline = [{**step, "at_ms": round(step["at_ms"] - start, 1)} for step in timeline]
    return {"image_id": image_id, "idle_threshold_ms": idle_threshold_ms(), "annotation": annotation,
            "duration_ms": timeline[-1]["at_ms"] if timeline else 0.0, "events": timeline}
