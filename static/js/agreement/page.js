// The agreement page (/agreement/<image id>): everyone's outlines over the image, coloured per person and
// grouped per object, the disagreement map, a pixel's class counts, and the tables. Figures come from
// GET /api/images/<id>/agreement (names as the server decides the asker may see them); a click asks
// /agreement/pixel. Text goes in with textContent only; no globals. Tests read what is on screen from the
// canvas's data attributes (data-outlines: how many are drawn, data-selected: the picked object's number).

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { renderTable } from "../common/table.js";
import { drawOutlines } from "./draw.js";
import {
  clientToPixel, confusionTable, membersTable, objectLine, objectName, pairwiseTable, peopleIndex, pixelLines,
  summaryLine, truthObjectsTable, truthTable,
} from "./figures.js";

const $ = (id) => document.getElementById(id);
const dom = {
  root: $("agreement"), summary: $("agreement-summary"), stage: $("agreement-stage"), image: $("agreement-image"),
  heat: $("agreement-heat"), canvas: $("agreement-canvas"), marker: $("agreement-marker"),
  showOutlines: $("agreement-show-outlines"), showHeat: $("agreement-show-heat"), heatLegend: $("agreement-heat-legend"),
  pixel: $("agreement-pixel-body"), people: $("agreement-people"), objects: $("agreement-objects"),
  object: $("agreement-object"), pairwise: $("agreement-pairwise"), confusions: $("agreement-confusions"),
  truthBox: $("agreement-truth-box"), truth: $("agreement-truth"),
};
const { image } = JSON.parse($("agreement-data").textContent);
const apiBase = `/api/images/${image.id}/agreement`;
const api = makeApi();

const view = {
  report: null, people: new Map(), outlines: [], hidden: new Set(), hovered: null, picked: null, pixelRequest: 0,
};

// --- drawing -------------------------------------------------------------------------------------------------

function selectedObject() {
  const number = view.hovered ?? view.picked;
  return number === null ? null : view.report.objects.find((object) => object.id === number) ?? null;
}

function redraw() {
  const ctx = dom.canvas.getContext("2d");
  const object = selectedObject();
  const shown = dom.showOutlines.checked ? view.outlines.filter((o) => !view.hidden.has(o.person)) : [];
  const rect = dom.canvas.getBoundingClientRect();
  const perScreenPixel = rect.width ? image.width / rect.width : 1;
  const drawn = drawOutlines(ctx, shown, {
    colourOf: (person) => view.people.get(person)?.colour ?? "#888",
    selected: object ? new Set(object.members.map((member) => member.annotation)) : null,
    lineWidth: 2 * perScreenPixel,
  });
  dom.canvas.dataset.outlines = String(drawn);
  dom.canvas.dataset.selected = object ? String(object.id) : "";
}

// --- lists and tables ----------------------------------------------------------------------------------------

function swatch(colour) {
  const node = element(document, "span", { className: "agreement-swatch", attrs: { "aria-hidden": "true" } });
  node.style.background = colour;
  return node;
}

function renderPeople() {
  const items = [...view.people.values()].map((person) => {
    const item = element(document, "li");
    const label = element(document, "label");
    const box = element(document, "input", { attrs: { type: "checkbox" } });
    box.checked = !view.hidden.has(person.id);
    box.addEventListener("change", () => {
      if (box.checked) view.hidden.delete(person.id);
      else view.hidden.add(person.id);
      redraw();
    });
    label.append(box, swatch(person.colour), element(document, "span", { className: "agreement-person-name",
      text: person.label }), element(document, "span", { className: "muted",
      text: ` ${person.outlines} ${person.outlines === 1 ? "outline" : "outlines"}` }));
    item.append(label);
    item.dataset.person = person.id;
    return item;
  });
  dom.people.replaceChildren(...items);
}

function renderObjects() {
  const items = view.report.objects.map((object) => {
    const item = element(document, "li");
    const button = element(document, "button", {
      className: `agreement-object-button${object.agreed_class ? "" : " split"}`, text: objectLine(object),
      attrs: { type: "button", "data-object": object.id, "aria-pressed": "false" },
    });
    button.addEventListener("mouseenter", () => hover(object.id));
    button.addEventListener("mouseleave", () => hover(null));
    button.addEventListener("focus", () => hover(object.id));
    button.addEventListener("blur", () => hover(null));
    button.addEventListener("click", () => pick(view.picked === object.id ? null : object.id));
    item.append(button);
    return item;
  });
  dom.objects.replaceChildren(...items);
}

function hover(number) {
  view.hovered = number;
  redraw();
}

function pick(number) {
  view.picked = number;
  for (const button of dom.objects.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.object === String(number)));
  }
  renderObjectDetail();
  redraw();
}

function renderObjectDetail() {
  const object = view.report.objects.find((entry) => entry.id === view.picked);
  dom.object.hidden = !object;
  if (!object) {
    dom.object.replaceChildren();
    return;
  }
  const parts = [element(document, "h3", { text: objectName(object) }),
    renderTable(document, membersTable(object, view.people), { testid: "object-members" })];
  if (object.missing.length) {
    parts.push(element(document, "p", { className: "muted", testid: "object-missing",
      text: `Not outlined by: ${object.missing.map((id) => view.people.get(id)?.label ?? id).join(", ")}` }));
  }
  dom.object.replaceChildren(...parts);
}

function renderTables() {
  const report = view.report;
  dom.pairwise.replaceChildren(renderTable(document, pairwiseTable(report, view.people), { testid: "pairwise" }));
  dom.confusions.replaceChildren(renderTable(document, confusionTable(report), { testid: "confusions" }));
  const truth = report.ground_truth;
  dom.truthBox.hidden = !truth;
  if (truth) {
    dom.truth.replaceChildren(
      renderTable(document, truthTable(truth, view.people), { testid: "truth-people" }),
      renderTable(document, truthObjectsTable(truth), { caption: "Ground-truth objects someone found",
        testid: "truth-objects" }),
    );
  }
}

// --- the pixel under a click ---------------------------------------------------------------------------------

async function showPixel(event) {
  const point = clientToPixel(dom.canvas.getBoundingClientRect(), image.width, image.height, event.clientX,
    event.clientY);
  if (!point) return;
  dom.marker.hidden = false;
  dom.marker.style.left = `${((point.x + 0.5) / image.width) * 100}%`;
  dom.marker.style.top = `${((point.y + 0.5) / image.height) * 100}%`;
  const request = ++view.pixelRequest;
  dom.pixel.dataset.state = "loading";
  try {
    const pixel = await api.get(`${apiBase}/pixel?x=${point.x}&y=${point.y}`);
    if (request !== view.pixelRequest) return; // a later click won
    const heading = element(document, "p", { className: "agreement-pixel-where",
      text: `Pixel (${pixel.x}, ${pixel.y}): ${pixel.labelled} of ${pixel.people} labelled it` });
    const list = element(document, "ul", { className: "agreement-pixel-list" });
    for (const line of pixelLines(pixel, view.people)) {
      const item = element(document, "li");
      item.append(element(document, "strong", { text: line.text }));
      if (line.who) item.append(element(document, "span", { className: "muted", text: ` (${line.who})` }));
      list.append(item);
    }
    dom.pixel.replaceChildren(heading, list);
    dom.pixel.dataset.state = "ready";
  } catch (error) {
    if (request !== view.pixelRequest) return;
    dom.pixel.textContent = `Could not read that pixel: ${error.message}`;
    dom.pixel.dataset.state = "error";
  }
}

// --- controls ------------------------------------------------------------------------------------------------

function wireControls() {
  dom.showOutlines.addEventListener("change", redraw);
  dom.showHeat.addEventListener("change", () => {
    if (dom.showHeat.checked && !dom.heat.getAttribute("src")) dom.heat.src = `${apiBase}/disagreement.png`;
    dom.heat.hidden = !dom.showHeat.checked;
    dom.heatLegend.hidden = !dom.showHeat.checked;
  });
  dom.canvas.addEventListener("click", showPixel);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || (view.picked === null && view.hovered === null)) return;
    if (document.activeElement?.classList.contains("agreement-object-button")) document.activeElement.blur();
    view.hovered = null;
    pick(null);
  });
  new ResizeObserver(() => redraw()).observe(dom.canvas);
}

async function load() {
  dom.canvas.width = image.width;
  dom.canvas.height = image.height;
  wireControls();
  try {
    view.report = await api.get(apiBase);
  } catch (error) {
    dom.root.dataset.state = error.status === 403 ? "forbidden" : "error";
    dom.summary.textContent = error.status === 403 ? "Not shared yet: the instructor has not shared everyone's "
      + "outlines." : `Could not load the figures: ${error.message}`;
    return;
  }
  view.people = peopleIndex(view.report.people);
  view.outlines = view.report.outlines || [];
  dom.summary.textContent = summaryLine(view.report);
  renderPeople();
  renderObjects();
  renderTables();
  redraw();
  dom.root.dataset.state = "ready";
}

load();
