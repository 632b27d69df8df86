"""Labour timings: the editor's event stream in, per-polygon / per-session figures out.

Pure: plain data in, plain data out; no Flask, no database. Every labour figure the app shows or exports
comes from `ledger()` and the aggregations below, so figures can be recomputed and audited from the raw,
append-only events.

The definitions (also in the README and the dashboard's help):

- Each editor page load is a *session* with its own monotonic clock. Its events, ordered by `seq`, cut
  the session into gaps (measured on the server's timeline, below). A gap counts in full up to the idle
  threshold (default 30 s) and as the threshold beyond it; time with the tab hidden is capped the same
  way (a quick look at a reference picture is work, an hour at lunch is not). What the cap drops is
  reported as `idle_ms`, the hidden time as `hidden_ms`.
- Every counted gap belongs to exactly one bucket:
  - **draw**: gaps inside a drawing, from a polygon's first vertex (or the first vertex of a part or hole
    added to it) until it is closed or cancelled;
  - **search**: gaps between the previous piece of work (the page opening, a close, an edit) and this
    polygon's first vertex: finding the object and deciding on it is labour too;
  - **edit**: gaps leading up to a later change of the polygon (moving, inserting or deleting vertices,
    moving it, changing its class, deleting it, undo/redo of any of these); the selecting, zooming and
    panning that led there count with it;
  - **other**: looking around at the end of a session with no work following.
  So a session's active time is exactly the sum of its draw, search, edit and other time.
- Deleted polygons keep their figures; drawings cancelled before closing keep theirs under their own id.

On the server's clock (`positions`, `combine`):

- **The server's clock is the anchor.** The server opens each session (the editor page is given its id; an id
  it never issued is opened at its first batch). A session's events are placed on the server's timeline at
  `wall anchor + t`, the wall anchor being the earliest `received - t` (no event is placed after its batch
  arrived), and never before the session opened less the clock lead (`ANNOTATOR_CLOCK_LEAD_S`). So a session
  never claims more than the time the server saw pass since it opened plus the lead; what its clock claimed
  beyond that is `clamped_ms` (with `clamp_reason`): stored, shown, not counted.
- **A person's time is a union, not a sum.** Each counted gap is an interval on that timeline (its first
  `min(gap, idle threshold)` milliseconds), tagged with its person, session, polygon, bucket and whether the tab
  was hidden. Over any scope, a person's active time is the measure of the union of their intervals. Where two of
  a person's sessions overlap, each moment is credited once: hidden-tab gaps get nothing while a visible gap of
  theirs covers the moment; a gap that strictly contains another session's gap had no input during it (the person
  was working in the other tab) and gets nothing; the gaps left share the moment evenly (interleaved input in two
  tabs is split half and half). What a session loses so is its `overlap_ms`.
- Polygon, session and image figures are these credited measures, so a person's polygons add up to at most
  their time, images summed give the person's total, and room totals are sums over people. One honest tab gives
  exactly the figures of the session alone. Sessions without receive times (imported) or without a known person
  cannot be placed against others and are credited alone.

The package: `figures` (the events and the figures' types), `sessions` (a session's events into its figures;
`ledger`, `replay`), `crediting` (a person's overlapping sessions) and `tallies` (sums over polygons).
"""

from annotator.core.labour.crediting import Credited, combine, credit, credited
from annotator.core.labour.figures import (
    CLOCK_LEAD_MS,
    COUNT_FIELDS,
    DRAW_ENDS,
    DRAW_STARTS,
    DURATIONS,
    EDIT_COUNTS,
    HAND_PLACED,
    IDLE_THRESHOLD_MS,
    NOT_WORK,
    ROUNDED,
    Event,
    Gaps,
    Ledger,
    PolygonLabour,
    SessionAnchor,
    SessionLabour,
    SessionPart,
)
from annotator.core.labour.sessions import ledger, parts, positions, replay, session_part
from annotator.core.labour.tallies import SUMMED, Tally, cumulative_hours, summarise

__all__ = [
    "CLOCK_LEAD_MS",
    "COUNT_FIELDS",
    "DRAW_ENDS",
    "DRAW_STARTS",
    "DURATIONS",
    "EDIT_COUNTS",
    "HAND_PLACED",
    "IDLE_THRESHOLD_MS",
    "NOT_WORK",
    "ROUNDED",
    "SUMMED",
    "Credited",
    "Event",
    "Gaps",
    "Ledger",
    "PolygonLabour",
    "SessionAnchor",
    "SessionLabour",
    "SessionPart",
    "Tally",
    "combine",
    "credit",
    "credited",
    "cumulative_hours",
    "ledger",
    "parts",
    "positions",
    "replay",
    "session_part",
    "summarise",
]
