"""The debrief: what a room's labour report holds for the page that ends a workshop, and the time-lapse of its
outlines. Pure: a labour report (annotator/store/ledger/ `report()`) and plain rows in, plain data out.

Nothing here computes a labour figure: the totals and classes are the report's own, passed through, so the
debrief and GET /api/labour/summary.json cannot disagree. What the page derives from them (pace, scale-up, pay)
it derives in the browser with the receipt's own functions. The outlines' rows carry only what the pace and
the pay need, and no person: a shared debrief shows participants the room, not each other.

The time-lapse is bounded: at most MAX_OUTLINES outlines (an even sample over time beyond that), MAX_IMAGES
images (those with the most outlines), MAX_POINTS vertices per outline (simplified, Douglas-Peucker, with a
tolerance raised until it fits), so a long workshop's answer stays under 1.5 MB at worst.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString

MAX_OUTLINES = 3000
MAX_IMAGES = 48
MAX_POINTS = 32  # per outline, over all its parts: plenty on a thumbnail
THIN_TO = 8  # times MAX_POINTS: a longer ring is first thinned evenly, so Douglas-Peucker runs on a few hundred points
MIN_RING = 3

POLYGON_FIELDS = ("image_id", "category_id", "deleted", "closed", "vertices", "total_ms")
CANCELLED_FIELDS = ("total_ms",)


def room_figures(report: Mapping[str, Any], names: Sequence[str] | None = None) -> dict[str, Any]:
    """The report's totals, classes and definitions as they are, its outlines and cancelled drawings reduced to
    the fields the page's pace and pay need (no person, no annotation id), its images as ids; `names`, when
    given (the instructor's view), the people's display names for the closing credits, in alphabetical order."""
    return {
        "idle_threshold_ms": report["idle_threshold_ms"],
        "definitions": dict(report["definitions"]),
        "totals": dict(report["totals"]),
        "classes": [dict(row) for row in report["classes"]],
        "polygons": [{name: row.get(name) for name in POLYGON_FIELDS} for row in report["polygons"]],
        "cancelled": [{name: row.get(name) for name in CANCELLED_FIELDS} for row in report["cancelled"]],
        "images": [{"image_id": row["image_id"]} for row in report["images"]],
        "names": sorted(names, key=lambda name: (name.casefold(), name)) if names is not None else None,
    }


def _ring_line(points: Sequence[float]) -> LineString | None:
    """A flat ring as a closed line (for simplifying); None when it has fewer than three points."""
    pairs = np.asarray(points[: len(points) // 2 * 2], dtype=float).reshape(-1, 2)
    if len(pairs) < MIN_RING:
        return None
    return shapely.linestrings(np.vstack([pairs, pairs[:1]]))


def simplified_ring(points: Sequence[float] | LineString | None, tolerance: float) -> list[float]:
    """A closed ring's flat [x1, y1, ...] simplified (Douglas-Peucker at `tolerance` px), rounded to whole pixels;
    [] when fewer than three distinct points are left."""
    line = points if isinstance(points, LineString) or points is None else _ring_line(points)
    if line is None:
        return []
    if tolerance > 0:
        line = line.simplify(tolerance, preserve_topology=False)
    rounded = np.rint(shapely.get_coordinates(line)[:-1]).astype(int).tolist()
    distinct = list(dict.fromkeys(map(tuple, rounded)))
    return [value for point in distinct for value in point] if len(distinct) >= MIN_RING else []


def simplified_parts(parts: Iterable[Mapping[str, Any]], max_points: int = MAX_POINTS) -> list[dict[str, Any]]:
    """An outline's parts with at most `max_points` vertices in all: each ring simplified at a tolerance doubled
    from half a pixel until they fit; rings that shrink below a triangle are left out (holes first)."""
    rings = [(_ring_line(_thinned(list(part.get("points") or []), THIN_TO * max_points)), bool(part.get("hole")))
             for part in parts]
    tolerance = 0.0
    for _attempt in range(40):
        shaped = [{"points": points, "hole": hole}
                  for ring, hole in rings if (points := simplified_ring(ring, tolerance))]
        total = sum(len(part["points"]) // 2 for part in shaped)
        if total <= max_points:
            return shaped
        if tolerance and any(part["hole"] for part in shaped):
            rings = [(ring, hole) for ring, hole in rings if not hole]  # holes go before the outline loses its shape
            continue
        tolerance = 0.5 if tolerance == 0 else tolerance * 2
    outers = [part for part in shaped if not part["hole"]][:1]  # a pathological ring: its first part, thinned
    for part in outers:
        step = max(1, -(-len(part["points"]) // 2 // max_points))
        part["points"] = [value for index in range(0, len(part["points"]), 2 * step)
                          for value in part["points"][index:index + 2]]
    return outers


def _thinned(points: list[float], keep: int) -> list[float]:
    """A flat ring with at most `keep` vertices, evenly chosen (a traced outline can have thousands)."""
    count = len(points) // 2
    if count <= keep:
        return points
    return [value for index in even_sample(count, keep) for value in points[2 * index:2 * index + 2]]


def even_sample(count: int, keep: int) -> list[int]:
    """`keep` indices spread evenly over range(count), first and last included (all of them if count <= keep)."""
    if count <= keep:
        return list(range(count))
    if keep <= 1:
        return [0][:keep]
    return sorted({round(index * (count - 1) / (keep - 1)) for index in range(keep)})


@dataclass(frozen=True)
class Selection:
    """Which outlines and images the time-lapse shows, chosen before any shape is read."""

    total: int  # outlines in the report
    timed: int  # of them, with a close on the server's clock and a live image
    per_image: Mapping[int, int]  # timed outlines by image
    images: list[int]  # the images shown, by id
    eligible: int  # timed outlines on the images shown
    chosen: list[Mapping[str, Any]]  # the report's rows shown, in the order they were closed
    limits: Mapping[str, int]  # the bounds it was chosen under


def choose(polygons: Sequence[Mapping[str, Any]], image_ids: Iterable[int], *, max_outlines: int = MAX_OUTLINES,
           max_images: int = MAX_IMAGES) -> Selection:
    """The report's outlines with a close on the server's clock, on the live images `image_ids`: the images with
    the most of them (at most `max_images`), and on those at most `max_outlines`, spread evenly over time."""
    known = set(image_ids)
    timed = [row for row in polygons if row.get("closed_at_ms") is not None and row["image_id"] in known]
    per_image = Counter(row["image_id"] for row in timed)
    kept = sorted(sorted(per_image, key=lambda image_id: (-per_image[image_id], image_id))[:max_images])
    wanted = set(kept)
    on_kept = sorted((row for row in timed if row["image_id"] in wanted),
                     key=lambda row: (row["closed_at_ms"], row["id"]))
    chosen = [on_kept[index] for index in even_sample(len(on_kept), max_outlines)]
    return Selection(len(polygons), len(timed), dict(per_image), kept, len(on_kept), chosen,
                     {"outlines": max_outlines, "images": max_images})


def timeline(selection: Selection, parts_by_id: Mapping[int, Any], images: Mapping[int, Mapping[str, Any]],
             *, max_points: int = MAX_POINTS) -> dict[str, Any]:
    """The chosen outlines with their first vertex and close (epoch ms) and their shapes simplified, on their
    images (`images`: id -> {file_name, width, height}); notes say what was left out and why. An outline whose
    row vanished since the report (`parts_by_id` lacks it) is left out."""
    outlines = []
    for row in selection.chosen:
        if row["id"] not in parts_by_id:
            continue
        closed = float(row["closed_at_ms"])
        first = row.get("first_ms")
        outlines.append({
            "id": row["id"], "image_id": row["image_id"], "category": row["category"], "colour": row["colour"],
            "deleted": bool(row["deleted"]),
            "first_ms": min(float(first), closed) if first is not None else closed, "closed_at_ms": closed,
            "parts": simplified_parts(parts_by_id[row["id"]] or [], max_points)})
    notes = []
    if selection.timed < selection.total:
        notes.append(f"{selection.total - selection.timed} of {selection.total} outlines have no time on the "
                     "server's clock (imported, or drawn on a page whose clock the server could not place) or are "
                     "on a removed image, and are not shown.")
    if len(selection.images) < len(selection.per_image):
        notes.append(f"The {len(selection.images)} images with the most outlines are shown, of "
                     f"{len(selection.per_image)}.")
    if len(selection.chosen) < selection.eligible:
        notes.append(f"{len(selection.chosen)} of their {selection.eligible} outlines are shown, spread evenly over "
                     "the time.")
    return {
        "start_ms": min((outline["first_ms"] for outline in outlines), default=None),
        "end_ms": max((outline["closed_at_ms"] for outline in outlines), default=None),
        "images": [{"id": image_id, **{name: images[image_id][name] for name in ("file_name", "width", "height")},
                    "outlines": selection.per_image[image_id]} for image_id in selection.images],
        "outlines": outlines,
        "counts": {"outlines": selection.total, "timed": selection.timed, "shown": len(outlines),
                   "images": len(selection.per_image), "images_shown": len(selection.images)},
        "limits": {**selection.limits, "points": max_points},
        "note": " ".join(notes) or None,
    }
