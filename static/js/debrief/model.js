// The debrief's figures from the room's labour report (GET /api/debrief, the same totals and classes as
// GET /api/labour/summary.json), the scale-up presets (GET /api/labour/presets) and the pay settings (GET /api/pay).
// Pure: no DOM, no fetch. Nothing is worked out a new way: the big numbers are the report's totals, the pace is the
// receipt's (`paceOf`), the scale-up its `hoursByObjects` and `personHours`, the pay its `workSplit`, `payFor` and
// `earnings` (labour/scale_up.js and labour/pay_panel.js, whose arithmetic mirrors annotator/core/labour/ and
// annotator/core/pay.py). The browser test runs this module on /api/labour/summary.json and compares.

import { MS_PER_HOUR, hoursByObjects, paceOf, personHours } from "../labour/scale_model.js";
import { earnings, payFor, workSplit } from "../labour/pay_model.js";

/** The four big numbers: which field of the report's totals each is, and how it is shown. */
export const BIG_NUMBERS = [
  { key: "person-hours", field: "active_ms", label: "person-hours", kind: "hours" },
  { key: "objects", field: "polygons", label: "objects outlined", kind: "count" },
  { key: "vertices", field: "vertices", label: "vertices", kind: "count" },
  { key: "clicks", field: "clicks", label: "clicks", kind: "count" },
];

/** The published datasets the room's work is scaled to (ids in annotator/data/scale_presets.json). */
export const DATASETS = ["cityscapes-fine", "coco"];
export const PAY_MODELS = ["per_polygon", "per_image", "hourly"];

/** [{key, field, label, kind, raw, value}]: raw is the totals field, value what is shown (hours for time). */
export function bigNumbers(report) {
  const totals = report.totals ?? {};
  return BIG_NUMBERS.map((number) => {
    const raw = totals[number.field] ?? 0;
    return { ...number, raw, value: number.kind === "hours" ? raw / MS_PER_HOUR : raw };
  });
}

/** Time per object by class, slowest first: the report's class rows (mean and median of the outlines' own time). */
export function classPace(report) {
  return (report.classes ?? [])
    .filter((row) => row.polygons > 0 && row.mean_ms !== null && row.mean_ms !== undefined)
    .map((row) => ({ category: row.category, colour: row.colour, polygons: row.polygons, msPerObject: row.mean_ms,
      medianMs: row.median_ms, vertices: row.vertices }))
    .sort((a, b) => b.msPerObject - a.msPerObject || a.category.localeCompare(b.category));
}

/**
 * Each dataset of DATASETS found in the presets with a published image count and objects per image: the room's
 * person-hours for it at the room's pace per object, and the published time per image's hours beside.
 */
export function scaled(report, presets) {
  const pace = paceOf(report);
  const list = (Array.isArray(presets) ? presets : presets?.presets) ?? [];
  return DATASETS.map((id) => list.find((preset) => preset.id === id))
    .filter((preset) => preset && preset.images?.value > 0 && preset.objects_per_image?.value > 0)
    .map((preset) => {
      const images = preset.images.value;
      const perImage = preset.objects_per_image.value;
      return {
        id: preset.id, label: preset.label, preset, images, objectsPerImage: perImage, objects: images * perImage,
        lowerBound: Boolean(preset.objects_per_image.lower_bound), msPerObject: pace.msPerObject,
        hours: pace.msPerObject === null ? null : hoursByObjects(pace.msPerObject, perImage, images),
        publishedHours: preset.time_per_image ? personHours(preset.time_per_image.seconds * 1000, images) : null,
      };
    });
}

/**
 * What the work would be paid under each pay model: the room's own (its work split: piece rates on the live,
 * closed outlines and their images, the hourly rate on all active time), then each scaled dataset (every object
 * and image of it paid, its person-hours at the hourly rate). Rows: [{key, label, hours, pay: {model: earnings}}].
 */
export function paid(report, settings, scaledRows) {
  const models = settings?.pay_models ?? {};
  const rates = settings?.exchange_rates ?? null;
  const names = PAY_MODELS.filter((name) => models[name]);
  const work = workSplit(report);
  const rows = [{ key: "room", label: "This room", hours: work.spent.active_ms / MS_PER_HOUR,
    pay: Object.fromEntries(names.map((name) => [name, payFor(models[name], work, rates)])) }];
  for (const row of scaledRows) {
    if (row.hours === null) continue;
    rows.push({ key: row.id, label: row.label, hours: row.hours, lowerBound: row.lowerBound,
      pay: Object.fromEntries(names.map((name) => [name,
        earnings(models[name], row.hours * MS_PER_HOUR, row.objects, row.images, rates)])) });
  }
  return { models: names.map((name) => ({ name, ...models[name] })), rows, work };
}

/** Everything the page shows, from the three answers. */
export function debriefModel(report, presets, settings) {
  const scaledRows = scaled(report, presets);
  return { numbers: bigNumbers(report), pace: paceOf(report), classes: classPace(report), scaled: scaledRows,
    paid: settings ? paid(report, settings, scaledRows) : null };
}
