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
import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { renderPayEditor, renderPayPanel, workSplit } from "./pay_panel.js";
import { coverage, paceOf, renderScaleUp } from "./scale_up.js";
import { timeSplit } from "./time_split.js";

const LISTED = 3; // slowest and fastest objects shown
const api = makeApi();

function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

function link(doc, href, text, className, testid) {
  const node = element(doc, "a", { className, text, testid });
  node.href = href;
  return node;
}

function section(doc, title, testid, className = "") {
  const box = element(doc, "section", { className: `receipt-section ${className}`.trim(), testid });
  box.append(element(doc, "h2", { text: title }));
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
  const card = element(doc, "div", { className: "receipt-stat" });
  card.append(element(doc, "p", { className: "receipt-stat-label", text: label }),
    element(doc, "p", { className: "receipt-stat-value", text: value, testid }));
  for (const [text, noteId] of notes) card.append(element(doc, "p", { className: "receipt-stat-note", text,
    testid: noteId }));
  return card;
}

function stats(doc, summary) {
  const totals = summary.totals;
  const deleted = summary.polygons.filter((polygon) => polygon.deleted).length;
  const grid = element(doc, "div", { className: "receipt-stats", testid: "receipt-stats" });

  const objectNotes = [[deleted
    ? `including ${deleted} deleted: ${deleted === 1 ? "it is" : "they are"} still counted, the work was done`
    : "none deleted", "receipt-deleted"]];
  if (totals.cancelled_drawings) {
    objectNotes.push([`plus ${plural(totals.cancelled_drawings, "drawing")} cancelled before closing `
      + `(${formatDuration(totals.cancelled_ms)}, counted in the active time and shown apart below)`,
    "receipt-cancelled"]);
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

  const threshold = formatDuration(summary.idle_threshold_ms);
  const timeNotes = [[`idle time dropped: ${formatDuration(totals.session_idle_ms)} (pauses count up to ${threshold})`,
    "receipt-idle-minutes"]];
  if (totals.hidden_ms) timeNotes.push([`tab hidden: ${formatDuration(totals.hidden_ms)}, capped the same way`, null]);
  if (totals.clamped_ms) {
    timeNotes.push([`clamped: ${formatDuration(totals.clamped_ms)} claimed beyond what the server's clock saw pass, `
      + "not counted", "receipt-clamped"]);
  }
  // The same rounding as "Where the time went", so the buckets there add up to this very figure.
  grid.append(stat(doc, "Active time", timeSplit(summary).total.text, "receipt-active-minutes", timeNotes));

  grid.append(stat(doc, "Images", totals.images, "receipt-images",
    [[`${plural(totals.sessions, "editor session")}`, "receipt-sessions"],
      [`${formatDuration(totals.mean_ms)} per object on average (median ${formatDuration(totals.median_ms)})`,
        "receipt-mean"]]));
  return grid;
}

function split(doc, summary) {
  const box = section(doc, "Where the time went", "receipt-split");
  const { rows, total } = timeSplit(summary);
  const bar = element(doc, "div", { className: "receipt-split-bar" });
  bar.setAttribute("aria-hidden", "true"); // the legend says the same in words
  const legend = element(doc, "dl", { className: "receipt-split-legend" });
  for (const row of rows) {
    const part = element(doc, "span", { className: `receipt-split-part receipt-split-${row.key}` });
    part.style.width = `${Math.max(0, row.percent ?? 0)}%`;
    bar.append(part);
    const term = element(doc, "dt");
    term.append(element(doc, "span", { className: `receipt-key receipt-split-${row.key}` }),
      element(doc, "span", { text: row.label }));
    const detail = element(doc, "dd");
    detail.append(element(doc, "span", { className: "receipt-figure", text: row.text,
      testid: `receipt-split-${row.key}` }),
      element(doc, "span", { className: "receipt-share", text: row.percent === null ? "" : ` ${row.percent}%` }),
      element(doc, "span", { className: "receipt-definition", text: row.definition }));
    legend.append(term, detail);
  }
  const term = element(doc, "dt", { className: "receipt-split-sum" });
  term.append(element(doc, "span", { text: "Active time" }));
  const detail = element(doc, "dd", { className: "receipt-split-sum" });
  detail.append(element(doc, "span", { className: "receipt-figure", text: total.text, testid: "receipt-split-total" }),
    element(doc, "span", { className: "receipt-share", text: " 100%" }),
    element(doc, "span", { className: "receipt-definition",
      text: "The sum of the rows above: every counted second is in exactly one." }));
  legend.append(term, detail);
  box.append(bar, legend);
  return box;
}

function objectList(doc, title, rows, replay, testid) {
  const box = element(doc, "div", { className: "receipt-objects" });
  box.append(element(doc, "h3", { text: title }));
  const table = element(doc, "table", { className: "receipt-table", testid });
  const head = element(doc, "tr");
  for (const name of ["Class", "Image", "Time", "Vertices", ""]) head.append(element(doc, "th", { text: name }));
  const thead = element(doc, "thead");
  thead.append(head);
  const body = element(doc, "tbody");
  for (const polygon of rows) {
    const row = element(doc, "tr", { testid: `${testid}-row` });
    row.dataset.annotation = polygon.annotation;
    const cls = element(doc, "td", { className: "receipt-class", testid: "object-class" });
    const swatch = element(doc, "span", { className: "swatch" });
    swatch.style.background = polygon.colour ?? "#888";
    cls.append(swatch, element(doc, "span", { text: ` ${polygon.category}` }));
    if (polygon.deleted) cls.append(element(doc, "span", { className: "receipt-tag", text: "deleted" }));
    row.append(cls, element(doc, "td", { className: "receipt-file", text: polygon.file_name, testid: "object-file" }),
      element(doc, "td", { className: "receipt-num", text: formatDuration(polygon.total_ms),
        testid: "object-seconds" }),
      element(doc, "td", { className: "receipt-num", text: polygon.vertices, testid: "object-vertices" }));
    const action = element(doc, "td");
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
  box.append(element(doc, "p", { className: "receipt-note", text: "Time per object = its searching + drawing + "
    + "editing time, idle pauses capped. Deleted objects keep theirs." }));
  const { slowest, fastest } = extremes(summary.polygons);
  const pair = element(doc, "div", { className: "receipt-pair" });
  pair.append(objectList(doc, "Slowest", slowest, urls.replay, "receipt-slowest"),
    objectList(doc, "Fastest", fastest, urls.replay, "receipt-fastest"));
  box.append(pair);
  return box;
}

function classes(doc, summary) {
  const box = section(doc, "By class", "receipt-classes");
  const table = element(doc, "table", { className: "receipt-table receipt-class-table" });
  const head = element(doc, "tr");
  for (const name of ["Class", "Objects", "Mean per object", "Median per object", "Total", "Vertices"]) {
    head.append(element(doc, "th", { text: name }));
  }
  const thead = element(doc, "thead");
  thead.append(head);
  const body = element(doc, "tbody");
  for (const group of summary.classes) {
    const row = element(doc, "tr", { testid: "receipt-class-row" });
    row.dataset.category = group.category;
    const cls = element(doc, "td", { className: "receipt-class", testid: "class-name" });
    const swatch = element(doc, "span", { className: "swatch" });
    swatch.style.background = group.colour ?? "#888";
    cls.append(swatch, element(doc, "span", { text: ` ${group.category}` }));
    row.append(cls, element(doc, "td", { className: "receipt-num", text: group.polygons, testid: "class-polygons" }),
      element(doc, "td", { className: "receipt-num", text: formatDuration(group.mean_ms), testid: "class-mean" }),
      element(doc, "td", { className: "receipt-num", text: formatDuration(group.median_ms), testid: "class-median" }),
      element(doc, "td", { className: "receipt-num", text: formatDuration(group.total_ms), testid: "class-total" }),
      element(doc, "td", { className: "receipt-num", text: group.vertices, testid: "class-vertices" }));
    body.append(row);
  }
  table.append(thead, body);
  box.append(table);
  return box;
}

function downloads(doc, annotator, urls) {
  const box = section(doc, annotator ? "Download this record" : "Download my record", "receipt-downloads");
  box.append(element(doc, "p", { className: "receipt-note",
    text: "The figures above and the raw events they were worked out from, "
    + "under your pseudonym (the name your work carries outside this room). They are yours to keep and check." }));
  const row = element(doc, "p", { className: "receipt-download-links" });
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
  const box = element(doc, "div", { className: "empty receipt-empty", testid: "receipt-empty" });
  if (annotator) {
    box.append(element(doc, "p", { text: `No work recorded for ${annotator} yet.` }));
    return box;
  }
  box.append(element(doc, "h2", { text: "Nothing on your receipt yet" }));
  const line = element(doc, "p");
  line.append(element(doc, "span", { text: "Pick a driving scene in the " }), link(doc, urls.gallery, "gallery", null,
    "receipt-gallery-link"), element(doc, "span", { text: " and outline a few objects. Every polygon's minutes, "
    + "clicks and vertices will be listed here, with what the work would be paid." }));
  box.append(line);
  return box;
}

// --- loading -----------------------------------------------------------------------------------------------------

function problem(doc, text, testid) {
  return element(doc, "p", { className: "receipt-problem", text, testid });
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
  const threshold = formatDuration(data.idle_threshold_ms);
  root.querySelector(".receipt-head > div").append(element(doc, "p", { className: "receipt-basis",
    text: `Every figure on this receipt is measured here, by this app, from the editor's own events; a pause counts `
    + `up to ${threshold}. Published figures below name their sources.`, testid: "receipt-basis" }));
  if (annotator && urls.dashboard) {
    root.querySelector(".receipt-head").append(link(doc, urls.dashboard, "Back to the room's labour", "receipt-back"));
  }

  const empty = !data.totals.polygons && !data.totals.sessions;
  if (empty) {
    root.append(emptyState(doc, annotator, urls));
  } else {
    root.append(stats(doc, data), split(doc, data));
    if (data.polygons.length) root.append(objects(doc, data, urls), classes(doc, data));

    const payBox = element(doc, "section", { className: "receipt-section receipt-pay", testid: "receipt-pay" });
    root.append(payBox);
    const work = workSplit(data);
    if (settings.status === "fulfilled") {
      renderPayPanel(payBox, { settings: settings.value, work });
    } else {
      payBox.append(problem(doc, `The pay settings could not be loaded: ${settings.reason.message}`));
    }

    const scaleBox = element(doc, "section", { className: "receipt-section receipt-scale", testid: "receipt-scale" });
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
  const box = element(doc, "details", { className: "receipt-section receipt-pay-editor",
    testid: "receipt-pay-editor" });
  box.append(element(doc, "summary",
    { text: "Pay settings (instructor): change the rates and reference wages everyone sees" }));
  const inner = element(doc, "div");
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
