// "What the work is worth": the pay panel's view. Turns the measured active time into money under a pay model
// (a piece rate per polygon or per image, or an hourly rate), shows the effective hourly wage in US dollars
// and in a chosen currency, and sets it beside reference wages. The numbers, and every text beside them, are
// pay_model.js's `panelFigures`; this module builds the controls once and redraws the figures on each change.
// All text is set with textContent, never as HTML. The document is the container's own, so nothing global is
// touched and a test can pass a fake one.

import { element } from "../common/dom.js";
import { MODELS, MODEL_NAMES, allPaid, barWidth, panelFigures, panelState, readRate, withRate } from "./pay_model.js";

let panelCount = 0; // distinct radio-group names when a page holds several panels

/**
 * Build the pay panel in `container` (its contents are replaced).
 * settings: the object GET /api/pay answers; work: a `workSplit` (labour spent, work that would be paid), or
 * activeMs, polygons, images when everything measured counts as paid.
 * Returns { element, update({work} or {activeMs, polygons, images}), state() } to refresh the figures.
 */
export function renderPayPanel(container, { settings, work = null, activeMs = 0, polygons = 0, images = 0 }) {
  const doc = container.ownerDocument;
  const make = (tag, options) => element(doc, tag, options);
  const rates = settings.exchange_rates;
  const groupName = `pay-model-${++panelCount}`;
  let state = panelState(settings, work ?? allPaid({ activeMs, polygons, images }));
  const change = (next) => {
    state = next;
    draw();
  };

  const root = make("section", { className: "pay-panel", attrs: { "aria-label": "What the work is worth" } });
  // Labour spent and work that would be paid, side by side: a piece rate pays only the second.
  const measured = make("div", { className: "pay-measured", testid: "pay-measured" });
  const measuredList = make("dl", { className: "pay-measured-list" });

  // The model picker: pay per task (per polygon, per image) and hourly pay are different kinds of rate.
  const picker = make("fieldset", { className: "pay-models" });
  picker.append(make("legend", { text: "Pay model" }));
  const radios = {};
  for (const name of MODELS) {
    const radio = Object.assign(make("input"), { type: "radio", name: groupName, value: name });
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      rateInput.value = String(state.rates[name]);
      change({ ...state, model: name });
    });
    radios[name] = radio;
    const kind = name === "hourly" ? "hourly pay" : "pay per task";
    const label = make("label", { className: "pay-model" });
    label.append(radio, make("span", { text: ` ${MODEL_NAMES[name]} (${kind})` }));
    picker.append(label);
  }

  const rateInput = Object.assign(make("input", { className: "pay-rate-input" }), { type: "number", min: "0", step: "any" });
  const rateUnit = make("span", { className: "pay-rate-unit" });
  const rateLabel = make("label", { className: "pay-rate-label" });
  rateLabel.append(make("span", { text: "Rate for this view: " }), rateInput, rateUnit);
  const resetRate = Object.assign(make("button", { className: "pay-rate-reset", text: "Use the published rate" }),
    { type: "button" });
  const rateSource = make("p", { className: "pay-source pay-rate-source" });
  const rateRow = make("div", { className: "pay-rate" });
  rateRow.append(rateLabel, resetRate, rateSource);
  rateInput.addEventListener("input", () => {
    const value = readRate(rateInput.value);
    rateInput.setAttribute("aria-invalid", value === null ? "true" : "false");
    if (value === null) rateSource.textContent = "Enter a rate of 0 or more.";
    else change(withRate(settings, state, value));
  });
  resetRate.addEventListener("click", () => {
    state = withRate(settings, state, null);
    rateInput.value = String(state.rates[state.model]);
    rateInput.setAttribute("aria-invalid", "false");
    draw();
  });

  const displaySelect = make("select", { className: "pay-display-select" });
  for (const code of Object.keys(rates.usd_per_unit)) displaySelect.append(Object.assign(make("option", { text: code }), { value: code }));
  displaySelect.value = state.display;
  displaySelect.addEventListener("change", () => change({ ...state, display: displaySelect.value }));
  const displayLabel = make("label", { className: "pay-display" });
  displayLabel.append(make("span", { text: "Also show in: " }), displaySelect);

  const results = make("dl", { className: "pay-results" });
  const secondaryBox = Object.assign(make("input"), { type: "checkbox" });
  secondaryBox.addEventListener("change", () => change({ ...state, showSecondary: secondaryBox.checked }));
  const secondaryLabel = make("label", { className: "pay-secondary-toggle" });
  secondaryLabel.append(secondaryBox, make("span", { text: " Also show figures from secondary sources (labelled)" }));
  const lineList = make("ol", { className: "pay-lines" });

  const notes = make("ul", { className: "pay-notes" });
  for (const note of settings.notes ?? []) notes.append(make("li", { text: note }));
  notes.append(make("li", { className: "pay-rates-note",
    text: `Currencies are converted with a fixed table dated ${rates.date}, not a live rate. ${rates.source} `
    + `(${rates.confidence}).` }));

  root.append(make("h2", { className: "pay-title", text: "What the work is worth" }), measured, picker, rateRow,
    displayLabel, results, make("h3", { className: "pay-lines-title", text: "Beside reference wages (US$ per hour)" }),
    secondaryLabel, lineList, notes);
  container.replaceChildren(root);

  /** A term and its figure, the figure's source in words beside it. */
  function figure(term, value, source, testid = "") {
    const dd = make("dd");
    dd.append(make("span", { className: "pay-figure", text: value, testid }),
      make("span", { className: "pay-source", text: source }));
    return [make("dt", { text: term }), dd];
  }

  function bar(valueUsd, top, className) {
    // aria-hidden: the figure beside it says the same in words
    const track = make("span", { className: "pay-bar-track", attrs: { "aria-hidden": "true" } });
    const fill = make("span", { className });
    fill.style.width = barWidth(valueUsd, top);
    track.append(fill);
    return track;
  }

  function lineItem(line, top) {
    const item = make("li", { className: `pay-line${line.secondary ? " pay-line-secondary" : ""}` });
    item.dataset.id = line.id;
    item.dataset.kind = line.kind;
    item.append(bar(line.hourlyUsd, top, "pay-bar"), make("span", { className: "pay-line-label", text: line.label }));
    if (line.secondary) item.append(make("span", { className: "pay-secondary-tag", text: " secondary source" }));
    item.append(make("span", { className: "pay-figure", text: line.figure }));
    if (line.exchange) item.append(make("span", { className: "pay-source pay-inline", text: line.exchange }));
    if (line.ratio) item.append(make("span", { className: "pay-ratio", text: line.ratio }));
    item.append(make("span", { className: "pay-source", text: line.citation }));
    if (line.derivation) item.append(make("span", { className: "pay-derivation", text: line.derivation }));
    if (line.note) item.append(make("span", { className: "pay-note", text: line.note }));
    return item;
  }

  function draw() {
    const shown = panelFigures(settings, state);
    for (const name of MODELS) radios[name].checked = name === state.model;
    measuredList.replaceChildren(...shown.measured.flatMap((row) => figure(row.term, row.value, row.note, row.testid)));
    measured.replaceChildren(measuredList, make("p", { className: "pay-basis", text: shown.basis, testid: "pay-basis" }));
    if (shown.unpaid) measured.append(make("p", { className: "pay-unpaid", text: shown.unpaid, testid: "pay-unpaid" }));
    if (rateInput.value === "" || Number(rateInput.value) !== shown.rate.value) rateInput.value = String(shown.rate.value);
    rateUnit.textContent = shown.rate.unit;
    resetRate.hidden = !shown.rate.edited;
    rateSource.textContent = shown.rate.source;
    results.replaceChildren(...shown.results.flatMap((row) => figure(row.term, row.value, row.source)));
    const own = make("li", { className: "pay-line pay-line-own" });
    own.append(bar(shown.own.wageUsd, shown.top, "pay-bar pay-bar-own"),
      make("span", { className: "pay-line-label", text: "This work at the rate above" }),
      make("span", { className: "pay-figure", text: shown.own.value }),
      make("span", { className: "pay-source", text: " measured here (see above)" }));
    lineList.replaceChildren(own, ...shown.lines.map((line) => lineItem(line, shown.top)));
  }

  draw();

  return {
    element: root,
    update(measures) {
      change({ ...state, work: measures.work ?? allPaid(measures) });
    },
    state() {
      return { model: state.model, rate: state.rates[state.model], display: state.display,
        showSecondary: state.showSecondary };
    },
  };
}
