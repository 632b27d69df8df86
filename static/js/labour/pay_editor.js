// The instructor's pay settings editor: the three pay models, the reference lines (add, remove) and the
// exchange-rate table, as a form. Reading the fields back into a settings object is pay_model.js's
// `settingsFrom`. All text is set with textContent; the document is the container's own.

import { element } from "../common/dom.js";
import {
  CHOICES, LINE_FIELDS, MODELS, MODEL_FIELDS, MODEL_NAMES, RATE_FIELDS, rateTableText, settingsFrom,
} from "./pay_model.js";

function field(doc, name, kind, value) {
  const label = element(doc, "label", { className: `pay-edit-field pay-edit-${name}` });
  label.append(element(doc, "span", { text: name }));
  let input;
  if (kind === "select") {
    input = element(doc, "select");
    for (const choice of CHOICES[name]) input.append(Object.assign(element(doc, "option", { text: choice }), { value: choice }));
  } else {
    input = Object.assign(element(doc, "input"), { type: kind }, kind === "number" ? { step: "any", min: "0" } : {});
  }
  input.name = name;
  input.value = value === undefined || value === null ? "" : String(value);
  label.append(input);
  return { label, input };
}

/** Labelled fields for `fields` of `values`, appended to `box`; answers their inputs by name. */
function fieldsIn(doc, box, fields, values) {
  const inputs = {};
  for (const [name, kind] of fields) {
    const { label, input } = field(doc, name, kind, values[name]);
    inputs[name] = input;
    box.append(label);
  }
  return inputs;
}

const texts = (inputs) => Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));

/**
 * An editing form for the instructor. `save(settings)` is called with the whole settings object (for PUT
 * /api/pay); if it rejects, the error's `detail` (the server's message naming the field) or message is shown.
 * Returns {element, collect()}.
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
    modelSelect.append(Object.assign(element(doc, "option", { text: `${name} (${MODEL_NAMES[name]})` }), { value: name }));
  }
  modelSelect.value = settings.model;
  const modelLabel = element(doc, "label", { className: "pay-edit-field" });
  modelLabel.append(element(doc, "span", { text: "Model shown first" }), modelSelect);
  form.append(modelLabel);

  const modelInputs = {};
  for (const name of MODELS) {
    const box = element(doc, "fieldset", { className: "pay-edit-model" });
    box.append(element(doc, "legend", { text: `${MODEL_NAMES[name]} (unit: ${settings.pay_models[name].unit})` }));
    modelInputs[name] = fieldsIn(doc, box, MODEL_FIELDS, settings.pay_models[name]);
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
    const row = { item, inputs: fieldsIn(doc, item, LINE_FIELDS, line) };
    const remove = Object.assign(element(doc, "button", { className: "pay-edit-remove", text: "Remove" }), { type: "button" });
    remove.addEventListener("click", () => {
      lineRows.splice(lineRows.indexOf(row), 1);
      item.remove();
    });
    item.append(remove);
    lineRows.push(row);
    list.append(item);
  }
  for (const line of settings.reference_lines) addLine(line);
  const add = Object.assign(element(doc, "button", { className: "pay-edit-add", text: "Add a reference line" }), { type: "button" });
  add.addEventListener("click", () => addLine({ per: "hour", kind: "minimum wage", confidence: "exact" }));
  linesBox.append(add);
  form.append(linesBox);

  const ratesBox = element(doc, "fieldset", { className: "pay-edit-rates" });
  ratesBox.append(element(doc, "legend", { text: "Exchange-rate table (US$ per unit of each currency)" }));
  const rateFields = fieldsIn(doc, ratesBox, RATE_FIELDS, settings.exchange_rates);
  const rateTable = element(doc, "label", { className: "pay-edit-field pay-edit-usd" });
  const rateText = Object.assign(element(doc, "textarea"),
    { name: "usd_per_unit", value: rateTableText(settings.exchange_rates.usd_per_unit) });
  rateTable.append(element(doc, "span", { text: "One currency a line: code and US$ per unit, e.g. EUR 1.17" }),
    rateText);
  ratesBox.append(rateTable);
  form.append(ratesBox);

  const status = element(doc, "p", { className: "pay-edit-status", attrs: { role: "status" } });
  const submit = Object.assign(element(doc, "button", { className: "button", text: "Save pay settings" }), { type: "submit" });
  form.append(submit, status);

  const collect = () => settingsFrom(settings, {
    model: modelSelect.value,
    models: Object.fromEntries(MODELS.map((name) => [name, texts(modelInputs[name])])),
    lines: lineRows.map((row) => texts(row.inputs)),
    rates: texts(rateFields),
    rateTable: rateText.value,
  });

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
