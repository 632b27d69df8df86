// "Scale it up": at the person's measured pace, how many person-hours would N images of a well-known dataset
// take? The pace is per object (all their active time over the outlines they left) and per vertex, and it is
// multiplied by the dataset's published objects per image (and vertices per object, where published), never
// by images: an image someone outlined 4 of 77 objects in is not a labelled image. Each image of theirs says
// how much of it they outlined, out of its ground truth where the sample scene has one, else out of the
// dataset's published average. Beside it, each dataset's own published time per image, so the reader sees
// their pace next to the published one. Every number carries its source in visible text: the pace is
// "measured here", a published figure names its source and confidence, a derived figure says how it was
// derived. Secondary-source figures are labelled as such.
//
// Built with DOM calls only; all text is set with textContent, never as HTML. The document is the
// container's own, so nothing global is touched and a test can pass a fake one.

import { element } from "../common/dom.js";
import { formatCount, formatDuration, formatHours } from "../common/format.js";

export const MS_PER_HOUR = 3_600_000;
export const MAX_IMAGES = 1e12;

/** Person-hours to label `images` images at `msPerImage` each (as annotator/core/labour.py `scale_up`). */
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

function citation(figure) {
  const kind = figure.confidence === "secondary" ? "secondary source, not checked against the primary text"
    : figure.confidence;
  const note = figure.note ? `; ${figure.note.replace(/\.$/, "")}` : "";
  return `Source: ${figure.source} (${kind}${note}).`;
}

/**
 * Build the scale-up panel in `container` (its contents are replaced).
 * pace: `paceOf(report)`; presets: the `presets` list of GET /api/labour/presets (or the whole answer);
 * coverage: `coverage(report, truth)`; truthSource: where the ground-truth counts come from;
 * images: the starting N (by default the first dataset's published image count).
 * Returns { element, setImages(n), setDataset(id), state() }.
 */
export function renderScaleUp(container, { pace, presets, coverage: covered = [], truthSource = "", images = null }) {
  const doc = container.ownerDocument;
  const list = (Array.isArray(presets) ? presets : presets?.presets) ?? [];
  const datasets = list.filter((preset) => preset.objects_per_image?.value > 0);
  const perObject = Number.isFinite(pace?.msPerObject) && pace.msPerObject > 0 ? pace.msPerObject : null;
  const perVertex = Number.isFinite(pace?.msPerVertex) && pace.msPerVertex > 0 ? pace.msPerVertex : null;
  const first = datasets.find((preset) => preset.images?.value > 0) ?? datasets[0] ?? null;
  const state = { images: images ?? first?.images?.value ?? 1000, dataset: first };

  const root = element(doc, "section", { className: "scale-up" });
  root.setAttribute("aria-label", "Scale it up");
  root.dataset.testid = "scale-up";
  root.append(element(doc, "h2", { className: "scale-title", text: "Scale it up" }));

  const paceLine = element(doc, "p", { className: "scale-pace" });
  paceLine.dataset.testid = "scale-pace";
  if (perObject === null) {
    paceLine.textContent = "No finished outline yet: close an outline in the editor and your pace appears here.";
  } else {
    const figure = element(doc, "strong", { className: "scale-figure", text: formatDuration(perObject) });
    figure.dataset.testid = "scale-pace-value";
    paceLine.append(element(doc, "span", { text: "Your pace: " }), figure,
      element(doc, "span", { text: " per object" }));
    if (perVertex !== null) {
      const vertex = element(doc, "strong", { className: "scale-figure", text: formatDuration(perVertex) });
      vertex.dataset.testid = "scale-pace-vertex";
      paceLine.append(element(doc, "span", { text: " and " }), vertex, element(doc, "span", { text: " per vertex" }));
    }
    paceLine.append(element(doc, "span", { className: "scale-source",
      text: ` (measured here: your ${formatDuration(pace.activeMs)} of `
      + `active time, searching and cancelled drawings included, over the ${formatCount(pace.objects)} outline`
      + `${pace.objects === 1 ? "" : "s"} you left`
      + `${perVertex === null ? "" : ` and their ${formatCount(pace.vertices)} vertices`}).` }));
  }
  root.append(paceLine);

  // How much of each image was outlined: the pace is per object, so a partly labelled image says so.
  const coverageList = element(doc, "ul", { className: "scale-coverage" });
  coverageList.dataset.testid = "scale-coverage";
  root.append(coverageList);

  // N, typed or from a dataset.
  const controls = element(doc, "div", { className: "scale-controls" });
  const label = element(doc, "label", { className: "scale-images-label" });
  const input = element(doc, "input", { className: "scale-images" });
  input.type = "text";
  input.inputMode = "numeric";
  input.autocomplete = "off";
  input.dataset.testid = "scale-images";
  label.append(element(doc, "span", { text: "Images to label: " }), input);
  controls.append(label);
  const presetGroup = element(doc, "div", { className: "scale-presets" });
  presetGroup.setAttribute("role", "group");
  presetGroup.setAttribute("aria-label", "Published datasets");
  const presetButtons = [];
  for (const preset of datasets) {
    const count = preset.images?.value > 0 ? `: ${formatCount(preset.images.value)} images` : "";
    const button = element(doc, "button", { className: "scale-preset", text: `${preset.label}${count}` });
    button.type = "button";
    button.dataset.testid = `scale-preset-${preset.id}`;
    button.dataset.preset = preset.id;
    button.addEventListener("click", () => {
      state.dataset = preset;
      if (preset.images?.value > 0) setImages(preset.images.value);
      else draw();
    });
    presetButtons.push({ button, preset });
    presetGroup.append(button);
  }
  if (presetButtons.length) controls.append(presetGroup);
  root.append(controls);

  const result = element(doc, "p", { className: "scale-result" });
  result.setAttribute("role", "status");
  result.dataset.testid = "scale-result";
  const resultSource = element(doc, "p", { className: "scale-source scale-result-source" });
  resultSource.dataset.testid = "scale-result-source";
  const vertexLine = element(doc, "p", { className: "scale-vertex" });
  vertexLine.dataset.testid = "scale-vertex";
  root.append(result, resultSource, vertexLine);

  // The published pace of each preset, beside the reader's.
  root.append(element(doc, "h3", { className: "scale-ref-title", text: "Published time per image" }));
  const references = element(doc, "ol", { className: "scale-references" });
  root.append(references);
  const referenceRows = [];
  for (const preset of list) {
    const item = element(doc, "li",
      { className: `scale-ref${preset.time_per_image?.confidence === "secondary" ? " scale-ref-secondary" : ""}` });
    item.dataset.testid = `scale-ref-${preset.id}`;
    const head = element(doc, "div", { className: "scale-ref-head" });
    head.append(element(doc, "span", { className: "scale-ref-label", text: preset.label }));
    if (preset.time_per_image?.confidence === "secondary") {
      head.append(element(doc, "span", { className: "scale-secondary-tag", text: "secondary source" }));
    }
    item.append(head);
    const time = preset.time_per_image;
    let hoursLine = null;
    if (time) {
      const line = element(doc, "p", { className: "scale-ref-time" });
      const value = element(doc, "span", { className: "scale-figure",
        text: `${time.lower_bound ? "more than " : ""}${formatDuration(time.seconds * 1000)} per image` });
      value.dataset.testid = "scale-ref-time";
      line.append(value, element(doc, "span", { text: time.derivation ? ` (derived here: ${time.text}). `
        : `, published as: ${time.text}. ` }),
        element(doc, "span", { className: "scale-source", text: citation(time) }));
      if (time.derivation) line.append(element(doc, "span", { className: "scale-source",
        text: ` How: ${time.derivation}.` }));
      item.append(line);
      hoursLine = element(doc, "p", { className: "scale-ref-hours" });
      hoursLine.dataset.testid = "scale-ref-hours";
      item.append(hoursLine);
    } else {
      item.append(element(doc, "p", { className: "scale-source",
        text: "No published time per image in the reference figures." }));
    }
    if (preset.images?.value > 0) {
      item.append(element(doc, "p", { className: "scale-source",
        text: `Images: ${preset.images.text}. ${citation(preset.images)}` }));
    } else {
      item.append(element(doc, "p", { className: "scale-source",
        text: "No published image count in the reference figures: the hours above use the number you typed." }));
    }
    for (const figure of preset.figures ?? []) {
      const extra = element(doc, "p", { className: "scale-source scale-ref-extra" });
      extra.append(element(doc, "span", { text: `Also: ${figure.text}. ` }),
        element(doc, "span", { text: citation(figure) }));
      if (figure.confidence === "secondary") extra.append(element(doc, "span", { className: "scale-secondary-tag",
        text: "secondary source" }));
      item.append(extra);
    }
    references.append(item);
    referenceRows.push({ preset, hoursLine });
  }

  container.replaceChildren(root);

  function nSource() {
    const match = state.dataset?.images?.value === state.images ? state.dataset : null;
    return match ? `${formatCount(state.images)} images: ${match.images.text}. ${citation(match.images)}`
      : `${formatCount(state.images)} images: the number you chose.`;
  }

  function objectsText(preset) {
    const figure = preset.objects_per_image;
    return `${figure.lower_bound ? "at least " : ""}${figure.value} objects per image`;
  }

  function drawCoverage() {
    coverageList.replaceChildren();
    for (const image of covered) {
      const item = element(doc, "li", { className: "scale-coverage-item" });
      item.dataset.testid = "scale-coverage-item";
      item.dataset.image = String(image.image_id);
      let total = image.truth;
      let source = total === null ? null : truthSource || "the sample scene's ground truth";
      if (total === null && state.dataset) {
        total = state.dataset.objects_per_image.value;
        source = `no ground truth here, so ${state.dataset.label}'s published average: `
          + `${state.dataset.objects_per_image.text}. ${citation(state.dataset.objects_per_image)}`;
      }
      const count = total !== null && Number.isInteger(total) ? formatCount(total) : String(total);
      const of = total === null ? "" : ` of the ${image.truth === null ? "~" : ""}${count} objects`;
      const line = element(doc, "span", { className: "scale-coverage-count",
        text: `${image.file_name}: you outlined ${formatCount(image.outlined)}${of} in this image` });
      line.dataset.testid = "scale-coverage-count";
      item.append(line);
      if (total !== null && perObject !== null) {
        const finish = element(doc, "span", { className: "scale-finish", text: `; all of them at your pace per object: `
          + `${count} × ${formatDuration(perObject)} = ${formatDuration(total * perObject)}.` });
        finish.dataset.testid = "scale-finish";
        item.append(finish);
      } else {
        item.append(element(doc, "span", { text: "." }));
      }
      if (source) item.append(element(doc, "span", { className: "scale-source",
        text: ` (${source.replace(/\.$/, "")}.)` }));
      coverageList.append(item);
    }
  }

  function draw() {
    for (const { button, preset } of presetButtons) {
      button.setAttribute("aria-pressed", String(preset === state.dataset));
    }
    drawCoverage();
    result.replaceChildren();
    vertexLine.replaceChildren();
    const dataset = state.dataset;
    if (perObject === null || dataset === null) {
      result.dataset.hours = "";
      result.append(element(doc, "span", { text: dataset === null
        ? "No dataset with a published number of objects per image in the reference figures."
        : `Your person-hours for ${formatCount(state.images)} images appear here once you have closed an outline.` }));
      resultSource.textContent = nSource();
    } else {
      const objects = dataset.objects_per_image;
      const hours = hoursByObjects(perObject, objects.value, state.images);
      result.dataset.hours = String(hours);
      const total = element(doc, "strong", { className: "scale-figure scale-hours", text: formatHours(hours) });
      total.dataset.testid = "scale-hours";
      result.append(element(doc, "span",
        { text: `At your pace per object, labelling ${formatCount(state.images)} images of `
        + `${dataset.label} (${objectsText(dataset)}) would take ${objects.lower_bound ? "at least " : ""}` }), total,
      element(doc, "span", { text: " person-hours." }));
      resultSource.textContent = `= ${formatDuration(perObject)} per object (measured here) × ${objects.value} objects `
        + `per image (${objects.text}. ${citation(objects)}${objects.derivation ? ` How: ${objects.derivation}.` : ""}) `
        + `× ${formatCount(state.images)} images ÷ 3,600 s per hour. ${nSource()}`;
      const vertices = dataset.vertices_per_object;
      if (perVertex === null) {
        vertexLine.textContent = "Per vertex: no vertices measured yet.";
      } else if (vertices?.value > 0) {
        const byVertex = hoursByVertices(perVertex, vertices.value, objects.value, state.images);
        vertexLine.dataset.hours = String(byVertex);
        vertexLine.textContent = `At your pace per vertex (${formatDuration(perVertex)}, measured here) × `
          + `${vertices.value} vertices per object (${vertices.text}. ${citation(vertices)}) × ${objects.value} objects `
          + `per image × ${formatCount(state.images)} images: ${formatHours(byVertex)} person-hours.`;
      } else {
        vertexLine.dataset.hours = "";
        vertexLine.textContent = `Per vertex: ${formatDuration(perVertex)} per vertex (measured here). The reference `
          + `figures publish no vertex count per object for ${dataset.label}, so no per-vertex estimate is made.`;
      }
    }
    for (const { preset, hoursLine } of referenceRows) {
      if (!hoursLine) continue;
      const time = preset.time_per_image;
      const hours = personHours(time.seconds * 1000, state.images);
      hoursLine.dataset.hours = String(hours);
      const bound = time.lower_bound ? "more than " : "";
      const secondary = time.confidence === "secondary" ? ", from a secondary source" : "";
      hoursLine.textContent = `At that pace, ${formatCount(state.images)} images would take ${bound}`
        + `${formatHours(hours)} person-hours (derived here: ${formatDuration(time.seconds * 1000)} × `
        + `${formatCount(state.images)} images${secondary}).`;
    }
  }

  function setImages(value) {
    state.images = value;
    input.value = formatCount(value);
    input.setAttribute("aria-invalid", "false");
    draw();
  }

  input.addEventListener("input", () => {
    const value = parseImages(input.value);
    if (value === null) {
      input.setAttribute("aria-invalid", "true");
      resultSource.textContent = "Type a whole number of images (0 or more).";
      return;
    }
    input.setAttribute("aria-invalid", "false");
    state.images = value;
    draw();
  });

  setImages(state.images);

  return {
    element: root,
    setImages,
    setDataset(id) {
      const found = datasets.find((preset) => preset.id === id);
      if (!found) throw new Error(`no dataset ${id} with objects per image`);
      state.dataset = found;
      draw();
    },
    state() {
      const hours = perObject === null || state.dataset === null ? null
        : hoursByObjects(perObject, state.dataset.objects_per_image.value, state.images);
      return { images: state.images, dataset: state.dataset?.id ?? null, msPerObject: perObject,
        msPerVertex: perVertex, hours };
    },
  };
}
