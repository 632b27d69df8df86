// The pay panel's and the pay editor's views (labour/pay_panel.js, pay_editor.js), on a fake DOM.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { renderPayEditor } from "../../static/js/labour/pay_editor.js";
import { workSplit } from "../../static/js/labour/pay_model.js";
import { renderPayPanel } from "../../static/js/labour/pay_panel.js";
import { descendants, fakeDocument, useAsGlobalDocument } from "./fake_dom.mjs";
import { REPORT } from "./pay_report.mjs";

useAsGlobalDocument(fakeDocument()); // the panel's view (Preact) makes its nodes with the page's document

const DEFAULTS = JSON.parse(readFileSync(new URL("../../annotator/data/pay_defaults.json", import.meta.url), "utf8"));
const SOURCES = ["pay_model.js", "pay_panel.js", "pay_editor.js"]
  .map((file) => readFileSync(new URL(`../../static/js/labour/${file}`, import.meta.url), "utf8"));

function byClass(node, name) {
  return descendants(node).filter((child) => child.className.split(" ").includes(name));
}

function byTag(node, tag) {
  return descendants(node).filter((child) => child.tagName === tag);
}

function panel(measures = {}) {
  const container = fakeDocument().createElement("div");
  const handle = renderPayPanel(container, { settings: DEFAULTS, activeMs: 790_000, polygons: 10, images: 1,
    ...measures });
  return { container, handle };
}

function line(container, id) {
  return byClass(container, "pay-line").find((item) => item.dataset.id === id);
}

test("the panel shows the earnings with their basis and the published rate with its source", () => {
  const { container } = panel();
  const text = container.textContent;
  assert.match(text, /Labour spent13 min 10 sec of active time measured here: 10 outlines on 1 image, everything included\./);
  assert.match(text, /Work that would be paid10 live, closed outlines on 1 image\./);
  assert.match(text, /EarnedUSD\u00a00\.10 = 10 live outlines paid × USD\u00a00\.010 \(the published rate above\)/);
  assert.match(text, /Effective hourly wageUSD\u00a00\.46\/h = earned ÷ 0\.219 hours of labour spent/);
  const rateSource = byClass(container, "pay-rate-source")[0].textContent;
  assert.match(rateSource, /Source: Sorokin & Forsyth.*2008 \(approximate\)/);
});

test("every reference line shows its source and year; secondary ones only when asked, labelled", () => {
  const { container } = panel();
  const lines = byClass(container, "pay-line").filter((item) => item.dataset.id);
  assert.equal(lines.length, DEFAULTS.reference_lines.filter((l) => l.confidence !== "secondary").length);
  for (const item of lines) {
    const reference = DEFAULTS.reference_lines.find((l) => l.id === item.dataset.id);
    const source = byClass(item, "pay-source").map((span) => span.textContent).join("");
    assert.ok(source.includes(reference.source) && source.includes(String(reference.year)), item.dataset.id);
  }
  assert.match(line(container, "ke-nairobi-general-labourer-2024").textContent,
    /KES\u00a016,113\.75 per month ≈ KES\u00a071\.62\/h ≈ USD\u00a00\.55\/h.*How: KSh 16,113\.75 per month \/ 225/);
  assert.equal(line(container, "time-sama-kenya-lower"), undefined);

  const toggle = byTag(container, "input").find((input) => input.type === "checkbox");
  toggle.checked = true;
  toggle.fire("change");
  const sama = line(container, "time-sama-kenya-lower");
  assert.ok(sama.className.includes("pay-line-secondary"));
  assert.equal(byClass(sama, "pay-secondary-tag")[0].textContent.trim(), "secondary source");
});

test("picking a model and editing the rate recompute; an edited rate is not passed off as published", () => {
  const { container, handle } = panel();
  const radios = byTag(container, "input").filter((input) => input.type === "radio");
  const hourly = radios.find((radio) => radio.value === "hourly");
  hourly.checked = true;
  hourly.fire("change");
  assert.equal(handle.state().model, "hourly");
  assert.match(container.textContent, /Effective hourly wageUSD\u00a02\.00\/h/);

  const rate = byClass(container, "pay-rate-input")[0];
  rate.value = "7.25";
  rate.fire("input");
  assert.match(container.textContent, /Effective hourly wageUSD\u00a07\.25\/h/);
  assert.match(byClass(container, "pay-rate-source")[0].textContent, /^Your rate for this view, not a published figure/);
  assert.match(line(container, "us-federal-minimum").textContent, /This work pays 100% of it/);

  rate.value = "-1";
  rate.fire("input");
  assert.equal(rate.getAttribute("aria-invalid"), "true");
  assert.equal(handle.state().rate, 7.25);

  byClass(container, "pay-rate-reset")[0].fire("click");
  assert.equal(handle.state().rate, 2);
});

test("the wage is shown in US dollars and in a chosen currency, at the dated table", () => {
  const { container } = panel({ activeMs: 3_600_000, polygons: 100 });
  const select = byClass(container, "pay-display-select")[0];
  select.value = "EUR";
  select.fire("change");
  const eur = (1 / DEFAULTS.exchange_rates.usd_per_unit.EUR).toFixed(2);
  assert.match(container.textContent, new RegExp(`… in EUREUR\u00a0${eur}/h at the exchange-rate table of 2025-06-30`));
});

test("without measured time there is no wage, and update() refreshes the figures", () => {
  const { container, handle } = panel({ activeMs: 0, polygons: 0, images: 0 });
  assert.match(container.textContent, /No active time measured yet/);
  handle.update({ activeMs: 3_600_000, polygons: 50 });
  assert.match(container.textContent, /Effective hourly wageUSD\u00a00\.50\/h/);
});

test("text from the settings is set as text, never parsed as HTML", () => {
  for (const source of SOURCES) assert.ok(!source.includes("innerHTML") && !source.includes("insertAdjacentHTML"));
  const hostile = structuredClone(DEFAULTS);
  hostile.reference_lines[0].label = "<img src=x onerror=alert(1)>";
  const container = fakeDocument().createElement("div");
  renderPayPanel(container, { settings: hostile, activeMs: 1000, polygons: 1, images: 1 });
  assert.ok(container.textContent.includes("<img src=x onerror=alert(1)>"));
  assert.ok(!byTag(container, "img").length);
});

test("the editor collects the whole settings object and shows the server's refusal", async () => {
  const container = fakeDocument().createElement("div");
  const saved = [];
  const editor = renderPayEditor(container, { settings: DEFAULTS, save: async (settings) => saved.push(settings) });
  assert.deepEqual(editor.collect(), DEFAULTS);
  await editor.element.fire("submit");
  assert.deepEqual(saved, [DEFAULTS]);
  assert.equal(byClass(container, "pay-edit-status")[0].textContent, "Saved.");

  byClass(container, "pay-edit-add")[0].fire("click");
  const added = editor.collect().reference_lines.at(-1);
  assert.deepEqual(added, { per: "hour", kind: "minimum wage", confidence: "exact" });
  byClass(container, "pay-edit-remove").at(-1).fire("click");
  assert.equal(editor.collect().reference_lines.length, DEFAULTS.reference_lines.length);

  const refusing = renderPayEditor(container, { settings: DEFAULTS, save: async () => {
    throw Object.assign(new Error("422"), { detail: "reference_lines[0].source: required" });
  } });
  await refusing.element.fire("submit");
  assert.equal(byClass(container, "pay-edit-status")[0].textContent, "Not saved: reference_lines[0].source: required");
});

test("the panel shows labour spent beside the work that would be paid, and says what each model pays", () => {
  const container = fakeDocument().createElement("div");
  const handle = renderPayPanel(container, { settings: DEFAULTS, work: workSplit(REPORT) });
  const one = (id) => descendants(container).find((node) => node.dataset.testid === id);
  assert.equal(one("pay-spent").textContent, "10 min of active time");
  assert.match(one("pay-spent").parent.textContent, /3 outlines \(1 deleted, 1 cancelled drawing\) on 3 images/);
  assert.equal(one("pay-paid").textContent, "2 live, closed outlines");
  assert.match(one("pay-paid").parent.textContent, /on 2 images, 5 min 50 sec of their own time/);
  assert.match(one("pay-basis").textContent, /This model \(per polygon\) pays each live, closed outline/);
  assert.equal(one("pay-unpaid").textContent,
    "Unpaid under this model: 2 min 30 sec spent on 1 deleted outline and 1 cancelled drawing.");
  assert.match(container.textContent, /EarnedUSD\u00a00\.020 = 2 live outlines paid/);
  const radio = byTag(container, "input").find((node) => node.type === "radio" && node.value === "hourly");
  radio.checked = true;
  radio.fire("change");
  assert.equal(handle.state().model, "hourly");
  assert.match(one("pay-basis").textContent, /pays every hour of active time, deleted and cancelled work included/);
  assert.equal(descendants(container).filter((node) => node.dataset.testid === "pay-unpaid").length, 0);
  assert.match(container.textContent, /EarnedUSD\u00a00\.33 = 10 min spent × USD\u00a02\.00\/h/);
});
