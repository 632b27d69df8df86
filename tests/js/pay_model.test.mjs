// The pay arithmetic and the pay panel's texts (labour/pay_model.js), under node: no DOM.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  LINE_FIELDS, MODEL_FIELDS, RATE_FIELDS, barWidth, compare, earnings, panelFigures, panelState, parseRateTable, payFor, rateTableText, readRate, settingsFrom,
  toUsd, withRate, workSplit,
} from "../../static/js/labour/pay_model.js";
import { REPORT } from "./pay_report.mjs";

const DEFAULTS = JSON.parse(readFileSync(new URL("../../annotator/data/pay_defaults.json", import.meta.url), "utf8"));
const SOURCE = readFileSync(new URL("../../static/js/labour/pay_model.js", import.meta.url), "utf8");

test("the arithmetic: piece rates pay per unit, the wage follows from the time", () => {
  const result = earnings(DEFAULTS.pay_models.per_polygon, 790_000, 10, 1, DEFAULTS.exchange_rates);
  assert.ok(Math.abs(result.amount - 0.1) < 1e-12);
  assert.ok(Math.abs(result.effective_hourly - 0.1 / (790 / 3600)) < 1e-12);
  assert.equal(earnings(DEFAULTS.pay_models.hourly, 0, 0, 0).effective_hourly, null);
  const hourly = earnings({ unit: "hour", value: 7.25, currency: "USD" }, 1.5 * 3_600_000, 0, 1);
  assert.equal(hourly.amount.toFixed(2), "10.88"); // labour_figures.md's worked example
  assert.equal(toUsd(10, "EUR", DEFAULTS.exchange_rates), 10 * DEFAULTS.exchange_rates.usd_per_unit.EUR);
  assert.throws(() => toUsd(1, "VES", DEFAULTS.exchange_rates));
});

test("compare: secondary lines only on request, flagged; daily and monthly wages over their stated hours", () => {
  const shown = compare(2, DEFAULTS.reference_lines, DEFAULTS.exchange_rates);
  assert.ok(shown.every((row) => !row.secondary));
  assert.ok(!shown.some((row) => row.id === "time-sama-kenya-lower"));
  const all = compare(2, DEFAULTS.reference_lines, DEFAULTS.exchange_rates, true);
  assert.equal(all.length, DEFAULTS.reference_lines.length);
  const ph = all.find((row) => row.id === "ph-ncr-2025");
  assert.equal(ph.hourly, 695 / 8);
  assert.equal(all.find((row) => row.id === "us-federal-minimum").ratio, 2 / 7.25);
  assert.ok(compare(null, DEFAULTS.reference_lines, DEFAULTS.exchange_rates).every((row) => row.ratio === null));
});

test("labour spent counts everything; the work that would be paid is the live, closed outlines", () => {
  const work = workSplit(REPORT);
  assert.deepEqual(work.spent, { active_ms: 600_000, outlines: 3, deleted: 1, cancelled: 1, cancelled_ms: 50_000,
    unpaid_ms: 150_000, images: 3 });
  assert.deepEqual(work.paid, { polygons: 2, images: 2, polygons_ms: 350_000 });
  // A piece rate pays the paid work only; the wage is over all the time spent. Hourly pays all the time.
  const perPolygon = payFor(DEFAULTS.pay_models.per_polygon, work, DEFAULTS.exchange_rates);
  assert.equal(perPolygon.units, 2);
  assert.ok(Math.abs(perPolygon.effective_hourly - (2 * DEFAULTS.pay_models.per_polygon.value) / (1 / 6)) < 1e-12);
  assert.equal(payFor(DEFAULTS.pay_models.per_image, work).units, 2);
  const hourly = payFor(DEFAULTS.pay_models.hourly, work);
  assert.equal(hourly.units, 1 / 6);
  assert.match(hourly.pays, /deleted and cancelled work included/);
});


test("the panel's state: a typed rate is a number of 0 or more; an edited rate is marked, the published one not", () => {
  assert.deepEqual(["7.25", "0", "", " ", "-1", "abc", "1e3"].map(readRate), [7.25, 0, null, null, null, null, 1000]);
  const start = panelState(DEFAULTS, workSplit(REPORT));
  assert.equal(start.model, DEFAULTS.model);
  assert.equal(start.display, DEFAULTS.pay_models[DEFAULTS.model].currency);
  const edited = withRate(DEFAULTS, start, 7.25);
  assert.equal(edited.rates[start.model], 7.25);
  assert.equal(edited.edited[start.model], true);
  assert.equal(start.edited[start.model], false); // the old state is left as it was
  const back = withRate(DEFAULTS, edited, null);
  assert.equal(back.rates[start.model], DEFAULTS.pay_models[start.model].value);
  assert.equal(back.edited[start.model], false);
  assert.equal(withRate(DEFAULTS, start, DEFAULTS.pay_models[start.model].value).edited[start.model], false);
});

test("the panel's texts: every figure with its basis, and the unpaid work under a piece rate", () => {
  const state = { ...panelState(DEFAULTS, workSplit(REPORT)), model: "per_polygon" };
  const shown = panelFigures(DEFAULTS, state);
  assert.deepEqual(shown.measured.map((row) => [row.term, row.value, row.testid]), [
    ["Labour spent", "10 min of active time", "pay-spent"],
    ["Work that would be paid", "2 live, closed outlines", "pay-paid"]]);
  assert.equal(shown.measured[0].note, " measured here: 3 outlines (1 deleted, 1 cancelled drawing) on 3 images, everything included.");
  assert.equal(shown.unpaid, "Unpaid under this model: 2 min 30 sec spent on 1 deleted outline and 1 cancelled drawing.");
  assert.deepEqual(shown.results.map((row) => row.term), ["Earned", "Effective hourly wage"]);
  assert.match(shown.results[0].source, /^ = 2 live outlines paid × USD\u00a00\.010 \(the published rate above\)$/);
  assert.match(shown.rate.source, /^Per-polygon|Source: /);
  assert.equal(shown.rate.edited, false);
  assert.ok(shown.lines.every((line) => !line.secondary && line.citation.startsWith(" Source: ")));

  const hourly = panelFigures(DEFAULTS, withRate(DEFAULTS, { ...state, model: "hourly", display: "EUR" }, 7.25));
  assert.equal(hourly.unpaid, null); // hours pay all the time spent
  assert.match(hourly.rate.source, /^Your rate for this view, not a published figure\. The published one is /);
  assert.deepEqual(hourly.results.map((row) => row.term), ["Earned", "Effective hourly wage", "… in EUR"]);
  assert.equal(hourly.own.value, "USD\u00a07.25/h");
  assert.equal(hourly.lines.find((line) => line.id === "us-federal-minimum").ratio, " This work pays 100% of it.");
  const withSecondary = panelFigures(DEFAULTS, { ...state, showSecondary: true });
  assert.equal(withSecondary.lines.length, DEFAULTS.reference_lines.length);
  assert.ok(withSecondary.lines.some((line) => line.secondary));
});

test("bars are a share of the longest, within 0 and 100%", () => {
  assert.deepEqual([barWidth(1, 4), barWidth(0, 1e-9), barWidth(8, 4), barWidth(-1, 4)], ["25.0%", "0.0%", "100.0%", "0.0%"]);
});

test("the editor's fields read back into the settings they came from; empty fields are left out", () => {
  assert.deepEqual(parseRateTable(rateTableText(DEFAULTS.exchange_rates.usd_per_unit)), DEFAULTS.exchange_rates.usd_per_unit);
  assert.deepEqual(parseRateTable("EUR 1.17\n\n  KES   0.0077 \n"), { EUR: 1.17, KES: 0.0077 });
  // Every field as the form shows it: text, "" for a value the settings leave out.
  const asTyped = (values, fields) => Object.fromEntries(fields.map(([name]) => [name, String(values[name] ?? "")]));
  const fields = {
    model: DEFAULTS.model,
    models: Object.fromEntries(Object.entries(DEFAULTS.pay_models).map(([name, model]) => [name, asTyped(model, MODEL_FIELDS)])),
    lines: DEFAULTS.reference_lines.map((line) => asTyped(line, LINE_FIELDS)),
    rates: asTyped(DEFAULTS.exchange_rates, RATE_FIELDS),
    rateTable: rateTableText(DEFAULTS.exchange_rates.usd_per_unit),
  };
  assert.deepEqual(settingsFrom(DEFAULTS, fields), DEFAULTS);
  fields.lines = [{ ...fields.lines[0], source: "  ", year: "" }];
  const line = settingsFrom(DEFAULTS, fields).reference_lines[0];
  assert.ok(!("source" in line) && !("year" in line));
});

test("pay_model.js is pure: no DOM, no globals", () => {
  assert.doesNotMatch(SOURCE, /\bdocument\b|\bwindow\b|innerHTML|createElement/);
});
