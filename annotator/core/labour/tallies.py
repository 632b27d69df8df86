"""Aggregations of polygon figures: sums and distributions per group, and a room's hours adding up."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from annotator.core.labour.figures import COUNT_FIELDS, DURATIONS

SUMMED = (*DURATIONS, "total_ms", "idle_ms")


class Tally:
    """`summarise` that can be added to and merged: sums and the polygons' totals, so a report can keep one per
    person and image and class and merge them instead of going over every polygon again."""

    __slots__ = ("counts", "sums", "totals", "vertices")

    def __init__(self, polygons: Iterable[Mapping[str, Any]] = ()) -> None:
        self.sums = dict.fromkeys(SUMMED, 0.0)
        self.counts = dict.fromkeys(COUNT_FIELDS, 0)
        self.totals: list[float] = []
        self.vertices = 0
        for row in polygons:
            self.add(row)

    def add(self, row: Mapping[str, Any]) -> None:
        for name in SUMMED:
            self.sums[name] += row[name]
        for name in COUNT_FIELDS:
            self.counts[name] += row.get(name, 0)
        self.vertices += row.get("vertices", 0) or 0
        self.totals.append(row["total_ms"])

    def merge(self, other: Tally) -> None:
        for name in SUMMED:
            self.sums[name] += other.sums[name]
        for name in COUNT_FIELDS:
            self.counts[name] += other.counts[name]
        self.vertices += other.vertices
        self.totals.extend(other.totals)

    def summary(self) -> dict[str, Any]:
        per_polygon = sorted(self.totals)
        return {
            "polygons": len(per_polygon),
            **{name: round(value, 1) for name, value in self.sums.items()},
            **self.counts,
            "vertices": self.vertices,
            "median_ms": round(statistics.median(per_polygon), 1) if per_polygon else None,
            "mean_ms": round(statistics.fmean(per_polygon), 1) if per_polygon else None,
            "fastest_ms": per_polygon[0] if per_polygon else None,
            "slowest_ms": per_polygon[-1] if per_polygon else None,
        }


def summarise(polygons: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums and distribution of a group of polygon figures (dicts from `PolygonLabour.as_dict`, maybe with
    `vertices`): count, totals per duration, median and mean seconds per polygon, fastest and slowest."""
    return Tally(polygons).summary()


def cumulative_hours(closes: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """(wall-clock ms, person-hours so far) after each close, from the (closed at, total ms) of closed polygons,
    in time order: a room's work adding up."""
    running, points = 0.0, []
    for when, spent in sorted(closes):
        running += spent
        points.append((when, round(running / 3_600_000, 6)))
    return points
