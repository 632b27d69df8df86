// The labour dashboard (/labour): fetches /api/labour/summary.json for the chosen scope (all, one image,
// one person; names only when the instructor ticks "Show names"), shows the headline totals, five Chart.js
// charts each with its numbers as a table and as CSV, and the per-image / person / class / polygon tables.
//
// Chart.js is loaded by a classic <script> before this module and is the library's own global (`Chart`);
// this module defines no globals. Every name and label from the server goes in as textContent.

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { csvLink, renderTable } from "../common/table.js";
import { CHARTS, DASHBOARD_DEFINITIONS, TABLES, TERMS, headline, personLabel, scopeSuffix } from "./charts.js";

const root = document.querySelector('[data-testid="labour-dashboard"]');
const doc = root.ownerDocument;
const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);

const summaryUrl = root.dataset.summaryUrl;
const instructor = root.dataset.instructor === "true";
const imageSelect = $("filter-image");
const personSelect = $("filter-person");
const namesBox = instructor ? $("show-names") : null;
const statusLine = $("status");

const charts = new Map(); // chart id -> Chart instance, destroyed before a redraw
let revokers = []; // Blob URLs of the current download links
const openNumbers = new Set(); // charts whose numbers table the viewer opened: kept open across redraws
let request = 0; // only the latest answer is drawn
const api = makeApi();

const ChartJs = globalThis.Chart;
if (ChartJs) {
  ChartJs.defaults.font.size = 14;
  ChartJs.defaults.color = "#1f2326";
  ChartJs.defaults.font.family = getComputedStyle(doc.documentElement).fontFamily || ChartJs.defaults.font.family;
}

function scope() {
  return { image: imageSelect.value, annotator: personSelect.value, names: Boolean(namesBox?.checked) };
}

function summaryAddress({ image, annotator, names }) {
  const params = new URLSearchParams();
  if (image) params.set("image", image);
  if (annotator) params.set("annotator", annotator);
  if (names) params.set("names", "1");
  const query = params.toString();
  return query ? `${summaryUrl}?${query}` : summaryUrl;
}

function fetchSummary(wanted) {
  return api.get(summaryAddress(wanted));
}

// --- the select boxes --------------------------------------------------------------------------------------

function fillSelect(select, entries) {
  const chosen = select.value;
  const first = select.options[0];
  select.replaceChildren(first);
  for (const { value, label, disabled } of entries) {
    const option = element(doc, "option", { text: label });
    option.value = value;
    if (disabled) option.disabled = true;
    select.append(option);
  }
  select.value = entries.some((entry) => entry.value === chosen) ? chosen : "";
}

/** Images and people of the whole ledger (what this viewer may see), from an unscoped summary. */
function fillFilters(all) {
  fillSelect(imageSelect, all.images.map((row) => ({ value: String(row.image_id),
    label: `${row.file_name ?? `image ${row.image_id}`} (${row.polygons} polygons)` })));
  fillSelect(personSelect, all.people.map((row) => ({ value: row.person,
    label: `${personLabel(row)} (${row.polygons} polygons)`, disabled: row.person === "imported" })));
}

// --- drawing -----------------------------------------------------------------------------------------------

/** A headline value with its units set smaller ("1 min 16 sec": numbers big, "min" and "sec" small). */
function figureValue(text, testid) {
  const value = element(doc, "strong", { className: "figure-value", testid });
  for (const piece of text.split(/(\d[\d.,]*)/).filter(Boolean)) {
    value.append(/^\d/.test(piece) ? doc.createTextNode(piece) : element(doc, "span", { className: "figure-unit",
      text: piece }));
  }
  return value;
}

function renderHeadline(summary) {
  const box = $("headline");
  box.replaceChildren();
  for (const card of headline(summary)) {
    const item = element(doc, "div", { className: "figure", testid: `total-${card.id}` });
    item.dataset.value = card.raw === null || card.raw === undefined ? "" : String(card.raw);
    item.append(element(doc, "span", { className: "figure-label", text: card.label }),
      figureValue(card.value, `total-${card.id}-value`),
      element(doc, "span", { className: "figure-note", text: card.note }));
    box.append(item);
  }
}

function renderHelp(summary) {
  $("idle-threshold").textContent = formatDuration(summary.idle_threshold_ms);
  const list = $("definitions");
  list.replaceChildren();
  for (const [key, text] of Object.entries(summary.definitions ?? {})) {
    const term = element(doc, "dt", { text: TERMS[key] ?? key });
    term.append(element(doc, "code", { text: key }));
    list.append(term, element(doc, "dd", { text: String(text) }));
  }
  const own = $("dashboard-definitions");
  own.replaceChildren();
  for (const [term, text] of DASHBOARD_DEFINITIONS) own.append(element(doc, "dt", { text: term }),
    element(doc, "dd", { text }));
}

function describeScope(summary, wanted) {
  const parts = [];
  if (wanted.image) {
    const option = imageSelect.selectedOptions[0];
    parts.push(`image ${summary.images[0]?.file_name ?? option?.textContent ?? wanted.image}`);
  } else parts.push("all images");
  parts.push(wanted.annotator ? `person ${wanted.annotator}` : instructor ? "everyone" : "your own work");
  const line = $("scope");
  line.hidden = false;
  line.textContent = `Showing ${parts.join(", ")}: ${summary.totals.polygons} polygons`
    + `${summary.names ? ", with names" : ""}.`;
}

function clearDrawing() {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  for (const revoke of revokers) revoke();
  revokers = [];
  $("charts").replaceChildren();
  $("breakdowns").replaceChildren();
}

function download(table, name, suffix, testid = "download-csv") {
  const { link, revoke } = csvLink(doc, table, `labour-${name}${suffix}.csv`, { testid });
  revokers.push(revoke);
  return link;
}

function chartHeight(spec, summary) {
  if (spec.id === "timeline") {
    const people = new Set([...(summary.sessions ?? []), ...summary.polygons].map((row) => row.person)).size;
    return Math.max(220, 110 + 70 * people);
  }
  return 340;
}

function renderChart(spec, summary, suffix) {
  const table = spec.table(summary);
  const card = element(doc, "section", { className: `chart-card chart-${spec.id}`, testid: `chart-${spec.id}` });
  const numbersId = `numbers-${spec.id}`;
  card.append(element(doc, "h2", { text: spec.title }), element(doc, "p", { className: "chart-description",
    text: spec.description }));
  const box = element(doc, "div", { className: "chart-box" });
  box.style.height = `${chartHeight(spec, summary)}px`;
  const canvas = element(doc, "canvas", { testid: "chart-canvas",
    attrs: { role: "img", "aria-label": `${spec.title}. ${spec.description} The numbers are in the table below.` } });
  box.append(canvas);
  const actions = element(doc, "div", { className: "chart-actions" });
  const toggle = element(doc, "button", { className: "toggle", text: "Show numbers", testid: "toggle-numbers",
    attrs: { type: "button", "aria-controls": numbersId, "aria-expanded": "false" } });
  const numbers = element(doc, "div", { className: "numbers-wrap", testid: "numbers", attrs: { id: numbersId } });
  numbers.append(renderTable(doc, table, { caption: `${spec.title}: the numbers plotted`, testid: "numbers-table" }));
  const show = (open) => {
    numbers.hidden = !open;
    toggle.textContent = open ? "Hide numbers" : "Show numbers";
    toggle.setAttribute("aria-expanded", String(open));
    if (open) openNumbers.add(spec.id);
    else openNumbers.delete(spec.id);
  };
  toggle.addEventListener("click", () => show(numbers.hidden));
  actions.append(toggle, download(table, spec.csv, suffix));
  card.append(box, actions, numbers);
  show(openNumbers.has(spec.id));
  $("charts").append(card);
  if (ChartJs) {
    charts.set(spec.id, new ChartJs(canvas, spec.config(summary)));
  } else {
    box.replaceChildren(element(doc, "p", { className: "chart-missing",
      text: "The chart library did not load; the numbers are in the table." }));
    show(true);
  }
}

function renderBreakdown(spec, summary, suffix) {
  const table = spec.table(summary);
  const card = element(doc, "section", { className: `breakdown breakdown-${spec.id}`, testid: `breakdown-${spec.id}` });
  const head = element(doc, "div", { className: "breakdown-head" });
  head.append(element(doc, "h2", { text: spec.title }), download(table, spec.csv, suffix));
  const wrap = element(doc, "div", { className: "table-scroll" });
  wrap.append(renderTable(doc, table, { testid: `table-${spec.id}` }));
  card.append(head, wrap);
  $("breakdowns").append(card);
}

function render(summary, wanted) {
  clearDrawing();
  renderHeadline(summary);
  renderHelp(summary);
  describeScope(summary, wanted);
  const empty = $("empty-message");
  if (summary.polygons.length === 0) {
    empty.hidden = false;
    empty.replaceChildren(element(doc, "strong", { text: "No polygons recorded here yet." }),
      element(doc, "span", { text: wanted.image || wanted.annotator
        ? " Nothing was outlined in this selection: choose “All images” or “Everyone” above."
        : " Open a scene from the gallery and outline an object: the minutes it takes appear here, "
          + "with charts and tables." }));
    root.dataset.state = "empty";
    return;
  }
  empty.hidden = true;
  const suffix = scopeSuffix(wanted);
  for (const spec of CHARTS) renderChart(spec, summary, suffix);
  for (const spec of TABLES) renderBreakdown(spec, summary, suffix);
  root.dataset.state = "ready";
}

async function load({ refreshFilters = false } = {}) {
  const mine = ++request;
  const wanted = scope();
  root.dataset.state = "loading";
  root.setAttribute("aria-busy", "true");
  statusLine.textContent = "Loading the labour ledger…";
  statusLine.classList.remove("error");
  try {
    const unscoped = !wanted.image && !wanted.annotator;
    const summary = await fetchSummary(wanted);
    const all = refreshFilters ? (unscoped ? summary : await fetchSummary({ names: wanted.names })) : null;
    if (mine !== request) return;
    if (all) fillFilters(all);
    render(summary, wanted);
    statusLine.textContent = "";
  } catch (error) {
    if (mine !== request) return;
    clearDrawing();
    statusLine.textContent = `Could not load the labour figures: ${error.message}`;
    statusLine.classList.add("error");
    root.dataset.state = "error";
  } finally {
    if (mine === request) root.removeAttribute("aria-busy");
  }
}

$("filters").addEventListener("submit", (event) => event.preventDefault());
imageSelect.addEventListener("change", () => load());
personSelect.addEventListener("change", () => load());
namesBox?.addEventListener("change", () => load({ refreshFilters: true }));
load({ refreshFilters: true });
