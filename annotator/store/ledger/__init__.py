"""The labour ledger as stored: reads events and annotations from the database, hands them to the pure
`labour` module, and joins the figures with images, classes and people for the API, pages, CLI and exports.

Who appears how: people are their export pseudonym (`annotator-1a2b3c4d`) unless `names=True`, which only
the instructor may ask for.

The package: `reading` (sessions and events from the database, the per-session cache, the raw events as CSV),
`reporting` (the labour report, from per-person blocks) and `images` (one image's figures and replay, and the
ledger of an export's images).
"""

from annotator.store.ledger.images import for_images, image_figures, replay, sessions_of_images
from annotator.store.ledger.reading import (
    CACHE_KEY,
    EVENT_COLUMNS,
    EVENT_FIELDS,
    IN_CHUNK,
    Scope,
    StoredSession,
    clock_lead_ms,
    computed,
    epoch_ms,
    event_rows,
    events_csv,
    find_annotator,
    idle_threshold_ms,
    part_cache,
    recount_sessions,
    stored_sessions,
    to_event,
)
from annotator.store.ledger.reporting import (
    DEFINITIONS,
    REPORT_CACHE_KEY,
    SESSION_SUMS,
    VERTEX_COUNTS_KEY,
    PersonBlock,
    report,
    report_json,
    warm,
)

__all__ = [
    "CACHE_KEY",
    "DEFINITIONS",
    "EVENT_COLUMNS",
    "EVENT_FIELDS",
    "IN_CHUNK",
    "REPORT_CACHE_KEY",
    "SESSION_SUMS",
    "VERTEX_COUNTS_KEY",
    "PersonBlock",
    "Scope",
    "StoredSession",
    "clock_lead_ms",
    "computed",
    "epoch_ms",
    "event_rows",
    "events_csv",
    "find_annotator",
    "for_images",
    "idle_threshold_ms",
    "image_figures",
    "part_cache",
    "recount_sessions",
    "replay",
    "report",
    "report_json",
    "sessions_of_images",
    "stored_sessions",
    "to_event",
    "warm",
]
