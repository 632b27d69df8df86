// The personal receipt (/receipt): one person's labour record, from /api/labour/summary.json.
//
// Objects outlined (deleted ones still counted), vertices and clicks, active time and the idle time the cap
// dropped, the draw / search / edit split, the slowest and fastest objects with a link to their replay,
// per-class averages, the pay panel, "scale it up", and downloads of the record itself. The instructor also
// gets the pay settings editor. Every figure here is "measured here" (this app's ledger); published figures
// come with their sources from the pay panel and the scale-up panel.
//
// Names, file names and class names are user data: they are only ever set with textContent.

import { makeApi } from "../common/api.js";
import { renderPayEditor, renderPayPanel, workSplit } from "./pay_panel.js";
import { coverage, paceOf, renderScaleUp } from "./scale_up.js";
import { timeSplit } from "./time_split.js";

const LISTED = 3; // slowest and fastest objects shown
const api = makeApi();

// --- formatting --------------------------------------------------------------------------------------------------

export function minutes(ms) {
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function seconds(ms) {
  return ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`;
}

/** Seconds below two minutes, minutes from there: short spans stay readable ("1.5 s", not "0.0 min"). */
export function duration(ms) {
  return ms < 120_000 ? seconds(ms) : minutes(ms);
}

function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

function el(doc, tag, className, text, testid) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (testid) node.dataset.testid = testid;
  return node;
}

function link(doc, href, text, className, testid) {
  const node = el(doc, "a", className, text, testid);
  node.href = href;
  return node;
}

function section(doc, title, testid, className = "") {
  const box = el(doc, "section", `receipt-section ${className}`.trim(), null, testid);
  box.append(el(doc, "h2", null, title));
  return box;
}

// --- what the receipt works out ----------------------------------------------------------------------------------

/** The slowest and fastest `count` polygons by labour time (ties in the ledger's order). */
export function extremes(polygons, count = LISTED) {
  const ordered = [...polygons].sort((a, b) => a.total_ms - b.total_ms);
  return { slowest: ordered.slice(-count).reverse(), fastest: ordered.slice(0, count) };
}

export function recordQuery(annotator) {
  return `annotator=${encodeURIComponent(annotator || "me")}`;
}

// --- the parts of the page ---------------------------------------------------------------------------------------

function stat(doc, label, value, testid, notes = []) {
  const card = el(doc, "div", "receipt-stat");
  card.append(el(doc, "p", "receipt-stat-label", label), el(doc, "p", "receipt-stat-value", value, testid));
  for (const [text, noteId] of notes) card.append(el(doc, "p", "receipt-stat-note", text, noteId));
  return card;
}

function stats(doc, summary) {
  const totals = summary.totals;
  const deleted = summary.polygons.filter((polygon) => polygon.deleted).length;
  const grid = el(doc, "div", "receipt-stats", null, "receipt-stats");

  const objectNotes = [[deleted
    ? `including ${deleted} deleted: ${deleted === 1 ? "it is" : "they are"} still counted, the work was done`
    : "none deleted", "receipt-deleted"]];
  if (totals.cancelled_drawings) {
    objectNotes.push([`plus ${plural(totals.cancelled_drawings, "drawing")} cancelled before closing `
      + `(${seconds(totals.cancelled_ms)}, counted in the active time and shown apart below)`, "receipt-cancelled"]);
  }
  grid.append(stat(doc, "Objects outlined", totals.polygons, "receipt-polygons", objectNotes));

  const how = [];
  if (totals.traced) how.push(`${totals.traced} traced`);
  if (totals.followed) how.push(`${totals.followed} along a neighbour's border`);
  if (totals.snapped) how.push(`${totals.snapped} of the clicks snapped`);
  const vertexNotes = [[`${plural(totals.clicks, "click")} by hand${how.length ? `; ${how.join(", ")}` : ""}`,
    "receipt-clicks"]];
  if (totals.vertices_removed) vertexNotes.push([`${totals.vertices_removed} taken back while drawing`, null]);
  vertexNotes.push([`${plural(totals.vertices, "vertex", "vertices")} in the finished outlines`,
    "receipt-final-vertices"]);
  grid.append(stat(doc, "Vertices placed", totals.vertices_placed, "receipt-vertices", vertexNotes));

  const threshold = (summary.idle_threshold_ms / 1000).toFixed(0);
  const timeNotes = [[`idle time dropped: ${duration(totals.session_idle_ms)} (pauses count up to ${threshold} s)`,
    "receipt-idle-minutes"]];
  if (totals.hidden_ms) timeNotes.push([`tab hidden: ${duration(totals.hidden_ms)}, capped the same way`, null]);
  if (totals.clamped_ms) {
    timeNotes.push([`clamped: ${duration(totals.clamped_ms)} claimed beyond what the server's clock saw pass, `
      + "not counted", "receipt-clamped"]);
  }
  // The same rounding as "Where the time went", so the buckets there add up to this very figure.
  grid.append(stat(doc, "Active time", timeSplit(summary).total.text, "receipt-active-minutes", timeNotes));

  grid.append(stat(doc, "Images", totals.images, "receipt-images",
    [[`${plural(totals.sessions, "editor session")}`, "receipt-sessions"],
      [`${seconds(totals.mean_ms)} per object on average (median ${seconds(totals.median_ms)})`, "receipt-mean"]]));
  return grid;
}

function split(doc, summary) {
  const box = section(doc, "Where the time went", "receipt-split");
  const { rows, total } = timeSplit(summary);
  const bar = el(doc, "div", "receipt-split-bar");
  bar.setAttribute("aria-hidden", "true"); // the legend says the same in words
  const legend = el(doc, "dl", "receipt-split-legend");
  for (const row of rows) {
    const part = el(doc, "span", `receipt-split-part receipt-split-${row.key}`);
    part.style.width = `${Math.max(0, row.percent ?? 0)}%`;
    bar.append(part);
    const term = el(doc, "dt");
    term.append(el(doc, "span", `receipt-key receipt-split-${row.key}`), el(doc, "span", null, row.label));
    const detail = el(doc, "dd");
    detail.append(el(doc, "span", "receipt-figure", row.text, `receipt-split-${row.key}`),
      el(doc, "span", "receipt-share", row.percent === null ? "" : ` ${row.percent}%`),
      el(doc, "span", "receipt-definition", row.definition));
    legend.append(term, detail);
  }
  const term = el(doc, "dt", "receipt-split-sum");
  term.append(el(doc, "span", null, "Active time"));
  const detail = el(doc, "dd", "receipt-split-sum");
  detail.append(el(doc, "span", "receipt-figure", total.text, "receipt-split-total"),
    el(doc, "span", "receipt-share", " 100%"),
    el(doc, "span", "receipt-definition", "The sum of the rows above: every counted second is in exactly one."));
  legend.append(term, detail);
  box.append(bar, legend);
  return box;
}

function objectList(doc, title, rows, replay, testid) {
  const box = el(doc, "div", "receipt-objects");
  box.append(el(doc, "h3", null, title));
  const table = el(doc, "table", "receipt-table", null, testid);
  const head = el(doc, "tr");
  for (const name of ["Class", "Image", "Time", "Vertices", ""]) head.append(el(doc, "th", null, name));
  const thead = el(doc, "thead");
  thead.append(head);
  const body = el(doc, "tbody");
  for (const polygon of rows) {
    const row = el(doc, "tr", null, null, `${testid}-row`);
    row.dataset.annotation = polygon.annotation;
    const cls = el(doc, "td", "receipt-class", null, "object-class");
    const swatch = el(doc, "span", "swatch");
    swatch.style.background = polygon.colour ?? "#888";
    cls.append(swatch, el(doc, "span", null, ` ${polygon.category}`));
    if (polygon.deleted) cls.append(el(doc, "span", "receipt-tag", "deleted"));
    row.append(cls, el(doc, "td", "receipt-file", polygon.file_name, "object-file"),
      el(doc, "td", "receipt-num", seconds(polygon.total_ms), "object-seconds"),
      el(doc, "td", "receipt-num", polygon.vertices, "object-vertices"));
    const action = el(doc, "td");
    action.append(link(doc, `${replay}${polygon.image_id}?annotation=${encodeURIComponent(polygon.annotation)}`,
      "Replay", "receipt-replay", "object-replay"));
    row.append(action);
    body.append(row);
  }
  table.append(thead, body);
  box.append(table);
  return box;
}

function objects(doc, summary, urls) {
  const box = section(doc, "Slowest and fastest objects", "receipt-extremes");
  box.append(el(doc, "p", "receipt-note",
    "Time per object = its searching + drawing + editing time, idle pauses capped. Deleted objects keep theirs."));
  const { slowest, fastest } = extremes(summary.polygons);
  const pair = el(doc, "div", "receipt-pair");
  pair.append(objectList(doc, "Slowest", slowest, urls.replay, "receipt-slowest"),
    objectList(doc, "Fastest", fastest, urls.replay, "receipt-fastest"));
  box.append(pair);
  return box;
}

function classes(doc, summary) {
  const box = section(doc, "By class", "receipt-classes");
  const table = el(doc, "table", "receipt-table receipt-class-table");
  const head = el(doc, "tr");
  for (const name of ["Class", "Objects", "Mean per object", "Median per object", "Total", "Vertices"]) {
    head.append(el(doc, "th", null, name));
  }
  const thead = el(doc, "thead");
  thead.append(head);
  const body = el(doc, "tbody");
  for (const group of summary.classes) {
    const row = el(doc, "tr", null, null, "receipt-class-row");
    row.dataset.category = group.category;
    const cls = el(doc, "td", "receipt-class", null, "class-name");
    const swatch = el(doc, "span", "swatch");
    swatch.style.background = group.colour ?? "#888";
    cls.append(swatch, el(doc, "span", null, ` ${group.category}`));
    row.append(cls, el(doc, "td", "receipt-num", group.polygons, "class-polygons"),
      el(doc, "td", "receipt-num", seconds(group.mean_ms), "class-mean"),
      el(doc, "td", "receipt-num", seconds(group.median_ms), "class-median"),
      el(doc, "td", "receipt-num", duration(group.total_ms), "class-total"),
      el(doc, "td", "receipt-num", group.vertices, "class-vertices"));
    body.append(row);
  }
  table.append(thead, body);
  box.append(table);
  return box;
}

function downloads(doc, annotator, urls) {
  const box = section(doc, annotator ? "Download this record" : "Download my record", "receipt-downloads");
  box.append(el(doc, "p", "receipt-note", "The figures above and the raw events they were worked out from, "
    + "under your pseudonym (the name your work carries outside this room). They are yours to keep and check."));
  const row = el(doc, "p", "receipt-download-links");
  const query = recordQuery(annotator);
  const json = link(doc, `${urls.summary}?${query}`, "Figures (JSON)", "button receipt-download", "receipt-download-json");
  json.setAttribute("download", "labour-summary.json");
  const csv = link(doc, `${urls.events}?${query}`, "Raw events (CSV)", "button receipt-download", "receipt-download-csv");
  csv.setAttribute("download", "labour-events.csv");
  row.append(json, csv);
  box.append(row);
  return box;
}

function emptyState(doc, annotator, urls) {
  const box = el(doc, "div", "empty receipt-empty", null, "receipt-empty");
  if (annotator) {
    box.append(el(doc, "p", null, `No work recorded for ${annotator} yet.`));
    return box;
  }
  box.append(el(doc, "h2", null, "Nothing on your receipt yet"));
  const line = el(doc, "p");
  line.append(el(doc, "span", null, "Pick a driving scene in the "), link(doc, urls.gallery, "gallery", null,
    "receipt-gallery-link"), el(doc, "span", null, " and outline a few objects. Every polygon's minutes, "
    + "clicks and vertices will be listed here, with what the work would be paid."));
  box.append(line);
  return box;
}

// --- loading -----------------------------------------------------------------------------------------------------

function problem(doc, text, testid) {
  return el(doc, "p", "receipt-problem", text, testid);
}

async function start(doc) {
  const root = doc.getElementById("receipt");
  const config = JSON.parse(doc.getElementById("receipt-data").textContent);
  const { instructor, annotator, urls } = config;
  const loading = root.querySelector(".receipt-loading");

  const [summary, settings, presets, truth] = await Promise.allSettled([
    api.get(`${urls.summary}?${recordQuery(annotator)}`), api.get(urls.pay), api.get(urls.presets),
    api.get(urls.truth)]);
  loading.remove();
  root.setAttribute("aria-busy", "false");
  if (summary.status === "rejected") {
    root.append(problem(doc, `This receipt could not be loaded: ${summary.reason.detail ?? summary.reason.message}`,
      "receipt-error"));
    return;
  }
  const data = summary.value;
  const person = data.people?.[0]?.person;
  if (person) {
    root.querySelector("[data-testid=receipt-person]").textContent = annotator
      ? `for ${person}` : `Your record, under your pseudonym ${person}: the name your work carries in `
        + "exported datasets and labour files, so your own name never leaves this room.";
  }
  const threshold = (data.idle_threshold_ms / 1000).toFixed(0);
  root.querySelector(".receipt-head > div").append(el(doc, "p", "receipt-basis",
    `Every figure on this receipt is measured here, by this app, from the editor's own events; a pause counts `
    + `up to ${threshold} s. Published figures below name their sources.`, "receipt-basis"));
  if (annotator && urls.dashboard) {
    root.querySelector(".receipt-head").append(link(doc, urls.dashboard, "Back to the room's labour", "receipt-back"));
  }

  const empty = !data.totals.polygons && !data.totals.sessions;
  if (empty) {
    root.append(emptyState(doc, annotator, urls));
  } else {
    root.append(stats(doc, data), split(doc, data));
    if (data.polygons.length) root.append(objects(doc, data, urls), classes(doc, data));

    const payBox = el(doc, "section", "receipt-section receipt-pay", null, "receipt-pay");
    root.append(payBox);
    const work = workSplit(data);
    if (settings.status === "fulfilled") {
      renderPayPanel(payBox, { settings: settings.value, work });
    } else {
      payBox.append(problem(doc, `The pay settings could not be loaded: ${settings.reason.message}`));
    }

    const scaleBox = el(doc, "section", "receipt-section receipt-scale", null, "receipt-scale");
    root.append(scaleBox);
    if (presets.status === "fulfilled") {
      const counts = truth.status === "fulfilled" ? truth.value : { images: [], source: "" };
      renderScaleUp(scaleBox, { pace: paceOf(data), presets: presets.value.presets,
        coverage: coverage(data, counts.images), truthSource: counts.source });
    } else {
      scaleBox.append(problem(doc, `The dataset presets could not be loaded: ${presets.reason.message}`));
    }
    root.append(downloads(doc, annotator, urls));

    if (instructor && settings.status === "fulfilled") {
      root.append(payEditor(doc, settings.value, (saved) => {
        renderPayPanel(payBox, { settings: saved, work });
      }, urls));
    }
    return;
  }
  if (instructor && settings.status === "fulfilled") root.append(payEditor(doc, settings.value, () => {}, urls));
}

function payEditor(doc, settings, onSaved, urls) {
  const box = el(doc, "details", "receipt-section receipt-pay-editor", null, "receipt-pay-editor");
  box.append(el(doc, "summary", null, "Pay settings (instructor): change the rates and reference wages everyone sees"));
  const inner = el(doc, "div");
  box.append(inner);
  renderPayEditor(inner, {
    settings,
    async save(next) {
      const saved = await api.put(urls.pay, next);
      onSaved(saved);
      return saved;
    },
  });
  return box;
}

if (typeof document !== "undefined" && document.getElementById("receipt")) {
  start(document).catch((error) => {
    const root = document.getElementById("receipt");
    root.querySelector(".receipt-loading")?.remove();
    root.append(problem(document, `Something went wrong putting the receipt together: ${error.message}`,
      "receipt-error"));
  });
}
