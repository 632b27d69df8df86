// The debrief page (/debrief): the room's totals as big numbers, the time-lapse of its outlines, the time per
// object by class, the room's pace at the scale of Cityscapes and COCO, and what the work would be paid; every
// number with a "Source" button opening its definition and source (sources.js). The figures are model.js's, from
// GET /api/debrief (the labour report's totals and classes), /api/labour/presets and /api/pay.
// Text, names included, goes in as textContent only (common/dom.js). No globals.

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatCount, formatDuration, formatHours, formatMoney } from "../common/format.js";
import { debriefModel } from "./model.js";
import { sourceOf } from "./sources.js";
import { Film, SPEEDS, drawnSoFar, filmRate } from "./timelapse.js";

const root = document.querySelector('[data-testid="debrief"]');
const doc = root.ownerDocument;
const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);
const { urls, instructor } = JSON.parse(doc.getElementById("debrief-data").textContent);
const api = makeApi();
const context = { report: null, presets: [], settings: null, ledgerUrl: urls.ledger };

function sourceButton(key, label = "Source") {
  const button = element(doc, "button", { className: "debrief-source", text: label, testid: `source-${key}` });
  button.type = "button";
  button.dataset.source = key;
  return button;
}

function figure(tag, text, testid, value, className = "") {
  const node = element(doc, tag, { className, text, testid });
  if (value !== undefined && value !== null) node.dataset.value = String(value);
  return node;
}

// --- the numbers -----------------------------------------------------------------------------------------------

function renderTotals(numbers, report) {
  const tiles = element(doc, "div", { className: "debrief-numbers" });
  tiles.append(...numbers.map((number) => {
    const tile = element(doc, "div", { className: "debrief-number", testid: `big-${number.key}` });
    tile.dataset.field = number.field;
    tile.dataset.raw = String(number.raw);
    const shown = number.kind === "hours" ? formatHours(number.value) : formatCount(number.value);
    tile.append(element(doc, "strong", { className: "debrief-number-value", text: shown, testid: "big-value" }),
      element(doc, "span", { className: "debrief-number-label", text: number.label }), sourceButton(number.key));
    return tile;
  }));
  const totals = report.totals;
  $("totals").replaceChildren(tiles, element(doc, "p", { className: "debrief-totals-line", testid: "totals-line",
    text: `${formatCount(totals.people)} ${totals.people === 1 ? "person" : "people"} · `
      + `${formatCount(totals.images)} ${totals.images === 1 ? "image" : "images"} · `
      + `${formatDuration(totals.active_ms)} of active time` }));
  fitNumbers();
}

/** A big number is one line, as large as its tile allows (set smaller only when it would not fit). */
function fitNumbers() {
  const values = [...root.querySelectorAll(".debrief-number-value")];
  for (const value of values) value.style.removeProperty("font-size");
  const sizes = values.map((value) => [value.clientWidth, value.scrollWidth,
    parseFloat(doc.defaultView.getComputedStyle(value).fontSize)]);
  values.forEach((value, index) => {
    const [width, needed, size] = sizes[index];
    if (needed > width) value.style.fontSize = `${Math.floor(size * (width / needed) * 0.97)}px`;
  });
}

function renderClasses(classes) {
  const list = $("class-list");
  const slowest = Math.max(...classes.map((row) => row.msPerObject), 1);
  if (!classes.length) {
    list.replaceChildren(element(doc, "li", { className: "muted", text: "No outline yet." }));
    return;
  }
  list.replaceChildren(...classes.map((row) => {
    const item = element(doc, "li", { className: "debrief-class", testid: "class-row" });
    item.dataset.category = row.category;
    item.dataset.value = String(row.msPerObject);
    const bar = element(doc, "span", { className: "debrief-class-bar" });
    bar.style.setProperty("--share", String(row.msPerObject / slowest));
    bar.style.setProperty("--colour", row.colour);
    item.append(element(doc, "span", { className: "debrief-class-name", text: row.category, testid: "class-name" }),
      bar,
      element(doc, "strong", { className: "debrief-class-time", text: formatDuration(row.msPerObject),
        testid: "class-time" }),
      element(doc, "span", { className: "debrief-class-count", text: `per object · ${formatCount(row.polygons)} `
        + `outline${row.polygons === 1 ? "" : "s"}, median ${formatDuration(row.medianMs)}` }));
    return item;
  }));
}

function renderScale(model) {
  const pace = model.pace;
  const line = $("pace");
  line.replaceChildren();
  if (pace.msPerObject === null) {
    line.textContent = "No closed outline yet: the room's pace appears here once one is saved.";
  } else {
    line.append(element(doc, "span", { text: "The room's pace: " }),
      figure("strong", formatDuration(pace.msPerObject), "pace-value", pace.msPerObject, "debrief-big"),
      element(doc, "span", { text: ` per object (${formatCount(pace.objects)} outlines). ` }), sourceButton("pace"));
  }
  $("scale-list").replaceChildren(...model.scaled.map((row) => {
    const block = element(doc, "div", { className: "debrief-dataset", testid: `scale-${row.id}` });
    block.append(element(doc, "h3", { text: row.label }));
    const ours = element(doc, "p", { className: "debrief-dataset-ours" });
    if (row.hours === null) {
      ours.textContent = "Appears once the room has closed an outline.";
    } else {
      ours.append(element(doc, "span", { text: `${formatCount(row.images)} images × ${row.lowerBound ? "at least " : ""}`
        + `${row.objectsPerImage} objects at this room's pace: ${row.lowerBound ? "at least " : ""}` }),
      figure("strong", formatHours(row.hours), `scale-hours-${row.id}`, row.hours, "debrief-big"),
      element(doc, "span", { text: " person-hours " }), sourceButton(`scale-${row.id}`));
    }
    block.append(ours);
    if (row.publishedHours !== null) {
      const time = row.preset.time_per_image;
      const published = element(doc, "p", { className: "debrief-dataset-published" });
      published.append(element(doc, "span", { text: `Published: ${time.lower_bound ? "more than " : ""}`
        + `${formatDuration(time.seconds * 1000)} per image, so ${time.lower_bound ? "more than " : ""}` }),
      figure("strong", formatHours(row.publishedHours), `published-hours-${row.id}`, row.publishedHours),
      element(doc, "span", { text: " person-hours " }), sourceButton(`published-${row.id}`));
      block.append(published);
    }
    return block;
  }));
}

function renderPay(paid) {
  const box = $("pay-table");
  if (!paid) {
    box.replaceChildren(element(doc, "p", { className: "muted", text: "The pay settings could not be loaded." }));
    return;
  }
  const table = element(doc, "table", { className: "debrief-pay-table" });
  const head = element(doc, "tr");
  head.append(element(doc, "th", { text: "Work" }), element(doc, "th", { text: "Person-hours" }));
  for (const model of paid.models) {
    const cell = element(doc, "th");
    cell.append(element(doc, "span", { text: `${model.label}: ${formatMoney(model.value, model.currency)} per ${model.unit} ` }),
      sourceButton(`pay-${model.name}`));
    head.append(cell);
  }
  const body = paid.rows.map((row) => {
    const line = element(doc, "tr", { testid: `pay-row-${row.key}` });
    line.append(element(doc, "th", { text: row.label, attrs: { scope: "row" } }),
      figure("td", `${row.lowerBound ? "≥ " : ""}${formatHours(row.hours)}`, `pay-hours-${row.key}`, row.hours));
    for (const model of paid.models) {
      const result = row.pay[model.name];
      const cell = figure("td", formatMoney(result.amount, result.currency), `pay-${row.key}-${model.name}`,
        result.amount);
      if (row.key === "room" && result.effective_hourly !== null && model.unit !== "hour") {
        cell.append(element(doc, "span", { className: "debrief-effective",
          text: ` = ${formatMoney(result.effective_hourly, result.currency)} per hour worked` }));
      }
      line.append(cell);
    }
    return line;
  });
  const thead = element(doc, "thead");
  thead.append(head);
  const tbody = element(doc, "tbody");
  tbody.append(...body);
  table.append(thead, tbody);
  box.replaceChildren(table, element(doc, "p", { className: "debrief-note", text: "The room is paid as the receipt "
    + "pays a person: piece rates on the live, closed outlines and their images, the hourly rate on all the active "
    + "time. A scaled dataset is paid on all its objects and images and its person-hours." }));
}

function renderCredits(names) {
  const section = $("credits");
  if (!section || !names || !names.length) return;
  $("names").replaceChildren(...names.map((name) => element(doc, "li", { text: name, testid: "name" })));
  section.hidden = false;
}

// --- the source dialog -----------------------------------------------------------------------------------------

const dialog = $("source-dialog");

function openSource(key) {
  const found = sourceOf(key, context);
  dialog.dataset.source = key;
  $("source-title").textContent = found.title;
  $("source-definition").textContent = found.definition || "–";
  $("source-how").textContent = found.how || "–";
  $("source-text").textContent = [found.source, found.confidence ? `(${found.confidence})` : ""].join(" ").trim();
  const link = $("source-link");
  link.hidden = !found.url;
  $("source-no-link").hidden = Boolean(found.url);
  if (found.url) {
    link.href = found.url;
    link.textContent = found.urlText || found.url;
  } else {
    $("source-no-link").textContent = found.urlText;
  }
  dialog.showModal();
}

root.addEventListener("click", (event) => {
  const button = event.target.closest("[data-source]");
  if (button && root.contains(button)) openSource(button.dataset.source);
});

// --- the time-lapse ---------------------------------------------------------------------------------------------

const TILE_PX = 480; // canvas width of a tile: sharp on a projector, cheap to redraw
const clockFormat = new Intl.DateTimeFormat(doc.documentElement.lang || "en",
  { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function tracePath(context2d, parts, scale) {
  context2d.beginPath();
  for (const part of parts) {
    const points = part.points;
    for (let index = 0; index < points.length; index += 2) {
      const x = points[index] * scale;
      const y = points[index + 1] * scale;
      if (index === 0) context2d.moveTo(x, y);
      else context2d.lineTo(x, y);
    }
    context2d.closePath();
  }
}

function setUpFilm(timeline) {
  const tiles = new Map(); // image id -> {done, drawing, scale}
  const list = $("film-tiles");
  const note = $("film-note");
  note.hidden = !timeline.note;
  note.textContent = timeline.note ?? "";
  list.replaceChildren(...timeline.images.map((image) => {
    const item = element(doc, "li", { className: "debrief-tile", testid: "film-tile" });
    item.dataset.image = String(image.id);
    const frame = element(doc, "div", { className: "debrief-frame" });
    frame.style.aspectRatio = `${image.width} / ${image.height}`;
    const picture = element(doc, "img", { attrs: { alt: "", src: image.thumbnail_url, decoding: "async" } });
    const height = Math.max(1, Math.round((TILE_PX * image.height) / image.width));
    const done = element(doc, "canvas", { attrs: { width: TILE_PX, height } });
    const drawing = element(doc, "canvas", { attrs: { width: TILE_PX, height } });
    frame.append(picture, done, drawing);
    item.append(frame, element(doc, "p", { className: "debrief-tile-name", text: image.file_name }));
    tiles.set(image.id, { done: done.getContext("2d"), drawing: drawing.getContext("2d"),
      scale: TILE_PX / image.width, width: TILE_PX, height, dirty: false });
    return item;
  }));

  const film = new Film(timeline);
  const speedSelect = $("film-speed");
  speedSelect.replaceChildren(...SPEEDS.map((speed) => element(doc, "option",
    { text: speed.label, attrs: { value: speed.id } })));
  let rate = filmRate(film.span, speedSelect.value);
  let filmMs = 0; // film time played since the start
  let playing = false;
  let last = 0;
  const play = $("film-play");
  const clock = $("film-clock");

  function drawClosed(outline) {
    const tile = tiles.get(outline.image_id);
    if (!tile) return;
    const context2d = tile.done;
    tracePath(context2d, outline.parts, tile.scale);
    context2d.lineWidth = 2.5;
    context2d.strokeStyle = outline.colour;
    if (outline.deleted) {
      context2d.setLineDash([6, 5]);
      context2d.stroke();
      context2d.setLineDash([]);
      return;
    }
    context2d.globalAlpha = 0.38;
    context2d.fillStyle = outline.colour;
    context2d.fill("evenodd");
    context2d.globalAlpha = 1;
    context2d.stroke();
  }

  function show(t) {
    const step = film.at(t);
    if (step.reset) for (const tile of tiles.values()) tile.done.clearRect(0, 0, tile.width, tile.height);
    step.closed.forEach(drawClosed);
    for (const tile of tiles.values()) {
      if (tile.dirty) tile.drawing.clearRect(0, 0, tile.width, tile.height);
      tile.dirty = false;
    }
    for (const { outline, fraction } of step.drawing) {
      const tile = tiles.get(outline.image_id);
      if (!tile) continue;
      const points = drawnSoFar(outline, fraction);
      const context2d = tile.drawing;
      context2d.beginPath();
      for (let index = 0; index < points.length; index += 2) {
        const x = points[index] * tile.scale;
        const y = points[index + 1] * tile.scale;
        if (index === 0) context2d.moveTo(x, y);
        else context2d.lineTo(x, y);
      }
      context2d.lineWidth = 3;
      context2d.strokeStyle = outline.colour;
      context2d.stroke();
      tile.dirty = true;
    }
    const room = Math.max(0, t - film.start);
    $("film-time").textContent = timeline.start_ms === null ? "–" : clockFormat.format(new Date(t));
    $("film-elapsed").textContent = timeline.start_ms === null ? "No outline with a time yet."
      : `${formatDuration(room)} of ${formatDuration(film.span)} into the session`;
    $("film-drawn").textContent = formatCount(step.closedCount);
    clock.dataset.roomMs = String(room);
    clock.dataset.drawn = String(step.closedCount);
  }

  function setPlaying(value) {
    playing = value;
    play.setAttribute("aria-pressed", String(value));
    play.textContent = value ? "Pause" : "Play";
    root.dataset.film = value ? "playing" : "paused";
    if (value) {
      last = performance.now();
      requestAnimationFrame(frame);
    }
  }

  function frame(now) {
    if (!playing) return;
    filmMs += now - last;
    last = now;
    const t = Math.min(film.end, film.start + filmMs * rate);
    show(t);
    if (t >= film.end) setPlaying(false);
    else requestAnimationFrame(frame);
  }

  play.addEventListener("click", () => {
    if (!playing && film.start + filmMs * rate >= film.end) filmMs = 0; // at the end: play from the start
    setPlaying(!playing);
  });
  $("film-rewind").addEventListener("click", () => {
    filmMs = 0;
    show(film.start);
  });
  speedSelect.addEventListener("change", () => {
    const room = filmMs * rate;
    rate = filmRate(film.span, speedSelect.value);
    filmMs = room / rate;
  });
  play.disabled = !timeline.outlines.length;
  filmMs = film.span / rate; // the finished picture first; Play runs it from the start
  show(film.end);
  root.dataset.film = "paused";
}

// --- sharing ----------------------------------------------------------------------------------------------------

function setUpSharing() {
  const toggle = $("share-toggle");
  if (!toggle) return;
  toggle.addEventListener("change", async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    try {
      const answer = await api.put(urls.share, { shared: wanted });
      toggle.checked = answer.shared;
      $("share-address").hidden = !answer.shared;
      $("share-status").textContent = answer.shared ? "Shared: participants who joined may open this page."
        : "Not shared: only you see this page.";
    } catch (error) {
      toggle.checked = !wanted;
      $("share-status").textContent = `Not changed: ${error.message}`;
    } finally {
      toggle.disabled = false;
    }
  });
}

// --- loading ----------------------------------------------------------------------------------------------------

async function load() {
  const [figures, timeline, presets, settings] = await Promise.allSettled([
    api.get(urls.figures), api.get(urls.timeline), api.get(urls.presets), api.get(urls.pay)]);
  $("loading").hidden = true;
  if (figures.status !== "fulfilled") {
    $("problem").hidden = false;
    $("problem").textContent = `The room's figures could not be loaded: ${figures.reason.message}`;
    root.dataset.state = "failed";
    return;
  }
  const report = figures.value;
  context.report = report;
  context.presets = presets.status === "fulfilled" ? presets.value.presets : [];
  context.settings = settings.status === "fulfilled" ? settings.value : null;
  const model = debriefModel(report, context.presets, context.settings);
  renderTotals(model.numbers, report);
  renderClasses(model.classes);
  renderScale(model);
  renderPay(model.paid);
  if (instructor) renderCredits(report.names);
  if (timeline.status === "fulfilled") setUpFilm(timeline.value);
  else {
    $("film-note").hidden = false;
    $("film-note").textContent = `The time-lapse could not be loaded: ${timeline.reason.message}`;
  }
  root.dataset.state = "ready";
}

setUpSharing();
load();
doc.defaultView.addEventListener("resize", fitNumbers);
