// "What the work is worth", as data: the pay arithmetic, the pay panel's state and every text it shows, and
// the pay settings editor's reading of its fields. Pure (no DOM): pay_panel.js and pay_editor.js draw it.
//
// The arithmetic mirrors annotator/core/pay.py (earnings, compare, work_split), with the same field names, so
// the panel and the API agree. Every number shown carries its source in words next to it: a published figure
// with its citation, year and confidence, a derived one with how it was derived, the participant's own
// figures as "measured here". Secondary-source lines are left out unless asked for, and labelled.

import { formatDuration, formatHours, formatMoney, formatPercent } from "../common/format.js";

export const MODELS = ["per_polygon", "per_image", "hourly"];
export const MODEL_NAMES = { per_polygon: "per polygon", per_image: "per image", hourly: "hourly" };
const UNIT_NAMES = { polygon: "polygon", image: "image", hour: "hour" };
const SHOWN_BY_DEFAULT = new Set(["exact", "approximate"]);
const MS_PER_HOUR = 3_600_000;
// What each kind of rate pays for (annotator/core/pay.py PAYS).
export const PAYS = {
  polygon: "each live, closed outline (deleted outlines and cancelled drawings earn nothing)",
  image: "each image with at least one live, closed outline",
  hour: "every hour of active time, deleted and cancelled work included",
};

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

/** "Source: <source>, <year> (<confidence>)". */
export function citation(figure) {
  return `Source: ${figure.source}, ${figure.year} (${figure.confidence})`;
}

function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

// --- the panel's state ----------------------------------------------------------------------------------------------

/** The panel's state at the start: the settings' first model at its published rate, shown in its currency. */
export function panelState(settings, work) {
  return {
    model: MODELS.includes(settings.model) ? settings.model : "per_polygon",
    rates: Object.fromEntries(MODELS.map((name) => [name, settings.pay_models[name].value])),
    edited: Object.fromEntries(MODELS.map((name) => [name, false])),
    display: settings.pay_models[settings.model]?.currency ?? "USD",
    showSecondary: false,
    work,
  };
}

/** A typed rate: a number of 0 or more, else null. */
export function readRate(text) {
  const value = Number(text);
  return String(text).trim() !== "" && Number.isFinite(value) && value >= 0 ? value : null;
}

/** The state with the current model's rate set to `value` (or back to the published one, for null). */
export function withRate(settings, state, value) {
  const published = settings.pay_models[state.model].value;
  const rate = value === null ? published : value;
  return { ...state, rates: { ...state.rates, [state.model]: rate },
    edited: { ...state.edited, [state.model]: rate !== published } };
}

// --- the panel's texts ----------------------------------------------------------------------------------------------

/**
 * Everything the panel shows for a state, as text: {measured: [{term, value, note, testid}], basis, unpaid (or
 * null), rate: {value, unit, edited, source}, results: [{term, value, source}], own: {wageUsd, value}, lines:
 * [{id, kind, secondary, hourlyUsd, label, figure, exchange, ratio, citation, derivation, note}], top (the
 * longest bar, US$ per hour)}.
 */
export function panelFigures(settings, state) {
  const rates = settings.exchange_rates;
  const { spent, paid } = state.work;
  const published = settings.pay_models[state.model];
  const model = { ...published, value: state.rates[state.model] };
  const unit = UNIT_NAMES[model.unit];
  const edited = state.edited[state.model];
  const result = payFor(model, state.work, rates);

  const extras = [];
  if (spent.deleted) extras.push(`${spent.deleted} deleted`);
  if (spent.cancelled) extras.push(plural(spent.cancelled, "cancelled drawing"));
  const measured = [
    { term: "Labour spent", value: `${formatDuration(spent.active_ms)} of active time`, testid: "pay-spent",
      note: ` measured here: ${plural(spent.outlines, "outline")}${extras.length ? ` (${extras.join(", ")})` : ""} `
      + `on ${plural(spent.images, "image")}, everything included.` },
    { term: "Work that would be paid", value: plural(paid.polygons, "live, closed outline"), testid: "pay-paid",
      note: ` on ${plural(paid.images, "image")}`
      + (paid.polygons_ms === null ? "." : `, ${formatDuration(paid.polygons_ms)} of their own time.`) },
  ];
  const basis = `This model (${MODEL_NAMES[state.model]}) pays ${result.pays}; `
    + "the hourly wage below is what it earns over all the labour spent.";
  const unpaidWork = [spent.deleted ? plural(spent.deleted, "deleted outline") : null,
    spent.cancelled ? plural(spent.cancelled, "cancelled drawing") : null].filter(Boolean).join(" and ");
  const unpaid = model.unit !== "hour" && spent.unpaid_ms > 0
    ? `Unpaid under this model: ${formatDuration(spent.unpaid_ms)} spent on ${unpaidWork}.` : null;

  const publishedText = `${published.label}: ${formatMoney(published.value, published.currency)} per ${unit}. `
    + citation(published) + (published.derivation ? `; ${published.derivation}` : "")
    + (published.note ? `. ${published.note}` : "");
  const rate = { value: model.value, unit: ` ${model.currency} per ${unit}`, edited,
    source: edited ? `Your rate for this view, not a published figure. The published one is ${publishedText}`
      : publishedText };

  const rateOrigin = edited ? "your rate" : "the published rate above";
  const paidUnits = model.unit === "image" ? "image" : "live outline";
  const earnedBasis = model.unit === "hour"
    ? `${formatDuration(result.active_hours * MS_PER_HOUR)} spent × ${formatMoney(model.value, model.currency)}/h `
      + `(${rateOrigin})`
    : `${result.units} ${paidUnits}${result.units === 1 ? "" : "s"} paid × ${formatMoney(model.value, model.currency)} `
      + `(${rateOrigin})`;
  const table = ` at the exchange-rate table of ${rates.date} (${rates.confidence})`;
  const results = [
    { term: "Earned", value: formatMoney(result.amount, model.currency), source: ` = ${earnedBasis}` },
    { term: "Effective hourly wage", value: `${formatMoney(result.effective_hourly, model.currency)}/h`,
      source: result.effective_hourly === null ? " No active time measured yet, so no hourly wage can be read."
        : ` = earned ÷ ${formatHours(result.active_hours)} hours of labour spent` },
  ];
  if (model.currency !== "USD") {
    results.push({ term: "… in US dollars", value: `${formatMoney(result.effective_hourly_usd, "USD")}/h`, source: table });
  }
  if (state.display !== model.currency && state.display !== "USD") {
    const shown = result.effective_hourly_usd === null ? null : fromUsd(result.effective_hourly_usd, state.display, rates);
    results.push({ term: `… in ${state.display}`, value: `${formatMoney(shown, state.display)}/h`, source: table });
  }

  const wageUsd = result.effective_hourly_usd;
  const rows = compare(wageUsd, settings.reference_lines, rates, state.showSecondary);
  const lines = rows.map((row) => ({
    id: row.id, kind: row.kind, secondary: row.secondary, hourlyUsd: row.hourly_usd,
    label: `${row.label} (${row.kind}, ${row.year})`,
    figure: (row.per === "hour" ? `${formatMoney(row.value, row.currency)}/h`
      : `${formatMoney(row.value, row.currency)} per ${row.per} ≈ ${formatMoney(row.hourly, row.currency)}/h`)
      + (row.currency === "USD" ? "" : ` ≈ ${formatMoney(row.hourly_usd, "USD")}/h`),
    exchange: row.currency === "USD" ? null : ` (exchange table of ${rates.date})`,
    ratio: row.ratio === null ? null
      : ` This work pays ${formatPercent(row.ratio, { digits: row.ratio < 0.01 ? 1 : 0 })} of it.`,
    citation: ` ${citation(row)}.`,
    derivation: row.derivation ? ` How: ${row.derivation}.` : null,
    note: row.note ? ` ${row.note}` : null,
  }));
  return {
    measured, basis, unpaid, rate, results, lines,
    own: { wageUsd: wageUsd ?? 0, value: `${formatMoney(wageUsd, "USD")}/h` },
    top: Math.max(wageUsd ?? 0, ...rows.map((row) => row.hourly_usd), 1e-9),
  };
}

/** A bar's length in percent of the longest, as CSS: "37.5%". */
export function barWidth(valueUsd, top) {
  return `${Math.max(0, Math.min(100, (valueUsd / top) * 100)).toFixed(1)}%`;
}

// --- the instructor's editor ----------------------------------------------------------------------------------------

export const LINE_FIELDS = [
  ["id", "text"], ["label", "text"], ["value", "number"], ["currency", "text"], ["per", "select"],
  ["hours", "number"], ["kind", "select"], ["source", "text"], ["year", "number"], ["confidence", "select"],
  ["derivation", "text"], ["note", "text"],
];
export const MODEL_FIELDS = [
  ["label", "text"], ["value", "number"], ["currency", "text"], ["source", "text"], ["year", "number"],
  ["confidence", "select"], ["derivation", "text"], ["note", "text"],
];
export const RATE_FIELDS = [["date", "text"], ["source", "text"], ["confidence", "select"]];
export const CHOICES = {
  per: ["hour", "day", "week", "month"],
  kind: ["minimum wage", "living wage", "micro-task earnings"],
  confidence: ["exact", "approximate", "secondary"],
};

/** Fields as typed ({name: text}) -> values; an empty field is left out (the server names a missing one). */
export function readFields(texts, fields) {
  const out = {};
  for (const [name, kind] of fields) {
    const raw = texts[name].trim();
    if (raw === "") continue;
    out[name] = kind === "number" ? Number(raw) : raw;
  }
  return out;
}

/** The exchange-rate table as typed: one currency a line, code and US$ per unit ("EUR 1.17"). */
export function parseRateTable(text) {
  const usd = {};
  for (const line of text.split("\n")) {
    const [code, rate] = line.trim().split(/\s+/);
    if (code) usd[code] = Number(rate);
  }
  return usd;
}

export function rateTableText(usdPerUnit) {
  return Object.entries(usdPerUnit).map(([code, rate]) => `${code} ${rate}`).join("\n");
}

/** The whole settings object (for PUT /api/pay) from the editor's fields as typed: {model, models: {name:
 *  texts}, lines: [texts], rates: texts, rateTable}; units and notes come from the settings it started from. */
export function settingsFrom(settings, { model, models, lines, rates, rateTable }) {
  return {
    version: 1,
    model,
    pay_models: Object.fromEntries(MODELS.map((name) => [name, {
      ...readFields(models[name], MODEL_FIELDS), unit: settings.pay_models[name].unit,
    }])),
    reference_lines: lines.map((texts) => readFields(texts, LINE_FIELDS)),
    exchange_rates: { base: "USD", ...readFields(rates, RATE_FIELDS), usd_per_unit: parseRateTable(rateTable) },
    notes: settings.notes ?? [],
  };
}
