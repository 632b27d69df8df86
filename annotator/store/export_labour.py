"""The labour behind an exported COCO file: `info.labour` (the exported annotations' summed timings, and all
labour time on the exported images), and with the labour option the ledger itself, each event on the
annotation it belongs to and the rest in `info.labour`, so that `annotator labour verify` can recompute every
figure from the file alone.

Events are read per batch of images and kept only until that image's annotations are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from annotator.core import coco, labour_file
from annotator.core import labour as labour_core
from annotator.store import ledger
from annotator.store.models import Annotator, LabourEvent, LabourSession, db


@dataclass
class ExportLabour:
    carry_events: bool  # the export's labour option: every ledger event goes into the file
    sessions: int = 0
    active_ms: float = 0.0
    written_timings: list[dict[str, Any]] = field(default_factory=list)  # of the annotations written so far
    # With carry_events: every session's anchor, and the events no exported annotation carries (see labour_file).
    session_ledgers: dict[str, labour_core.SessionLabour] = field(default_factory=dict)
    session_anchors: dict[str, dict[str, Any]] = field(default_factory=dict)
    unattached_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _image_events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # Each session's largest event id when the export's figures were computed: later events wait for the next.
    last_event_ids: dict[str, int] = field(default_factory=dict)
    # The current batch's events by (image, annotation): an annotation carries only its own image's events.
    _annotation_events: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)

    def count_sessions(self, whole_ledger: labour_core.Ledger) -> None:
        for session in whole_ledger.sessions.values():
            self.sessions += 1
            self.active_ms += session.active_ms

    def read_events(self, image_ids: Sequence[int], whole_ledger: labour_core.Ledger) -> None:
        """Every event of the batch's images, kept per image until its annotations are written (then each goes
        on its annotation or, if none of the exported ones is its, into info.labour.unattached_events)."""
        rows = db.session.execute(
            select(LabourEvent.id, LabourEvent.image_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
                   LabourEvent.client_time_ms, LabourEvent.annotation_client_id, LabourEvent.data,
                   LabourEvent.received_at, Annotator.public_id, LabourSession.opened_at)
            .outerjoin(Annotator, Annotator.id == LabourEvent.annotator_id)
            .outerjoin(LabourSession, LabourSession.id == LabourEvent.session_id)
            .where(LabourEvent.image_id.in_(list(image_ids)))
            .order_by(LabourEvent.session_id, LabourEvent.seq))
        self._annotation_events = {}
        for row in rows:
            if row.id > self.last_event_ids.get(row.session_id, 0):
                continue  # stored after the figures were computed
            received = ledger.epoch_ms(row.received_at)
            event = {"session": row.session_id, "seq": row.seq, "kind": row.kind, "t_ms": row.client_time_ms,
                     "annotation": row.annotation_client_id, "data": row.data or {}, "received": received}
            self._image_events.setdefault(row.image_id, []).append(event)
            if row.annotation_client_id is not None:
                self._annotation_events.setdefault((row.image_id, row.annotation_client_id), []).append(event)
            anchor = self.session_anchors.get(row.session_id)
            if anchor is None:
                session = whole_ledger.sessions.get(row.session_id)
                clamped = (session.as_dict().get("clamped_ms") if session is not None else None) or 0.0
                anchor = self.session_anchors[row.session_id] = {
                    "session": row.session_id, "person": coco.pseudonym(row.public_id) if row.public_id
                    else "imported", "image_id": row.image_id, "first_received_ms": received,
                    "last_received_ms": received, "opened_ms": ledger.epoch_ms(row.opened_at),
                    "clamped_ms": round(float(clamped), 1)}
            elif received is not None:
                first, last = anchor["first_received_ms"], anchor["last_received_ms"]
                anchor["first_received_ms"] = received if first is None else min(first, received)
                anchor["last_received_ms"] = received if last is None else max(last, received)
        self.session_ledgers.update((key, session) for key, session in whole_ledger.sessions.items()
                                    if key in self.session_anchors)

    def own_events(self, image_id: int, client_id: str) -> list[dict[str, Any]]:
        """The ledger events an annotation carries in attributes.labour."""
        return coco.labour_ledger(self._annotation_events.get((image_id, client_id), []))

    def settle(self, image_id: int, written: set[str]) -> None:
        """The image's events that rode on no written annotation go to info.labour, per session."""
        for event in self._image_events.pop(image_id, ()):
            if event["annotation"] is not None and event["annotation"] in written:
                continue
            self.unattached_events.setdefault(event["session"], []).append(labour_file.event_entry(
                event["session"], event["seq"], event["kind"], event["t_ms"], event["data"], event["received"],
                event["annotation"]))

    def summary(self) -> dict[str, Any]:
        """`info.labour`: the exported annotations' summed timings, and all labour time on the exported images.
        With carry_events also what `annotator labour verify` needs to recompute every figure from the file
        alone: the session anchors, the events no exported annotation carries, the settings and per-person
        totals."""
        figures = labour_core.summarise(self.written_timings)
        summary = {**{name: figures[name] for name in labour_file.SUMMARY_FIELDS},
                   "active_ms": round(self.active_ms, 1), "sessions": self.sessions,
                   "idle_threshold_ms": ledger.idle_threshold_ms(), "definitions": ledger.DEFINITIONS}
        if not self.carry_events:
            return summary
        anchors = sorted(self.session_anchors.values(),
                         key=lambda anchor: (anchor["first_received_ms"] is None, anchor["first_received_ms"] or 0.0,
                                             anchor["session"]))
        people = labour_file.person_totals(labour_core.Ledger({}, self.session_ledgers),
                                           labour_file.session_people(anchors))
        return {**summary, "ledger_version": labour_file.LEDGER_VERSION,
                "clock_lead_ms": float(current_app.config["ANNOTATOR"]["CLOCK_LEAD_S"]) * 1000,
                "people": people, "session_anchors": anchors,
                "unattached_events": {anchor["session"]: self.unattached_events[anchor["session"]]
                                      for anchor in anchors if self.unattached_events.get(anchor["session"])}}
