// The labour dashboard's charts, as data: pure functions from the summary JSON (GET /api/labour/summary.json)
// to Chart.js config objects and to the tables of exactly the numbers each chart plots. No DOM, no Chart
// global: the dashboard hands the configs to Chart.js, and node tests check them directly.
//
// A table is { columns, rows }: each column { key, label, format? } where `key` names the raw value in a
// row (that raw value is what the CSV holds, under the key as header) and `format` turns it into the text
// shown in the page's table. Durations are seconds (one decimal shown), wall-clock moments epoch ms shown as
// local clock times, cumulative work person-hours. Text for numbers and durations comes from common/format.js.

import { NONE, formatDuration, formatHours, formatNumber, formatSecondsRange } from "../common/format.js";

const MS_PER_SECOND = 1000;
const MS_PER_HOUR = 3_600_000;
/** Histogram bin widths to choose from, in seconds: "nice" numbers a room reads at a glance. */
const NICE_WIDTHS_S = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const MAX_BINS = 12;
const INK = "#1f2326";
const ACCENT = "#c2410c";
const SESSION_FILL = "rgba(95, 102, 109, 0.18)";
const FALLBACK_COLOUR = "#5f666d";

// --- numbers as text -------------------------------------------------------------------------------------

/** Person-hours as a number. */
export function hours(ms) {
  return ms / MS_PER_HOUR;
}

/** Local clock time of an epoch-ms moment: "14:03:27". */
export function clockTime(ms) {
  if (ms === null || ms === undefined) return NONE;
  const when = new Date(ms);
  return [when.getHours(), when.getMinutes(), when.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** ISO 8601 (UTC) for the CSV, where a spreadsheet should not have to guess the time zone. */
export function isoTime(ms) {
  return ms === null || ms === undefined ? "" : new Date(ms).toISOString();
}

const fixed1 = (value) => formatNumber(value, { digits: 1 });
const integer = (value) => (value === null || value === undefined ? NONE : String(value));
const yesNo = (value) => (value ? "yes" : "");

/** How a person is shown: the name when the instructor asked for names, with the pseudonym beside it. */
export function personLabel(row) {
  return row.name ? `${row.name} (${row.person})` : row.person;
}

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

/** Bins for `values` (seconds): a nice width giving at most MAX_BINS bins from 0 to past the largest value. */
export function histogramBins(values) {
  if (values.length === 0) return [];
  const largest = Math.max(...values);
  const width = NICE_WIDTHS_S.find((w) => largest / w < MAX_BINS) ?? Math.ceil(largest / MAX_BINS);
  const count = Math.floor(largest / width) + 1;
  const bins = Array.from({ length: count }, (_, i) => ({ from_s: i * width, to_s: (i + 1) * width, polygons: 0 }));
  for (const value of values) bins[Math.min(count - 1, Math.floor(value / width))].polygons += 1;
  return bins;
}

export function histogramTable(summary) {
  const bins = histogramBins(summary.polygons.map((row) => row.total_ms / MS_PER_SECOND));
  return {
    columns: [
      { key: "from_s", label: "From (s, inclusive)", format: integer },
      { key: "to_s", label: "To (s, exclusive)", format: integer },
      { key: "polygons", label: "Polygons", format: integer },
    ],
    rows: bins,
  };
}

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

export function scatterTable(summary) {
  return {
    columns: [
      { key: "polygon", label: "Polygon (id)", format: integer },
      { key: "category", label: "Class" },
      { key: "vertices", label: "Vertices", format: integer },
      { key: "seconds", label: "Seconds", format: fixed1 },
      { key: "deleted", label: "Deleted", format: yesNo },
    ],
    rows: summary.polygons.map((row) => ({ polygon: row.id, category: row.category, vertices: row.vertices,
      seconds: row.total_ms / MS_PER_SECOND, deleted: Boolean(row.deleted) })),
  };
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

export function classMediansTable(summary) {
  return {
    columns: [
      { key: "category", label: "Class" },
      { key: "polygons", label: "Polygons", format: integer },
      { key: "median_s", label: "Median seconds", format: fixed1 },
    ],
    rows: (summary.classes ?? []).filter((row) => row.median_ms !== null && row.median_ms !== undefined)
      .map((row) => ({ category: row.category, polygons: row.polygons, median_s: row.median_ms / MS_PER_SECOND,
        colour: row.colour || FALLBACK_COLOUR })),
  };
}

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

/** People in the order they started work, labelled as shown on the page. */
function timelinePeople(summary) {
  const first = new Map();
  const consider = (person, at) => {
    if (at === null || at === undefined) return;
    if (!first.has(person) || at < first.get(person)) first.set(person, at);
  };
  for (const row of summary.sessions ?? []) consider(row.person, row.started_ms);
  for (const row of summary.polygons) consider(row.person, row.first_ms);
  const labels = new Map();
  for (const row of [...(summary.people ?? []), ...(summary.sessions ?? []), ...summary.polygons]) {
    if (!labels.has(row.person) || row.name) labels.set(row.person, personLabel(row));
  }
  return [...first.keys()].sort((a, b) => first.get(a) - first.get(b)).map((person) => ({ person,
    label: labels.get(person) ?? person }));
}

export function timelineTable(summary) {
  const people = timelinePeople(summary);
  const label = new Map(people.map((p) => [p.person, p.label]));
  const rows = [];
  for (const session of summary.sessions ?? []) {
    if (session.started_ms === null || session.ended_ms === null || session.started_ms === undefined) continue;
    rows.push({ person: label.get(session.person) ?? session.person, what: "session", item: session.session,
      category: "", start_ms: session.started_ms, end_ms: session.ended_ms,
      seconds: (session.ended_ms - session.started_ms) / MS_PER_SECOND, deleted: false });
  }
  for (const row of summary.polygons) {
    if (row.first_ms === null || row.closed_at_ms === null || row.first_ms === undefined) continue;
    rows.push({ person: label.get(row.person) ?? personLabel(row), what: "polygon", item: String(row.id),
      category: row.category, start_ms: row.first_ms, end_ms: row.closed_at_ms,
      seconds: (row.closed_at_ms - row.first_ms) / MS_PER_SECOND, deleted: Boolean(row.deleted) });
  }
  rows.sort((a, b) => a.start_ms - b.start_ms || (a.what === "session" ? -1 : 1));
  return {
    columns: [
      { key: "person", label: "Person" },
      { key: "what", label: "Bar" },
      { key: "item", label: "Session / polygon (id)" },
      { key: "category", label: "Class" },
      { key: "start_ms", label: "From (clock)", format: clockTime },
      { key: "end_ms", label: "To (clock)", format: clockTime },
      { key: "seconds", label: "Seconds", format: fixed1 },
      { key: "deleted", label: "Deleted", format: yesNo },
    ],
    rows,
  };
}

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

export function cumulativeTable(summary) {
  return {
    columns: [
      { key: "at_ms", label: "Clock time (polygon closed)", format: clockTime },
      { key: "hours", label: "Person-hours so far", format: (value) => formatNumber(value, { digits: 4 }) },
    ],
    rows: (summary.cumulative ?? []).map((point) => ({ at_ms: point.at_ms, hours: point.hours })),
  };
}

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

// --- breakdown tables: per image, person, class, polygon --------------------------------------------------

function durationColumns() {
  return [
    { key: "polygons", label: "Polygons", format: integer },
    { key: "vertices", label: "Vertices", format: integer },
    { key: "draw_s", label: "Draw (s)", format: fixed1 },
    { key: "search_s", label: "Search (s)", format: fixed1 },
    { key: "edit_s", label: "Edit (s)", format: fixed1 },
    { key: "total_s", label: "Polygon total (s)", format: fixed1 },
    { key: "median_s", label: "Median per polygon (s)", format: fixed1 },
  ];
}

function durationValues(row) {
  return { polygons: row.polygons, vertices: row.vertices, draw_s: row.draw_ms / MS_PER_SECOND,
    search_s: row.search_ms / MS_PER_SECOND, edit_s: row.edit_ms / MS_PER_SECOND,
    total_s: row.total_ms / MS_PER_SECOND,
    median_s: row.median_ms === null || row.median_ms === undefined ? null : row.median_ms / MS_PER_SECOND };
}

const activeColumn = { key: "active_s", label: "Active time (s)", format: fixed1 };

export function imagesTable(summary) {
  return {
    columns: [{ key: "image_id", label: "Image (id)", format: integer }, { key: "file_name", label: "File" },
      ...durationColumns(), activeColumn],
    rows: (summary.images ?? []).map((row) => ({ image_id: row.image_id, file_name: row.file_name ?? "",
      ...durationValues(row), active_s: (row.active_ms ?? 0) / MS_PER_SECOND })),
  };
}

export function peopleTable(summary) {
  const names = (summary.people ?? []).some((row) => row.name);
  return {
    columns: [{ key: "person", label: "Person (pseudonym)" }, ...(names ? [{ key: "name", label: "Name" }] : []),
      ...durationColumns(), activeColumn, { key: "sessions", label: "Sessions", format: integer },
      { key: "overlap_s", label: "Shared between tabs (s)", format: fixed1 },
      { key: "clamped_s", label: "Clamped (s)", format: fixed1 }],
    rows: (summary.people ?? []).map((row) => ({ person: row.person, ...(names ? { name: row.name ?? "" } : {}),
      ...durationValues(row), active_s: (row.active_ms ?? 0) / MS_PER_SECOND, sessions: row.sessions ?? 0,
      overlap_s: (row.overlap_ms ?? 0) / MS_PER_SECOND, clamped_s: (row.clamped_ms ?? 0) / MS_PER_SECOND })),
  };
}

export function classesTable(summary) {
  return {
    columns: [{ key: "category", label: "Class" }, ...durationColumns()],
    rows: (summary.classes ?? []).map((row) => ({ category: row.category, ...durationValues(row) })),
  };
}

export function polygonsTable(summary) {
  const names = summary.polygons.some((row) => row.name);
  return {
    columns: [
      { key: "id", label: "Polygon (id)", format: integer },
      { key: "file_name", label: "Image" },
      { key: "category", label: "Class" },
      { key: "person", label: "Person (pseudonym)" },
      ...(names ? [{ key: "name", label: "Name" }] : []),
      { key: "vertices", label: "Vertices", format: integer },
      { key: "draw_s", label: "Draw (s)", format: fixed1 },
      { key: "search_s", label: "Search (s)", format: fixed1 },
      { key: "edit_s", label: "Edit (s)", format: fixed1 },
      { key: "total_s", label: "Total (s)", format: fixed1 },
      { key: "first_ms", label: "First vertex (clock)", format: clockTime },
      { key: "deleted", label: "Deleted", format: yesNo },
    ],
    rows: summary.polygons.map((row) => ({ id: row.id, file_name: row.file_name ?? "", category: row.category,
      person: row.person, ...(names ? { name: row.name ?? "" } : {}), vertices: row.vertices,
      draw_s: row.draw_ms / MS_PER_SECOND, search_s: row.search_ms / MS_PER_SECOND,
      edit_s: row.edit_ms / MS_PER_SECOND, total_s: row.total_ms / MS_PER_SECOND, first_ms: row.first_ms,
      deleted: Boolean(row.deleted) })),
  };
}

// --- headline figures -------------------------------------------------------------------------------------

/** The headline cards: label, value as text, raw value, and a note. */
export function headline(summary) {
  const totals = summary.totals;
  const deleted = summary.polygons.filter((row) => row.deleted).length;
  return [
    { id: "polygons", label: "Polygons", value: String(totals.polygons), raw: totals.polygons,
      note: deleted ? `${deleted} deleted, still counted` : "none deleted" },
    { id: "active", label: "Active time", value: formatDuration(totals.active_ms), raw: totals.active_ms,
      note: `= ${formatHours(hours(totals.active_ms))} person-hours` },
    { id: "median", label: "Median per polygon", value: formatDuration(totals.median_ms), raw: totals.median_ms,
      note: "draw + search + edit" },
    { id: "vertices", label: "Vertices", value: String(totals.vertices), raw: totals.vertices,
      note: `in the polygons as saved; ${totals.vertices_placed} placed while drawing` },
    { id: "people", label: "People", value: String(totals.people), raw: totals.people,
      note: `${totals.sessions} editor ${totals.sessions === 1 ? "session" : "sessions"}` },
    { id: "images", label: "Images", value: String(totals.images), raw: totals.images, note: "with recorded work" },
    { id: "idle", label: "Idle time dropped", value: formatDuration(totals.session_idle_ms),
      raw: totals.session_idle_ms,
      note: `pauses beyond ${formatDuration(summary.idle_threshold_ms)} not counted` },
    { id: "clamped", label: "Clamped", value: formatDuration(totals.clamped_ms ?? 0), raw: totals.clamped_ms ?? 0,
      note: "time editors' clocks claimed beyond what the server saw pass: kept, not counted" },
  ];
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

export const TABLES = [
  { id: "images", title: "Per image", csv: "per-image", table: imagesTable },
  { id: "people", title: "Per person", csv: "per-person", table: peopleTable },
  { id: "classes", title: "Per class", csv: "per-class", table: classesTable },
  { id: "polygons", title: "Per polygon", csv: "per-polygon", table: polygonsTable },
];

/** Friendly names for the server's definition keys. */
export const TERMS = {
  session: "Session",
  idle_threshold_ms: "Idle threshold",
  draw_ms: "Draw time",
  search_ms: "Search time",
  edit_ms: "Edit time",
  other_ms: "Other time",
  active_ms: "Active time",
  idle_ms: "Idle time dropped",
  hidden_ms: "Hidden time",
  clamped_ms: "Clamped time",
  overlap_ms: "Time shared between tabs",
  clock_lead_ms: "Clock lead",
  clicks: "Clicks",
  deleted: "Deleted polygons",
};

/** The dashboard's own definitions, beside the server's. */
export const DASHBOARD_DEFINITIONS = [
  ["Seconds per polygon", "Draw + search + edit time of one polygon (other time belongs to no polygon)."],
  ["Median per polygon", "The middle value of the seconds per polygon: half the polygons took less, half more."],
  ["Vertices", "Vertices of the polygon as saved (all parts and holes); vertices taken back while drawing are "
    + "not in it."],
  ["Timeline", "Wall-clock times from the server's clock: a polygon's bar runs from its first vertex to its "
    + "first close, so it shows drawing, not the search before it."],
  ["Cumulative person-hours", "After each polygon closes, the seconds per polygon of all polygons closed so far, "
    + "in hours."],
  ["Active time (headline)", "All counted time of every session, including other time: it can exceed the sum of "
    + "the polygons' seconds."],
];

/** A file-name-safe suffix for the current scope: "", "-image-3", "-annotator-4c5d250a". */
export function scopeSuffix(scope) {
  const parts = [];
  if (scope?.image) parts.push(`image-${scope.image}`);
  if (scope?.annotator) parts.push(String(scope.annotator).replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 60));
  return parts.length ? `-${parts.join("-")}` : "";
}
