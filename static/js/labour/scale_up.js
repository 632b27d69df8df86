// "Scale it up": the panel's view. The pace, the arithmetic and every text with its source are
// scale_model.js's; this module builds the panel once (the pace, each image's coverage, N typed or from a
// dataset, the result, each dataset's published pace) and redraws what depends on N and the dataset.
// All text is set with textContent, never as HTML. The document is the container's own, so nothing global is
// touched and a test can pass a fake one.

import { element } from "../common/dom.js";
import { formatCount } from "../common/format.js";
import {
  NO_PACE, NO_REFERENCE_TIME, coverageTexts, hoursByObjects, paceTexts, parseImages, presetLabel, referenceHours,
  referenceTexts, resultTexts, scaleSetup,
} from "./scale_model.js";

/**
 * Build the scale-up panel in `container` (its contents are replaced).
 * pace: `paceOf(report)`; presets: the `presets` list of GET /api/labour/presets (or the whole answer);
 * coverage: `coverage(report, truth)`; truthSource: where the ground-truth counts come from;
 * images: the starting N (by default the first dataset's published image count).
 * Returns { element, setImages(n), setDataset(id), state() }.
 */
export function renderScaleUp(container, { pace, presets, coverage: covered = [], truthSource = "", images = null }) {
  const doc = container.ownerDocument;
  const make = (tag, options) => element(doc, tag, options);
  const setup = scaleSetup(pace, presets);
  const { datasets, perObject, perVertex } = setup;
  const state = { images: images ?? setup.first?.images?.value ?? 1000, dataset: setup.first };

  const root = make("section", { className: "scale-up", testid: "scale-up", attrs: { "aria-label": "Scale it up" } });
  root.append(make("h2", { className: "scale-title", text: "Scale it up" }));

  const paceLine = make("p", { className: "scale-pace", testid: "scale-pace" });
  const paceText = paceTexts(pace, setup);
  if (paceText === null) {
    paceLine.textContent = NO_PACE;
  } else {
    paceLine.append(make("span", { text: "Your pace: " }),
      make("strong", { className: "scale-figure", text: paceText.object, testid: "scale-pace-value" }),
      make("span", { text: " per object" }));
    if (paceText.vertex !== null) {
      paceLine.append(make("span", { text: " and " }),
        make("strong", { className: "scale-figure", text: paceText.vertex, testid: "scale-pace-vertex" }),
        make("span", { text: " per vertex" }));
    }
    paceLine.append(make("span", { className: "scale-source", text: paceText.source }));
  }
  root.append(paceLine);

  // How much of each image was outlined: the pace is per object, so a partly labelled image says so.
  const coverageList = make("ul", { className: "scale-coverage", testid: "scale-coverage" });
  root.append(coverageList);

  // N, typed or from a dataset.
  const controls = make("div", { className: "scale-controls" });
  const input = Object.assign(make("input", { className: "scale-images", testid: "scale-images" }),
    { type: "text", inputMode: "numeric", autocomplete: "off" });
  const label = make("label", { className: "scale-images-label" });
  label.append(make("span", { text: "Images to label: " }), input);
  controls.append(label);
  const presetGroup = make("div", { className: "scale-presets",
    attrs: { role: "group", "aria-label": "Published datasets" } });
  const presetButtons = datasets.map((preset) => {
    const button = Object.assign(make("button", { className: "scale-preset", text: presetLabel(preset),
      testid: `scale-preset-${preset.id}` }), { type: "button" });
    button.dataset.preset = preset.id;
    button.addEventListener("click", () => {
      state.dataset = preset;
      if (preset.images?.value > 0) setImages(preset.images.value);
      else draw();
    });
    presetGroup.append(button);
    return { button, preset };
  });
  if (presetButtons.length) controls.append(presetGroup);
  root.append(controls);

  const result = make("p", { className: "scale-result", testid: "scale-result", attrs: { role: "status" } });
  const resultSource = make("p", { className: "scale-source scale-result-source", testid: "scale-result-source" });
  const vertexLine = make("p", { className: "scale-vertex", testid: "scale-vertex" });
  root.append(result, resultSource, vertexLine);

  // The published pace of each preset, beside the reader's.
  root.append(make("h3", { className: "scale-ref-title", text: "Published time per image" }));
  const references = make("ol", { className: "scale-references" });
  root.append(references);
  const referenceRows = setup.list.map((preset) => {
    const shown = referenceTexts(preset);
    const item = make("li", { className: `scale-ref${shown.secondary ? " scale-ref-secondary" : ""}`,
      testid: `scale-ref-${preset.id}` });
    const head = make("div", { className: "scale-ref-head" });
    head.append(make("span", { className: "scale-ref-label", text: preset.label }));
    if (shown.secondary) head.append(make("span", { className: "scale-secondary-tag", text: "secondary source" }));
    item.append(head);
    let hoursLine = null;
    if (shown.time) {
      const line = make("p", { className: "scale-ref-time" });
      line.append(make("span", { className: "scale-figure", text: shown.time, testid: "scale-ref-time" }),
        make("span", { text: shown.published }), make("span", { className: "scale-source", text: shown.citation }));
      if (shown.derivation) line.append(make("span", { className: "scale-source", text: shown.derivation }));
      hoursLine = make("p", { className: "scale-ref-hours", testid: "scale-ref-hours" });
      item.append(line, hoursLine);
    } else {
      item.append(make("p", { className: "scale-source", text: NO_REFERENCE_TIME }));
    }
    item.append(make("p", { className: "scale-source", text: shown.images }));
    for (const figure of shown.figures) {
      const extra = make("p", { className: "scale-source scale-ref-extra" });
      extra.append(make("span", { text: figure.text }), make("span", { text: figure.source }));
      if (figure.secondary) extra.append(make("span", { className: "scale-secondary-tag", text: "secondary source" }));
      item.append(extra);
    }
    references.append(item);
    return { preset, hoursLine };
  });

  container.replaceChildren(root);

  function coverageItem(image) {
    const shown = coverageTexts(image, { dataset: state.dataset, perObject, truthSource });
    const item = make("li", { className: "scale-coverage-item", testid: "scale-coverage-item" });
    item.dataset.image = String(image.image_id);
    item.append(make("span", { className: "scale-coverage-count", text: shown.count, testid: "scale-coverage-count" }),
      shown.finish ? make("span", { className: "scale-finish", text: shown.finish, testid: "scale-finish" })
        : make("span", { text: "." }));
    if (shown.source) item.append(make("span", { className: "scale-source", text: shown.source }));
    return item;
  }

  function draw() {
    for (const { button, preset } of presetButtons) button.setAttribute("aria-pressed", String(preset === state.dataset));
    coverageList.replaceChildren(...covered.map(coverageItem));
    const shown = resultTexts(state, setup);
    result.dataset.hours = shown.hours === null ? "" : String(shown.hours);
    result.replaceChildren(make("span", { text: shown.lead }));
    if (shown.figure !== null) {
      result.append(make("strong", { className: "scale-figure scale-hours", text: shown.figure, testid: "scale-hours" }),
        make("span", { text: shown.tail }));
    }
    resultSource.textContent = shown.source;
    vertexLine.replaceChildren();
    if (shown.vertex) {
      if (shown.vertex.hours !== null) vertexLine.dataset.hours = String(shown.vertex.hours);
      vertexLine.textContent = shown.vertex.text;
    }
    for (const { preset, hoursLine } of referenceRows) {
      if (!hoursLine) continue;
      const reference = referenceHours(preset, state.images);
      hoursLine.dataset.hours = String(reference.hours);
      hoursLine.textContent = reference.text;
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
    input.setAttribute("aria-invalid", value === null ? "true" : "false");
    if (value === null) {
      resultSource.textContent = "Type a whole number of images (0 or more).";
      return;
    }
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
