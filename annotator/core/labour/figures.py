"""The ledger's vocabulary: the events that come in, the figures that go out (per polygon, per session), and
what is kept of each session between the two."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

IDLE_THRESHOLD_MS = 30_000.0
CLOCK_LEAD_MS = 60_000.0
DRAW_STARTS = frozenset({"draw-start", "ring-start"})
DRAW_ENDS = frozenset({"close", "cancel", "ring-cancel"})
# Events that neither start nor end a piece of work: their gaps wait for the next piece of work.
NOT_WORK = frozenset({"open", "tool", "class-pick", "select", "snap-toggle", "visibility-toggle", "help",
                      "visibility", "zoom", "pan", "ring-tool"})
EDIT_COUNTS = {"move-vertex": "vertex_moves", "insert-vertex": "vertex_inserts", "delete-vertex": "vertex_deletes",
               "move-polygon": "polygon_moves", "class-change": "class_changes", "undo": "undos", "redo": "redos",
               "delete": "deletes"}
# How a vertex came to be, from the `provenance` of its event; a snapped vertex was still placed by a click.
HAND_PLACED = frozenset({"click", "snap"})
DURATIONS = ("draw_ms", "search_ms", "edit_ms")


@dataclass(frozen=True)
class Event:
    """One ledger event: `t_ms` is the session's monotonic clock; `received_ms` the server's epoch ms."""

    session: str
    seq: int
    kind: str
    t_ms: float
    annotation: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    received_ms: float | None = None


@dataclass
class PolygonLabour:
    """The labour behind one annotation (or one cancelled drawing), over every session that touched it."""

    annotation: str
    draw_ms: float = 0.0
    search_ms: float = 0.0
    edit_ms: float = 0.0
    idle_ms: float = 0.0  # dropped by the idle cap inside this polygon's buckets
    hidden_ms: float = 0.0  # tab hidden inside this polygon's buckets (in full, before capping)
    vertices_placed: int = 0
    clicks: int = 0  # vertices placed by hand: clicked, snapped or not
    traced: int = 0
    snapped: int = 0
    followed: int = 0  # laid by following a neighbour's border
    vertices_removed: int = 0  # taken back while drawing
    vertex_moves: int = 0
    vertex_inserts: int = 0
    vertex_deletes: int = 0
    polygon_moves: int = 0
    class_changes: int = 0
    undos: int = 0
    redos: int = 0
    deletes: int = 0
    edits: int = 0
    zooms: int = 0
    pans: int = 0
    closed: bool = False  # a drawing of it was closed (else it is a cancelled drawing)
    cancelled: int = 0  # drawings of it (or of a part or hole) cancelled
    sessions: list[str] = field(default_factory=list)
    first_ms: float | None = None  # wall clock (epoch ms) of its first vertex, where the server's clock allows
    closed_at_ms: float | None = None  # wall clock of its first close

    @property
    def total_ms(self) -> float:
        return self.draw_ms + self.search_ms + self.edit_ms

    def as_dict(self) -> dict[str, Any]:
        values = self.__dict__
        figures = {"annotation": self.annotation, "total_ms": round(self.total_ms, 1)}
        for name in ROUNDED:
            figures[name] = round(values[name], 1)
        for name in COUNT_FIELDS:
            figures[name] = values[name]
        figures.update(closed=self.closed, cancelled=self.cancelled, sessions=list(self.sessions),
                       first_ms=self.first_ms, closed_at_ms=self.closed_at_ms)
        return figures


ROUNDED = (*DURATIONS, "idle_ms", "hidden_ms")
COUNT_FIELDS = ("vertices_placed", "clicks", "traced", "snapped", "followed", "vertices_removed", "vertex_moves",
                "vertex_inserts", "vertex_deletes", "polygon_moves", "class_changes", "undos", "redos", "deletes",
                "edits", "zooms", "pans")


@dataclass
class SessionLabour:
    """One editor page load: its span on the server's timeline, what was counted and credited, what was dropped."""

    session: str
    events: int = 0
    wall_ms: float = 0.0  # last event - first event, as placed on the server's timeline
    active_ms: float = 0.0  # credited time; = draw + search + edit + other
    draw_ms: float = 0.0
    search_ms: float = 0.0
    edit_ms: float = 0.0
    other_ms: float = 0.0
    idle_ms: float = 0.0
    hidden_ms: float = 0.0
    zooms: int = 0
    pans: int = 0
    started_ms: float | None = None  # wall clock of its first event, where the server's clock allows
    ended_ms: float | None = None
    clamped_ms: float = 0.0  # claimed by the session's clock beyond what the server saw pass: not counted
    clamp_reason: str | None = None
    overlap_ms: float = 0.0  # counted, but credited to another of the person's sessions at the same moments

    def as_dict(self) -> dict[str, Any]:
        return {name: round(value, 1) if isinstance(value, float) else value for name, value in self.__dict__.items()}


@dataclass
class Ledger:
    polygons: dict[str, PolygonLabour]
    sessions: dict[str, SessionLabour]
    # Whose each session is (the anchor's person; None: unknown, credited alone).
    people: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionAnchor:
    """What the server knows of a session beyond its events: whose it is (any hashable key; None: unknown, so
    it is credited alone) and when the server opened it (epoch ms; None: never, e.g. imported events)."""

    person: Any = None
    opened_ms: float | None = None


@dataclass(frozen=True)
class Gaps:
    """A session's counted gaps on the server's timeline: gap i counts [starts[i], starts[i] + counted[i]) and
    belongs to polygon owners[i] (None: nobody's, the `other` bucket) in bucket buckets[i]."""

    starts: tuple[float, ...]
    counted: tuple[float, ...]
    owners: tuple[str | None, ...]
    buckets: tuple[str, ...]
    hidden: tuple[bool, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cached part is one object until replaced
class SessionPart:
    """One session computed alone: its counted figures, its share of each polygon, and its gaps. Depends on the
    session's own events and anchor only, so it can be cached per session; `combine` credits overlaps."""

    session: SessionLabour
    polygons: dict[str, PolygonLabour]
    gaps: Gaps
    person: Any
    placed: bool  # on the server's timeline (its events carry receive times)
    order: tuple  # oldest first, by the server's clock where known

    @property
    def span(self) -> tuple[float, float]:
        if not self.gaps.starts:
            return (0.0, 0.0)
        return (self.gaps.starts[0], self.gaps.starts[-1] + self.gaps.counted[-1])
