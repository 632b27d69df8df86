// "Scale it up", as data: at the person's measured pace, how many person-hours would N images of a well-known
// dataset take? The pace is per object (all their active time over the outlines they left) and per vertex, and
// it is multiplied by the dataset's published objects per image (and vertices per object, where published),
// never by images: an image someone outlined 4 of 77 objects in is not a labelled image. Each image of theirs
// says how much of it they outlined, out of its ground truth where the sample scene has one, else out of the
// dataset's published average. Beside it, each dataset's own published time per image.
//
// Pure (no DOM): the arithmetic and every text the panel shows, with its source in words: the pace is
// "measured here", a published figure names its source and confidence, a derived figure says how it was
// derived, secondary-source figures are labelled. scale_up.js draws it.

import { formatCount, formatDuration, formatHours } from "../common/format.js";

export const MS_PER_HOUR = 3_600_000;
export const MAX_IMAGES = 1e12;

/** Person-hours to label `images` images at `msPerImage` each (as annotator/core/labour/ `scale_up`). */
export function personHours(msPerImage, images) {
  if (!(msPerImage >= 0) || !(images >= 0)) throw new Error("time and image count must not be negative");
  return (msPerImage * images) / MS_PER_HOUR;
}

/** Person-hours for `images` images of `objectsPerImage` objects each at `msPerObject` per object. */
export function hoursByObjects(msPerObject, objectsPerImage, images) {
  if (!(objectsPerImage >= 0)) throw new Error("objects per image must not be negative");
  return personHours(msPerObject * objectsPerImage, images);
}

/** Person-hours by vertices: `msPerVertex` × vertices per object × objects per image × images. */
export function hoursByVertices(msPerVertex, verticesPerObject, objectsPerImage, images) {
  if (!(verticesPerObject >= 0)) throw new Error("vertices per object must not be negative");
  return hoursByObjects(msPerVertex * verticesPerObject, objectsPerImage, images);
}

function liveOutlines(report) {
  return (report.polygons ?? []).filter((row) => !row.deleted && row.closed !== false);
}

/**
 * The person's pace from a labour report: all their active time (searching, cancelled drawings and looking
 * around included) over the outlines they left (live and closed), and over those outlines' vertices.
 */
export function paceOf(report) {
  const live = liveOutlines(report);
  const activeMs = report.totals?.active_ms ?? 0;
  const vertices = live.reduce((sum, row) => sum + (row.vertices ?? 0), 0);
  return { activeMs, objects: live.length, vertices,
    msPerObject: live.length && activeMs > 0 ? activeMs / live.length : null,
    msPerVertex: vertices && activeMs > 0 ? activeMs / vertices : null };
}

/** Each image of the report: its live outlines, and the objects its ground truth holds (null: none known). */
export function coverage(report, truthImages = []) {
  const truth = new Map((truthImages ?? []).map((row) => [row.image_id, row.objects]));
  const live = liveOutlines(report);
  return (report.images ?? []).map((image) => ({
    image_id: image.image_id, file_name: image.file_name ?? `image ${image.image_id}`,
    outlined: live.filter((row) => row.image_id === image.image_id).length,
    truth: truth.has(image.image_id) ? truth.get(image.image_id) : null,
  }));
}

/** A whole number of images from what was typed ("5000", "328,000", "328 000"); null if it is not one. */
export function parseImages(text) {
  const cleaned = String(text ?? "").trim().replace(/[,\s_]/g, "");
  if (!/^\d+$/.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isSafeInteger(value) && value <= MAX_IMAGES ? value : null;
}

/** "Source: <source> (<confidence>; <note>)." — a secondary source said to be one. */
export function citation(figure) {
  const kind = figure.confidence === "secondary" ? "secondary source, not checked against the primary text"
    : figure.confidence;
  const note = figure.note ? `; ${figure.note.replace(/\.$/, "")}` : "";
  return `Source: ${figure.source} (${kind}${note}).`;
}

const positive = (value) => (Number.isFinite(value) && value > 0 ? value : null);

/**
 * The panel's fixed data: the presets (a list, or GET /api/labour/presets' answer), those with a published
 * number of objects per image (the ones a pace per object scales to), the first with an image count, and
 * the pace per object and per vertex (null when not measured).
 */
export function scaleSetup(pace, presets) {
  const list = (Array.isArray(presets) ? presets : presets?.presets) ?? [];
  const datasets = list.filter((preset) => preset.objects_per_image?.value > 0);
  return {
    list, datasets, first: datasets.find((preset) => preset.images?.value > 0) ?? datasets[0] ?? null,
    perObject: positive(pace?.msPerObject), perVertex: positive(pace?.msPerVertex),
  };
}

/** The pace line: null when no outline was finished, else {object, vertex (or null), source}. */
export function paceTexts(pace, { perObject, perVertex }) {
  if (perObject === null) return null;
  return {
    object: formatDuration(perObject),
    vertex: perVertex === null ? null : formatDuration(perVertex),
    source: ` (measured here: your ${formatDuration(pace.activeMs)} of `
      + `active time, searching and cancelled drawings included, over the ${formatCount(pace.objects)} outline`
      + `${pace.objects === 1 ? "" : "s"} you left`
      + `${perVertex === null ? "" : ` and their ${formatCount(pace.vertices)} vertices`}).`,
  };
}

export const NO_PACE = "No finished outline yet: close an outline in the editor and your pace appears here.";

/** A dataset button's text: its name and published image count. */
export function presetLabel(preset) {
  return `${preset.label}${preset.images?.value > 0 ? `: ${formatCount(preset.images.value)} images` : ""}`;
}

/** Where N comes from: the chosen dataset's published image count, or the reader. */
export function imagesSource(images, dataset) {
  const match = dataset?.images?.value === images ? dataset : null;
  return match ? `${formatCount(images)} images: ${match.images.text}. ${citation(match.images)}`
    : `${formatCount(images)} images: the number you chose.`;
}

function objectsText(preset) {
  const figure = preset.objects_per_image;
  return `${figure.lower_bound ? "at least " : ""}${figure.value} objects per image`;
}

/** One image's line: {count, finish (or null), source (or null)}, out of its ground truth, else out of the
 *  dataset's published average. */
export function coverageTexts(image, { dataset, perObject, truthSource }) {
  let total = image.truth;
  let source = total === null ? null : truthSource || "the sample scene's ground truth";
  if (total === null && dataset) {
    total = dataset.objects_per_image.value;
    source = `no ground truth here, so ${dataset.label}'s published average: `
      + `${dataset.objects_per_image.text}. ${citation(dataset.objects_per_image)}`;
  }
  const count = total !== null && Number.isInteger(total) ? formatCount(total) : String(total);
  const of = total === null ? "" : ` of the ${image.truth === null ? "~" : ""}${count} objects`;
  return {
    count: `${image.file_name}: you outlined ${formatCount(image.outlined)}${of} in this image`,
    finish: total !== null && perObject !== null ? `; all of them at your pace per object: `
      + `${count} × ${formatDuration(perObject)} = ${formatDuration(total * perObject)}.` : null,
    source: source ? ` (${source.replace(/\.$/, "")}.)` : null,
  };
}

/**
 * The result for N images of a dataset: {hours (null: none), lead, figure, tail, source, vertex: {hours,
 * text}}; the hours figure goes between lead and tail.
 */
export function resultTexts({ images, dataset }, { perObject, perVertex }) {
  if (perObject === null || dataset === null) {
    return { hours: null, lead: dataset === null
      ? "No dataset with a published number of objects per image in the reference figures."
      : `Your person-hours for ${formatCount(images)} images appear here once you have closed an outline.`,
    figure: null, tail: null, source: imagesSource(images, dataset), vertex: null };
  }
  const objects = dataset.objects_per_image;
  const hours = hoursByObjects(perObject, objects.value, images);
  const vertices = dataset.vertices_per_object;
  let vertex;
  if (perVertex === null) {
    vertex = { hours: null, text: "Per vertex: no vertices measured yet." };
  } else if (vertices?.value > 0) {
    const byVertex = hoursByVertices(perVertex, vertices.value, objects.value, images);
    vertex = { hours: byVertex, text: `At your pace per vertex (${formatDuration(perVertex)}, measured here) × `
      + `${vertices.value} vertices per object (${vertices.text}. ${citation(vertices)}) × ${objects.value} objects `
      + `per image × ${formatCount(images)} images: ${formatHours(byVertex)} person-hours.` };
  } else {
    vertex = { hours: "", text: `Per vertex: ${formatDuration(perVertex)} per vertex (measured here). The reference `
      + `figures publish no vertex count per object for ${dataset.label}, so no per-vertex estimate is made.` };
  }
  return {
    hours,
    lead: `At your pace per object, labelling ${formatCount(images)} images of `
      + `${dataset.label} (${objectsText(dataset)}) would take ${objects.lower_bound ? "at least " : ""}`,
    figure: formatHours(hours),
    tail: " person-hours.",
    source: `= ${formatDuration(perObject)} per object (measured here) × ${objects.value} objects `
      + `per image (${objects.text}. ${citation(objects)}${objects.derivation ? ` How: ${objects.derivation}.` : ""}) `
      + `× ${formatCount(images)} images ÷ 3,600 s per hour. ${imagesSource(images, dataset)}`,
    vertex,
  };
}

/** A preset's published pace: {time, published, sources: [text], figures: [{text, source, secondary}]}. */
export function referenceTexts(preset) {
  const time = preset.time_per_image;
  return {
    secondary: time?.confidence === "secondary",
    time: time ? `${time.lower_bound ? "more than " : ""}${formatDuration(time.seconds * 1000)} per image` : null,
    published: time ? (time.derivation ? ` (derived here: ${time.text}). ` : `, published as: ${time.text}. `) : null,
    citation: time ? citation(time) : null,
    derivation: time?.derivation ? ` How: ${time.derivation}.` : null,
    images: preset.images?.value > 0 ? `Images: ${preset.images.text}. ${citation(preset.images)}`
      : "No published image count in the reference figures: the hours above use the number you typed.",
    figures: (preset.figures ?? []).map((figure) => ({ text: `Also: ${figure.text}. `, source: citation(figure),
      secondary: figure.confidence === "secondary" })),
  };
}

export const NO_REFERENCE_TIME = "No published time per image in the reference figures.";

/** N images at a preset's published pace: {hours, text}. */
export function referenceHours(preset, images) {
  const time = preset.time_per_image;
  const hours = personHours(time.seconds * 1000, images);
  const bound = time.lower_bound ? "more than " : "";
  const secondary = time.confidence === "secondary" ? ", from a secondary source" : "";
  return { hours, text: `At that pace, ${formatCount(images)} images would take ${bound}`
    + `${formatHours(hours)} person-hours (derived here: ${formatDuration(time.seconds * 1000)} × `
    + `${formatCount(images)} images${secondary}).` };
}
