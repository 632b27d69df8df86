// "What the work is worth": the pay panel. Turns the measured active time into money under a pay model
// (a piece rate per polygon or per image, or an hourly rate), shows the effective hourly wage in US dollars
// and in a chosen currency, and sets it beside reference wages. Every number shown carries its source in
// visible text next to it (no tooltips): a published figure with its citation, year and confidence, a
// derived one with how it was derived, the participant's own figures as "measured here". Secondary-source
// lines are hidden by default and labelled "secondary source" when shown.
//
// The arithmetic mirrors annotator/core/pay.py (earnings, compare), with the same field names, so the panel and
// the API agree. Built with DOM calls only; all text is set with textContent, never as HTML. The document
// is the container's own, so nothing global is touched and a test can pass a fake one.

import { element } from "../common/dom.js";
import { formatDuration, formatHours, formatMoney, formatPercent } from "../common/format.js";

const MODELS = ["per_polygon", "per_image", "hourly"];
const MODEL_NAMES = { per_polygon: "per polygon", per_image: "per image", hourly: "hourly" };
const UNIT_NAMES = { polygon: "polygon", image: "image", hour: "hour" };
const SHOWN_BY_DEFAULT = new Set(["exact", "approximate"]);
const MS_PER_HOUR = 3_600_000;
// What each kind of rate pays for (annotator/core/pay.py PAYS).
export const PAYS = {
  polygon: "each live, closed outline (deleted outlines and cancelled drawings earn nothing)",
  image: "each image with at least one live, closed outline",
  hour: "every hour of active time, deleted and cancelled work included",
};

let panelCount = 0; // distinct radio-group names when a page holds several panels

// --- arithmetic (same as annotator/core/pay.py) -------------------------------------------------------------------

function usdPerUnit(rates) {
  return rates && rates.usd_per_unit ? rates.usd_per_unit : rates;
}

/** `amount` of `currency` in US dollars at the dated table's rate; throws for a currency the table lacks. */
export function toUsd(amount, currency, rates) {
  const rate = usdPerUnit(rates)[currency];
  if (!(rate > 0)) throw new Error(`no exchange rate for ${currency}`);
  return amount * rate;
}

/** US dollars in `currency` at the dated table's rate. */
export function fromUsd(amountUsd, currency, rates) {
  const rate = usdPerUnit(rates)[currency];
  if (!(rate > 0)) throw new Error(`no exchange rate for ${currency}`);
  return amountUsd / rate;
}

/** A reference line's wage per hour in its own currency (a daily or monthly wage over its stated hours). */
export function hourlyValue(line) {
  return line.per === "hour" ? Number(line.value) : Number(line.value) / Number(line.hours);
}

/** What the measured work earns under one model; `effective_hourly` is null when no time was measured. */
export function earnings(model, activeMs, polygons, images, rates = null) {
  const hours = activeMs / MS_PER_HOUR;
  const units = { polygon: polygons, image: images, hour: hours }[model.unit];
  if (units === undefined) throw new Error(`unknown unit ${model.unit}`);
  const rate = Number(model.value);
  const amount = rate * units;
  const effective = hours > 0 ? amount / hours : null;
  const result = {
    model: model.unit, rate, currency: model.currency, units, amount, active_hours: hours,
    effective_hourly: effective, source: model.source ?? null, year: model.year ?? null,
    confidence: model.confidence ?? null,
  };
  if (rates) {
    result.amount_usd = toUsd(amount, model.currency, rates);
    result.effective_hourly_usd = effective === null ? null : toUsd(effective, model.currency, rates);
  }
  return result;
}

/** Each reference line in US dollars per hour with `ratio` = wage / line; secondary lines only on request. */
export function compare(hourlyUsd, lines, rates, includeSecondary = false) {
  const out = [];
  for (const line of lines) {
    const secondary = !SHOWN_BY_DEFAULT.has(line.confidence);
    if (secondary && !includeSecondary) continue;
    const hourly = hourlyValue(line);
    const hourlyUsdLine = toUsd(hourly, line.currency, rates);
    out.push({
      ...line, hourly, hourly_usd: hourlyUsdLine, secondary,
      ratio: hourlyUsd === null || hourlyUsd === undefined || !(hourlyUsdLine > 0) ? null : hourlyUsd / hourlyUsdLine,
    });
  }
  return out;
}

/**
 * Labour spent apart from the work that would be paid, from a labour report (GET /api/labour/summary.json),
 * as annotator/core/pay.py `work_split`: spent = all active time, every outline (deleted ones too), the cancelled
 * drawings; paid = the live, closed outlines, the images holding them, and their own time.
 */
export function workSplit(report) {
  const polygons = report.polygons ?? [];
  const cancelled = report.cancelled ?? [];
  const live = polygons.filter((row) => !row.deleted && row.closed !== false);
  const time = (rows) => rows.reduce((sum, row) => sum + (row.total_ms ?? 0), 0);
  const round1 = (value) => Math.round(value * 10) / 10;
  return {
    spent: {
      active_ms: report.totals?.active_ms ?? 0, outlines: polygons.length,
      deleted: polygons.filter((row) => row.deleted).length, cancelled: cancelled.length,
      cancelled_ms: round1(time(cancelled)),
      unpaid_ms: round1(time(cancelled) + time(polygons.filter((row) => !live.includes(row)))),
      images: (report.images ?? []).length,
    },
    paid: { polygons: live.length, images: new Set(live.map((row) => row.image_id)).size,
      polygons_ms: round1(time(live)) },
  };
}

/** `earnings` for a work split: a piece rate on the paid work, hours on all the time spent (annotator/core/pay.py). */
export function payFor(model, work, rates = null) {
  return { ...earnings(model, work.spent.active_ms, work.paid.polygons, work.paid.images, rates),
    pays: PAYS[model.unit] };
}

/** A split where everything measured is paid: for callers that only know the time and the counts. */
export function allPaid({ activeMs = 0, polygons = 0, images = 0 } = {}) {
  return { spent: { active_ms: activeMs, outlines: polygons, deleted: 0, cancelled: 0, cancelled_ms: 0, unpaid_ms: 0,
    images }, paid: { polygons, images, polygons_ms: null } };
}

function citation(figure) {
  const parts = [`Source: ${figure.source}, ${figure.year}`, `(${figure.confidence})`];
  return parts.join(" ");
}

// --- the panel -------------------------------------------------------------------------------------------------

/**
 * Build the pay panel in `container` (its contents are replaced).
 * settings: the object GET /api/pay answers; work: a `workSplit` (labour spent, work that would be paid), or
 * activeMs, polygons, images when everything measured counts as paid.
 * Returns { element, update({work} or {activeMs, polygons, images}), state() } to refresh the figures.
 */
export function renderPayPanel(container, { settings, work = null, activeMs = 0, polygons = 0, images = 0 }) {
  const doc = container.ownerDocument;
  const rates = settings.exchange_rates;
  const currencies = Object.keys(rates.usd_per_unit);
  const groupName = `pay-model-${++panelCount}`;
  const state = {
    model: MODELS.includes(settings.model) ? settings.model : "per_polygon",
    rates: Object.fromEntries(MODELS.map((name) => [name, settings.pay_models[name].value])),
    edited: Object.fromEntries(MODELS.map((name) => [name, false])),
    display: settings.pay_models[settings.model]?.currency ?? "USD",
    showSecondary: false,
    work: work ?? allPaid({ activeMs, polygons, images }),
  };

  const root = element(doc, "section", { className: "pay-panel" });
  root.setAttribute("aria-label", "What the work is worth");
  root.append(element(doc, "h2", { className: "pay-title", text: "What the work is worth" }));

  // Labour spent and work that would be paid, side by side: a piece rate pays only the second.
  const measured = element(doc, "div", { className: "pay-measured" });
  measured.dataset.testid = "pay-measured";
  const measuredList = element(doc, "dl", { className: "pay-measured-list" });
  root.append(measured);

  // The model picker: pay per task (per polygon, per image) and hourly pay are different kinds of rate.
  const picker = element(doc, "fieldset", { className: "pay-models" });
  picker.append(element(doc, "legend", { text: "Pay model" }));
  const radios = {};
  for (const name of MODELS) {
    const label = element(doc, "label", { className: "pay-model" });
    const radio = element(doc, "input");
    radio.type = "radio";
    radio.name = groupName;
    radio.value = name;
    radio.checked = name === state.model;
    radio.addEventListener("change", () => {
      if (radio.checked) select(name);
    });
    radios[name] = radio;
    const kind = name === "hourly" ? "hourly pay" : "pay per task";
    label.append(radio, element(doc, "span", { text: ` ${MODEL_NAMES[name]} (${kind})` }));
    picker.append(label);
  }
  root.append(picker);

  const rateRow = element(doc, "div", { className: "pay-rate" });
  const rateLabel = element(doc, "label", { className: "pay-rate-label" });
  const rateText = element(doc, "span", { text: "Rate for this view: " });
  const rateInput = element(doc, "input", { className: "pay-rate-input" });
  rateInput.type = "number";
  rateInput.min = "0";
  rateInput.step = "any";
  const rateUnit = element(doc, "span", { className: "pay-rate-unit" });
  rateLabel.append(rateText, rateInput, rateUnit);
  const resetRate = element(doc, "button", { className: "pay-rate-reset", text: "Use the published rate" });
  resetRate.type = "button";
  const rateSource = element(doc, "p", { className: "pay-source pay-rate-source" });
  rateRow.append(rateLabel, resetRate, rateSource);
  root.append(rateRow);

  const displayLabel = element(doc, "label", { className: "pay-display" });
  const displaySelect = element(doc, "select", { className: "pay-display-select" });
  for (const code of currencies) {
    const option = element(doc, "option", { text: code });
    option.value = code;
    displaySelect.append(option);
  }
  displaySelect.value = state.display;
  displayLabel.append(element(doc, "span", { text: "Also show in: " }), displaySelect);
  root.append(displayLabel);

  const results = element(doc, "dl", { className: "pay-results" });
  root.append(results);

  const comparisonTitle = element(doc, "h3", { className: "pay-lines-title",
    text: "Beside reference wages (US$ per hour)" });
  const secondaryLabel = element(doc, "label", { className: "pay-secondary-toggle" });
  const secondaryBox = element(doc, "input");
  secondaryBox.type = "checkbox";
  secondaryLabel.append(secondaryBox,
    element(doc, "span", { text: " Also show figures from secondary sources (labelled)" }));
  const lineList = element(doc, "ol", { className: "pay-lines" });
  root.append(comparisonTitle, secondaryLabel, lineList);

  const notes = element(doc, "ul", { className: "pay-notes" });
  for (const note of settings.notes ?? []) notes.append(element(doc, "li", { text: note }));
  notes.append(element(doc, "li", { className: "pay-rates-note",
    text: `Currencies are converted with a fixed table dated ${rates.date}, not a live rate. ${rates.source} `
    + `(${rates.confidence}).` }));
  root.append(notes);

  container.replaceChildren(root);

  function currentModel() {
    return { ...settings.pay_models[state.model], value: state.rates[state.model] };
  }

  function select(name) {
    state.model = name;
    for (const other of MODELS) radios[other].checked = other === name;
    rateInput.value = String(state.rates[name]);
    draw();
  }

  rateInput.addEventListener("input", () => {
    const value = Number(rateInput.value);
    const valid = rateInput.value.trim() !== "" && Number.isFinite(value) && value >= 0;
    rateInput.setAttribute("aria-invalid", valid ? "false" : "true");
    if (!valid) {
      rateSource.textContent = "Enter a rate of 0 or more.";
      return;
    }
    state.rates[state.model] = value;
    state.edited[state.model] = value !== settings.pay_models[state.model].value;
    draw();
  });
  resetRate.addEventListener("click", () => {
    state.rates[state.model] = settings.pay_models[state.model].value;
    state.edited[state.model] = false;
    rateInput.value = String(state.rates[state.model]);
    rateInput.setAttribute("aria-invalid", "false");
    draw();
  });
  displaySelect.addEventListener("change", () => {
    state.display = displaySelect.value;
    draw();
  });
  secondaryBox.addEventListener("change", () => {
    state.showSecondary = secondaryBox.checked;
    draw();
  });

  function term(label, value, source) {
    const dt = element(doc, "dt", { text: label });
    const dd = element(doc, "dd");
    dd.append(element(doc, "span", { className: "pay-figure", text: value }),
      element(doc, "span", { className: "pay-source", text: source }));
    results.append(dt, dd);
  }

  function figure(term, value, note, testid) {
    const dt = element(doc, "dt", { text: term });
    const dd = element(doc, "dd");
    const strong = element(doc, "span", { className: "pay-figure", text: value });
    strong.dataset.testid = testid;
    dd.append(strong, element(doc, "span", { className: "pay-source", text: note }));
    measuredList.append(dt, dd);
  }

  function plural(count, word, many = `${word}s`) {
    return `${count} ${count === 1 ? word : many}`;
  }

  function draw() {
    const { spent, paid } = state.work;
    const published = settings.pay_models[state.model];
    const model = currentModel();
    const unit = UNIT_NAMES[model.unit];
    const result = payFor(model, state.work, rates);

    measured.replaceChildren(measuredList);
    measuredList.replaceChildren();
    const extras = [];
    if (spent.deleted) extras.push(`${spent.deleted} deleted`);
    if (spent.cancelled) extras.push(plural(spent.cancelled, "cancelled drawing"));
    figure("Labour spent", `${formatDuration(spent.active_ms)} of active time`,
      ` measured here: ${plural(spent.outlines, "outline")}${extras.length ? ` (${extras.join(", ")})` : ""} `
      + `on ${plural(spent.images, "image")}, everything included.`, "pay-spent");
    figure("Work that would be paid", plural(paid.polygons, "live, closed outline"),
      ` on ${plural(paid.images, "image")}`
      + (paid.polygons_ms === null ? "." : `, ${formatDuration(paid.polygons_ms)} of their own time.`),
      "pay-paid");
    const basis = element(doc, "p", { className: "pay-basis",
      text: `This model (${MODEL_NAMES[state.model]}) pays ${result.pays}; `
      + "the hourly wage below is what it earns over all the labour spent." });
    basis.dataset.testid = "pay-basis";
    measured.append(basis);
    if (model.unit !== "hour" && spent.unpaid_ms > 0) {
      const unpaid = element(doc, "p", { className: "pay-unpaid",
        text: `Unpaid under this model: ${formatDuration(spent.unpaid_ms)} `
        + `spent on ${[spent.deleted ? plural(spent.deleted, "deleted outline") : null,
          spent.cancelled ? plural(spent.cancelled, "cancelled drawing") : null].filter(Boolean).join(" and ")}.` });
      unpaid.dataset.testid = "pay-unpaid";
      measured.append(unpaid);
    }
    if (rateInput.value === "" || Number(rateInput.value) !== model.value) rateInput.value = String(model.value);
    rateUnit.textContent = ` ${model.currency} per ${unit}`;
    resetRate.hidden = !state.edited[state.model];
    const publishedText = `${published.label}: ${formatMoney(published.value, published.currency)} per ${unit}. `
      + citation(published) + (published.derivation ? `; ${published.derivation}` : "")
      + (published.note ? `. ${published.note}` : "");
    rateSource.textContent = state.edited[state.model]
      ? `Your rate for this view, not a published figure. The published one is ${publishedText}`
      : publishedText;

    results.replaceChildren();
    const rateOrigin = state.edited[state.model] ? "your rate" : "the published rate above";
    const paidUnits = model.unit === "image" ? "image" : "live outline";
    const earnedBasis = model.unit === "hour"
      ? `${formatDuration(result.active_hours * MS_PER_HOUR)} spent × ${formatMoney(model.value, model.currency)}/h `
        + `(${rateOrigin})`
      : `${result.units} ${paidUnits}${result.units === 1 ? "" : "s"} paid × ${formatMoney(model.value, model.currency)} `
        + `(${rateOrigin})`;
    term("Earned", formatMoney(result.amount, model.currency), ` = ${earnedBasis}`);
    const wageSource = result.effective_hourly === null
      ? " No active time measured yet, so no hourly wage can be read."
      : ` = earned ÷ ${formatHours(result.active_hours)} hours of labour spent`;
    term("Effective hourly wage", `${formatMoney(result.effective_hourly, model.currency)}/h`, wageSource);
    if (model.currency !== "USD") {
      term("… in US dollars", `${formatMoney(result.effective_hourly_usd, "USD")}/h`,
        ` at the exchange-rate table of ${rates.date} (${rates.confidence})`);
    }
    if (state.display !== model.currency && state.display !== "USD") {
      const shown = result.effective_hourly_usd === null ? null : fromUsd(result.effective_hourly_usd, state.display, rates);
      term(`… in ${state.display}`, `${formatMoney(shown, state.display)}/h`,
        ` at the exchange-rate table of ${rates.date} (${rates.confidence})`);
    }

    drawLines(result.effective_hourly_usd);
  }

  function drawLines(wageUsd) {
    const rows = compare(wageUsd, settings.reference_lines, rates, state.showSecondary);
    const top = Math.max(wageUsd ?? 0, ...rows.map((row) => row.hourly_usd), 1e-9);
    lineList.replaceChildren();

    const own = element(doc, "li", { className: "pay-line pay-line-own" });
    own.append(bar(wageUsd ?? 0, top, "pay-bar pay-bar-own"),
      element(doc, "span", { className: "pay-line-label", text: "This work at the rate above" }),
      element(doc, "span", { className: "pay-figure", text: `${formatMoney(wageUsd, "USD")}/h` }),
      element(doc, "span", { className: "pay-source", text: " measured here (see above)" }));
    lineList.append(own);

    for (const row of rows) {
      const item = element(doc, "li", { className: `pay-line${row.secondary ? " pay-line-secondary" : ""}` });
      item.dataset.id = row.id;
      item.dataset.kind = row.kind;
      item.append(bar(row.hourly_usd, top, "pay-bar"));
      const head = element(doc, "span", { className: "pay-line-label",
        text: `${row.label} (${row.kind}, ${row.year})` });
      item.append(head);
      if (row.secondary) item.append(element(doc, "span", { className: "pay-secondary-tag",
        text: " secondary source" }));
      const original = row.per === "hour"
        ? `${formatMoney(row.value, row.currency)}/h`
        : `${formatMoney(row.value, row.currency)} per ${row.per} ≈ ${formatMoney(row.hourly, row.currency)}/h`;
      const usd = row.currency === "USD" ? "" : ` ≈ ${formatMoney(row.hourly_usd, "USD")}/h`;
      item.append(element(doc, "span", { className: "pay-figure", text: `${original}${usd}` }));
      if (usd) item.append(element(doc, "span", { className: "pay-source pay-inline",
        text: ` (exchange table of ${rates.date})` }));
      if (row.ratio !== null) {
        item.append(element(doc, "span", { className: "pay-ratio",
          text: ` This work pays ${formatPercent(row.ratio, { digits: row.ratio < 0.01 ? 1 : 0 })} of it.` }));
      }
      item.append(element(doc, "span", { className: "pay-source", text: ` ${citation(row)}.` }));
      if (row.derivation) item.append(element(doc, "span", { className: "pay-derivation",
        text: ` How: ${row.derivation}.` }));
      if (row.note) item.append(element(doc, "span", { className: "pay-note", text: ` ${row.note}` }));
      lineList.append(item);
    }
  }

  function bar(valueUsd, top, className) {
    const track = element(doc, "span", { className: "pay-bar-track" });
    track.setAttribute("aria-hidden", "true"); // the figure beside it says the same in words
    const fill = element(doc, "span", { className });
    fill.style.width = `${Math.max(0, Math.min(100, (valueUsd / top) * 100)).toFixed(1)}%`;
    track.append(fill);
    return track;
  }

  rateInput.value = String(state.rates[state.model]);
  draw();

  return {
    element: root,
    update(measures) {
      state.work = measures.work ?? allPaid(measures);
      draw();
    },
    state() {
      return { model: state.model, rate: state.rates[state.model], display: state.display,
        showSecondary: state.showSecondary };
    },
  };
}

// --- the instructor's editor -----------------------------------------------------------------------------------

const LINE_FIELDS = [
  ["id", "text"], ["label", "text"], ["value", "number"], ["currency", "text"], ["per", "select"],
  ["hours", "number"], ["kind", "select"], ["source", "text"], ["year", "number"], ["confidence", "select"],
  ["derivation", "text"], ["note", "text"],
];
const MODEL_FIELDS = [
  ["label", "text"], ["value", "number"], ["currency", "text"], ["source", "text"], ["year", "number"],
  ["confidence", "select"], ["derivation", "text"], ["note", "text"],
];
const CHOICES = {
  per: ["hour", "day", "week", "month"],
  kind: ["minimum wage", "living wage", "micro-task earnings"],
  confidence: ["exact", "approximate", "secondary"],
};

function field(doc, name, kind, value) {
  const label = element(doc, "label", { className: `pay-edit-field pay-edit-${name}` });
  label.append(element(doc, "span", { text: name }));
  let input;
  if (kind === "select") {
    input = element(doc, "select");
    for (const choice of CHOICES[name]) {
      const option = element(doc, "option", { text: choice });
      option.value = choice;
      input.append(option);
    }
  } else {
    input = element(doc, "input");
    input.type = kind;
    if (kind === "number") {
      input.step = "any";
      input.min = "0";
    }
  }
  input.name = name;
  input.value = value === undefined || value === null ? "" : String(value);
  label.append(input);
  return { label, input };
}

function readFields(inputs, fields) {
  const out = {};
  for (const [name, kind] of fields) {
    const raw = inputs[name].value.trim();
    if (raw === "") continue; // left out: the server names a missing required field
    out[name] = kind === "number" ? Number(raw) : raw;
  }
  return out;
}

/**
 * An editing form for the instructor: the three pay models, the reference lines (add, remove) and the
 * exchange-rate table. `save(settings)` is called with the whole settings object (for PUT /api/pay); if it
 * rejects, the error's `detail` (the server's message naming the field) or message is shown.
 */
export function renderPayEditor(container, { settings, save }) {
  const doc = container.ownerDocument;
  const form = element(doc, "form", { className: "pay-editor" });
  form.append(element(doc, "h2", { text: "Pay settings" }));
  form.append(element(doc, "p", { className: "pay-source",
    text: "Every rate and reference line needs its source and year. Use figures marked exact or approximate in the "
    + "reference list; secondary figures are shown labelled as such; never enter a figure marked NOT VERIFIED." }));

  const modelSelect = element(doc, "select");
  for (const name of MODELS) {
    const option = element(doc, "option", { text: `${name} (${MODEL_NAMES[name]})` });
    option.value = name;
    modelSelect.append(option);
  }
  modelSelect.value = settings.model;
  const modelLabel = element(doc, "label", { className: "pay-edit-field" });
  modelLabel.append(element(doc, "span", { text: "Model shown first" }), modelSelect);
  form.append(modelLabel);

  const modelInputs = {};
  for (const name of MODELS) {
    const box = element(doc, "fieldset", { className: "pay-edit-model" });
    box.append(element(doc, "legend", { text: `${MODEL_NAMES[name]} (unit: ${settings.pay_models[name].unit})` }));
    modelInputs[name] = {};
    for (const [key, kind] of MODEL_FIELDS) {
      const { label, input } = field(doc, key, kind, settings.pay_models[name][key]);
      modelInputs[name][key] = input;
      box.append(label);
    }
    form.append(box);
  }

  const linesBox = element(doc, "fieldset", { className: "pay-edit-lines" });
  linesBox.append(element(doc, "legend",
    { text: "Reference lines (hourly; a daily or monthly wage needs hours and a derivation)" }));
  const lineRows = [];
  const list = element(doc, "ol", { className: "pay-edit-line-list" });
  linesBox.append(list);
  function addLine(line) {
    const item = element(doc, "li", { className: "pay-edit-line" });
    const inputs = {};
    for (const [key, kind] of LINE_FIELDS) {
      const { label, input } = field(doc, key, kind, line[key]);
      inputs[key] = input;
      item.append(label);
    }
    const remove = element(doc, "button", { className: "pay-edit-remove", text: "Remove" });
    remove.type = "button";
    const row = { item, inputs };
    remove.addEventListener("click", () => {
      lineRows.splice(lineRows.indexOf(row), 1);
      item.remove();
    });
    item.append(remove);
    lineRows.push(row);
    list.append(item);
  }
  for (const line of settings.reference_lines) addLine(line);
  const add = element(doc, "button", { className: "pay-edit-add", text: "Add a reference line" });
  add.type = "button";
  add.addEventListener("click", () => addLine({ per: "hour", kind: "minimum wage", confidence: "exact" }));
  linesBox.append(add);
  form.append(linesBox);

  const ratesBox = element(doc, "fieldset", { className: "pay-edit-rates" });
  ratesBox.append(element(doc, "legend", { text: "Exchange-rate table (US$ per unit of each currency)" }));
  const rateFields = {};
  for (const [key, kind] of [["date", "text"], ["source", "text"], ["confidence", "select"]]) {
    const { label, input } = field(doc, key, kind, settings.exchange_rates[key]);
    rateFields[key] = input;
    ratesBox.append(label);
  }
  const rateTable = element(doc, "label", { className: "pay-edit-field pay-edit-usd" });
  const rateText = element(doc, "textarea");
  rateText.name = "usd_per_unit";
  rateText.value = Object.entries(settings.exchange_rates.usd_per_unit).map(([code, rate]) => `${code} ${rate}`)
    .join("\n");
  rateTable.append(element(doc, "span", { text: "One currency a line: code and US$ per unit, e.g. EUR 1.17" }),
    rateText);
  ratesBox.append(rateTable);
  form.append(ratesBox);

  const status = element(doc, "p", { className: "pay-edit-status" });
  status.setAttribute("role", "status");
  const submit = element(doc, "button", { className: "button", text: "Save pay settings" });
  submit.type = "submit";
  form.append(submit, status);

  function collect() {
    const usd = {};
    for (const line of rateText.value.split("\n")) {
      const [code, rate] = line.trim().split(/\s+/);
      if (code) usd[code] = Number(rate);
    }
    return {
      version: 1,
      model: modelSelect.value,
      pay_models: Object.fromEntries(MODELS.map((name) => [name, {
        ...readFields(modelInputs[name], MODEL_FIELDS), unit: settings.pay_models[name].unit,
      }])),
      reference_lines: lineRows.map((row) => readFields(row.inputs, LINE_FIELDS)),
      exchange_rates: { base: "USD", ...readFields(rateFields, [["date"], ["source"], ["confidence"]]), usd_per_unit: usd },
      notes: settings.notes ?? [],
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = "Saving…";
    try {
      await save(collect());
      status.textContent = "Saved.";
    } catch (error) {
      status.textContent = `Not saved: ${error?.detail ?? error?.message ?? error}`;
    } finally {
      submit.disabled = false;
    }
  });

  container.replaceChildren(form);
  return { element: form, collect };
}
