// The labour dashboard's charts: Chart.js config objects for the tables of summary_tables.js, which hold
// exactly the numbers each chart plots. Pure: no DOM, no Chart global; the dashboard hands the configs to
// Chart.js, and node tests check them directly. Colours, axes and tooltips are decided here.

import { formatDuration, formatHours, formatNumber, formatSecondsRange } from "../common/format.js";
import {
  FALLBACK_COLOUR, classMediansTable, clockTime, cumulativeTable, histogramTable, scatterTable, timelinePeople,
  timelineTable,
} from "./summary_tables.js";

const MS_PER_SECOND = 1000;
const MS_PER_HOUR = 3_600_000;
const INK = "#1f2326";
const ACCENT = "#c2410c";
const SESSION_FILL = "rgba(95, 102, 109, 0.18)";

// --- shared chart options ------------------------------------------------------------------------------------

function axisTitle(text) {
  return { display: true, text, color: INK, font: { weight: "bold" } };
}

/** Tick spacings for clock axes, in ms: whole seconds, minutes and hours. */
const CLOCK_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
  .map((s) => s * MS_PER_SECOND);

/** A linear x axis of epoch-ms moments labelled with clock times: a round tick step, bounds on it, a margin. */
export function clockAxis(first, last, title = "Clock time") {
  const margin = Math.max(MS_PER_SECOND, (last - first) * 0.02);
  const from = first - margin;
  const to = last + margin;
  const step = CLOCK_STEPS_MS.find((candidate) => (to - from) / candidate <= 6) ?? CLOCK_STEPS_MS.at(-1);
  return {
    type: "linear",
    min: Math.floor(from / step) * step,
    max: Math.ceil(to / step) * step,
    ticks: { stepSize: step, maxRotation: 0, autoSkipPadding: 24, callback: (value) => clockTime(value) },
    title: axisTitle(title),
  };
}

function baseOptions() {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
  };
}

// --- (1) histogram of seconds per polygon -----------------------------------------------------------------

export function histogramConfig(summary) {
  const { rows } = histogramTable(summary);
  return {
    type: "bar",
    data: {
      labels: rows.map((bin) => `${bin.from_s}–${bin.to_s}`),
      datasets: [{ label: "Polygons", data: rows.map((bin) => bin.polygons), backgroundColor: ACCENT,
        borderColor: INK, borderWidth: 1, barPercentage: 1, categoryPercentage: 1 }],
    },
    options: {
      ...baseOptions(),
      scales: {
        x: { title: axisTitle("Seconds per polygon (draw + search + edit)"), grid: { display: false } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: axisTitle("Polygons") },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => formatSecondsRange(rows[items[0].dataIndex].from_s,
          rows[items[0].dataIndex].to_s), label: (item) => `${item.raw} polygons` } },
      },
    },
  };
}

// --- (2) vertices vs seconds, coloured by class ---------------------------------------------------------

/** Classes in the order the summary lists them (most total time first), with their colours. */
function classOrder(summary) {
  const seen = new Map();
  for (const row of summary.classes ?? []) seen.set(row.category, row.colour || FALLBACK_COLOUR);
  for (const row of summary.polygons) if (!seen.has(row.category)) seen.set(row.category, row.colour || FALLBACK_COLOUR);
  return seen;
}

export function scatterConfig(summary) {
  const datasets = [];
  for (const [category, colour] of classOrder(summary)) {
    const rows = summary.polygons.filter((row) => row.category === category);
    if (rows.length === 0) continue;
    datasets.push({
      label: category,
      data: rows.map((row) => ({ x: row.vertices, y: row.total_ms / MS_PER_SECOND, deleted: Boolean(row.deleted),
        polygon: row.id })),
      backgroundColor: colour,
      borderColor: colour,
      pointStyle: rows.map((row) => (row.deleted ? "crossRot" : "circle")),
      pointRadius: 7,
      pointHoverRadius: 9,
      pointBorderWidth: rows.map((row) => (row.deleted ? 3 : 1)),
    });
  }
  return {
    type: "scatter",
    data: { datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 }, title: axisTitle("Vertices in the polygon") },
        y: { beginAtZero: true, title: axisTitle("Seconds (draw + search + edit)") },
      },
      plugins: {
        legend: { display: true, position: "bottom", labels: { usePointStyle: true } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.raw.x} vertices, `
          + `${formatDuration(item.raw.y * MS_PER_SECOND)}${item.raw.deleted ? " (deleted)" : ""}` } },
      },
    },
  };
}

// --- (3) per-class median seconds -----------------------------------------------------------------------

export function classMediansConfig(summary) {
  const { rows } = classMediansTable(summary);
  return {
    type: "bar",
    data: {
      labels: rows.map((row) => row.category),
      datasets: [{ label: "Median seconds per polygon", data: rows.map((row) => row.median_s),
        backgroundColor: rows.map((row) => row.colour), borderColor: INK, borderWidth: 1 }],
    },
    options: {
      ...baseOptions(),
      scales: {
        x: { title: axisTitle("Class"), grid: { display: false } },
        y: { beginAtZero: true, title: axisTitle("Median seconds per polygon") },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `median ${formatDuration(item.raw * MS_PER_SECOND)} `
          + `(${rows[item.dataIndex].polygons} polygons)` } },
      },
    },
  };
}

// --- (4) timeline of the session per person -------------------------------------------------------------

export function timelineConfig(summary) {
  const people = timelinePeople(summary);
  const { rows } = timelineTable(summary);
  const labels = people.map((p) => p.label);
  const colours = classOrder(summary);
  const datasets = [];
  const sessions = rows.filter((row) => row.what === "session");
  if (sessions.length) {
    datasets.push({ label: "Editor session (page open)", data: sessions.map((row) => ({ x: [row.start_ms, row.end_ms],
      y: row.person })), backgroundColor: SESSION_FILL, borderColor: "rgba(95, 102, 109, 0.6)", borderWidth: 1,
    barPercentage: 0.95, categoryPercentage: 0.9, order: 2 });
  }
  for (const [category, colour] of colours) {
    const bars = rows.filter((row) => row.what === "polygon" && row.category === category);
    if (bars.length === 0) continue;
    datasets.push({ label: category, data: bars.map((row) => ({ x: [row.start_ms, row.end_ms], y: row.person,
      polygon: row.item, deleted: row.deleted })), backgroundColor: colour, borderColor: INK,
    borderWidth: bars.map((row) => (row.deleted ? 3 : 1)), barPercentage: 0.6, categoryPercentage: 0.9,
    borderSkipped: false, order: 1 });
  }
  const first = rows.length ? Math.min(...rows.map((row) => row.start_ms)) : 0;
  const last = rows.length ? Math.max(...rows.map((row) => row.end_ms)) : 0;
  return {
    type: "bar",
    data: { labels, datasets },
    options: {
      ...baseOptions(),
      indexAxis: "y",
      scales: {
        x: clockAxis(first, last),
        y: { stacked: true, title: axisTitle("Person"), grid: { display: false } },
      },
      plugins: {
        legend: { display: true, position: "bottom" },
        tooltip: { callbacks: { label: (item) => {
          const [from, to] = item.raw.x;
          const what = item.raw.polygon ? `${item.dataset.label} polygon ${item.raw.polygon}` : "session";
          return `${what}: ${clockTime(from)}–${clockTime(to)} (${formatDuration(to - from)})`;
        } } },
      },
    },
  };
}

// --- (5) cumulative human-hours over time ----------------------------------------------------------------

export function cumulativeConfig(summary) {
  const { rows } = cumulativeTable(summary);
  return {
    type: "line",
    data: {
      datasets: [{ label: "Person-hours so far", data: rows.map((row) => ({ x: row.at_ms, y: row.hours })),
        stepped: "before", borderColor: ACCENT, backgroundColor: "rgba(194, 65, 12, 0.15)", fill: true,
        pointRadius: 4, pointBackgroundColor: ACCENT, borderWidth: 3 }],
    },
    options: {
      ...baseOptions(),
      scales: {
        x: clockAxis(rows.length ? rows[0].at_ms : 0, rows.length ? rows.at(-1).at_ms : 0,
          "Clock time (polygon closed)"),
        y: { beginAtZero: true, title: axisTitle("Person-hours"),
          ticks: { callback: (value) => formatNumber(Number(value),
            { digits: rows.some((r) => r.hours >= 1) ? 1 : 3 }) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => clockTime(items[0].raw.x),
          label: (item) => `${formatHours(item.raw.y)} person-hours (${formatDuration(item.raw.y * MS_PER_HOUR)})` } },
      },
    },
  };
}

/** The charts, in page order: id (for data-testid and file names), title, what it shows, config and table. */
export const CHARTS = [
  { id: "histogram", title: "Seconds per polygon", csv: "seconds-per-polygon",
    description: "How many polygons took how long: draw + search + edit time of each polygon, in bins.",
    config: histogramConfig, table: histogramTable },
  { id: "scatter", title: "Vertices vs seconds", csv: "vertices-vs-seconds",
    description: "Each polygon: its vertex count against its seconds, coloured by class. × marks a deleted polygon.",
    config: scatterConfig, table: scatterTable },
  { id: "class-medians", title: "Median seconds per class", csv: "class-medians",
    description: "The median seconds per polygon for each class.",
    config: classMediansConfig, table: classMediansTable },
  { id: "cumulative", title: "Cumulative person-hours", csv: "cumulative-hours",
    description: "Polygon seconds added up as polygons are closed: the room's work adding up over the clock.",
    config: cumulativeConfig, table: cumulativeTable },
  { id: "timeline", title: "Timeline per person", csv: "timeline",
    description: "Each person's editor sessions (grey) and each polygon from its first vertex to its close, "
      + "by the clock (thick border: deleted).",
    config: timelineConfig, table: timelineTable },
];
