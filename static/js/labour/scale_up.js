// "Scale it up": at the measured pace, how many person-hours would N images like these take? N is editable,
// with presets for well-known datasets (their published image counts), and beside each preset the dataset's
// own published time per image, so the reader sees their pace next to the published one. Every number
// carries its source in visible text: the pace is "measured here", a published figure names its source and
// confidence, a derived figure says how it was derived. Secondary-source figures are labelled as such.
//
// Built with DOM calls only; all text is set with textContent, never as HTML. The document is the
// container's own, so nothing global is touched and a test can pass a fake one.

export const MS_PER_HOUR = 3_600_000;
export const MAX_IMAGES = 1e12;

/** Person-hours to label `images` images at `msPerImage` each (as annotator/labour.py `scale_up`). */
export function personHours(msPerImage, images) {
  if (!(msPerImage >= 0) || !(images >= 0)) throw new Error("time and image count must not be negative");
  return (msPerImage * images) / MS_PER_HOUR;
}

/** A whole number of images from what was typed ("5000", "328,000", "328 000"); null if it is not one. */
export function parseImages(text) {
  const cleaned = String(text ?? "").trim().replace(/[,\s_]/g, "");
  if (!/^\d+$/.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isSafeInteger(value) && value <= MAX_IMAGES ? value : null;
}

function grouped(value, digits) {
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(value);
}

/** A count with thousands separators: 328000 -> "328,000". */
export function formatCount(value) {
  return grouped(value, 0);
}

/** Hours with as many decimals as their size needs: 0.42 -> "0.42", 37.25 -> "37.3", 51234.4 -> "51,234". */
export function formatHours(hours) {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return "—";
  const abs = Math.abs(hours);
  return grouped(hours, abs < 10 ? 2 : abs < 1000 ? 1 : 0);
}

/** A duration in the unit that reads best: "48.5 s", "10.1 min", "1.50 h" (from 2 min, from 1 h). */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${minutes.toFixed(1)} min`;
  return `${(minutes / 60).toFixed(2)} h`;
}

function el(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function citation(figure) {
  const kind = figure.confidence === "secondary" ? "secondary source, not checked against the primary text"
    : figure.confidence;
  const note = figure.note ? `; ${figure.note.replace(/\.$/, "")}` : "";
  return `Source: ${figure.source} (${kind}${note}).`;
}

/**
 * Build the scale-up panel in `container` (its contents are replaced).
 * msPerImage: the measured mean active time per image (null or 0 when nothing is measured yet);
 * presets: the `presets` list of GET /api/labour/presets (or the whole answer);
 * imagesMeasured: how many images the pace was measured on (for its source line);
 * images: the starting N (by default the first preset's published image count).
 * Returns { element, setImages(n), state() }.
 */
export function renderScaleUp(container, { msPerImage, presets, imagesMeasured = null, images = null }) {
  const doc = container.ownerDocument;
  const list = (Array.isArray(presets) ? presets : presets?.presets) ?? [];
  const measured = Number.isFinite(msPerImage) && msPerImage > 0 ? msPerImage : null;
  const firstCounted = list.find((preset) => preset.images?.value > 0);
  const state = { images: images ?? firstCounted?.images.value ?? 1000 };

  const root = el(doc, "section", "scale-up");
  root.setAttribute("aria-label", "Scale it up");
  root.dataset.testid = "scale-up";
  root.append(el(doc, "h2", "scale-title", "Scale it up"));

  const pace = el(doc, "p", "scale-pace");
  pace.dataset.testid = "scale-pace";
  if (measured === null) {
    pace.textContent = "No active time measured yet: outline an object in the editor and your pace appears here.";
  } else {
    const figure = el(doc, "strong", "scale-figure", formatDuration(measured));
    figure.dataset.testid = "scale-pace-value";
    pace.append(el(doc, "span", null, "Your pace: "), figure, el(doc, "span", null, " of active work per image"));
    const over = imagesMeasured ? ` over your ${imagesMeasured} image${imagesMeasured === 1 ? "" : "s"}` : "";
    pace.append(el(doc, "span", "scale-source", ` (measured here: mean active time${over}).`));
  }
  root.append(pace);

  // N, typed or from a preset.
  const controls = el(doc, "div", "scale-controls");
  const label = el(doc, "label", "scale-images-label");
  const input = el(doc, "input", "scale-images");
  input.type = "text";
  input.inputMode = "numeric";
  input.autocomplete = "off";
  input.dataset.testid = "scale-images";
  label.append(el(doc, "span", null, "Images to label: "), input);
  controls.append(label);
  const presetGroup = el(doc, "div", "scale-presets");
  presetGroup.setAttribute("role", "group");
  presetGroup.setAttribute("aria-label", "Image counts of published datasets");
  const presetButtons = [];
  for (const preset of list) {
    if (!(preset.images?.value > 0)) continue;
    const button = el(doc, "button", "scale-preset", `${preset.label}: ${formatCount(preset.images.value)}`);
    button.type = "button";
    button.dataset.testid = `scale-preset-${preset.id}`;
    button.dataset.preset = preset.id;
    button.addEventListener("click", () => setImages(preset.images.value));
    presetButtons.push({ button, preset });
    presetGroup.append(button);
  }
  if (presetButtons.length) controls.append(presetGroup);
  root.append(controls);

  const result = el(doc, "p", "scale-result");
  result.setAttribute("role", "status");
  result.dataset.testid = "scale-result";
  const resultSource = el(doc, "p", "scale-source scale-result-source");
  resultSource.dataset.testid = "scale-result-source";
  root.append(result, resultSource);

  // The published pace of each preset, beside the reader's.
  root.append(el(doc, "h3", "scale-ref-title", "Published time per image"));
  const references = el(doc, "ol", "scale-references");
  root.append(references);
  const referenceRows = [];
  for (const preset of list) {
    const item = el(doc, "li", `scale-ref${preset.time_per_image?.confidence === "secondary" ? " scale-ref-secondary" : ""}`);
    item.dataset.testid = `scale-ref-${preset.id}`;
    const head = el(doc, "div", "scale-ref-head");
    head.append(el(doc, "span", "scale-ref-label", preset.label));
    if (preset.time_per_image?.confidence === "secondary") {
      head.append(el(doc, "span", "scale-secondary-tag", "secondary source"));
    }
    item.append(head);
    const time = preset.time_per_image;
    let hoursLine = null;
    if (time) {
      const line = el(doc, "p", "scale-ref-time");
      const value = el(doc, "span", "scale-figure",
        `${time.lower_bound ? "more than " : ""}${formatDuration(time.seconds * 1000)} per image`);
      value.dataset.testid = "scale-ref-time";
      line.append(value, el(doc, "span", null, time.derivation ? ` (derived here: ${time.text}). `
        : `, published as: ${time.text}. `),
        el(doc, "span", "scale-source", citation(time)));
      if (time.derivation) line.append(el(doc, "span", "scale-source", ` How: ${time.derivation}.`));
      item.append(line);
      hoursLine = el(doc, "p", "scale-ref-hours");
      hoursLine.dataset.testid = "scale-ref-hours";
      item.append(hoursLine);
    } else {
      item.append(el(doc, "p", "scale-source", "No published time per image in the reference figures."));
    }
    if (preset.images?.value > 0) {
      item.append(el(doc, "p", "scale-source",
        `Images: ${preset.images.text}. ${citation(preset.images)}`));
    } else {
      item.append(el(doc, "p", "scale-source",
        "No published image count in the reference figures: the hours above use the number you typed."));
    }
    for (const figure of preset.figures ?? []) {
      const extra = el(doc, "p", "scale-source scale-ref-extra");
      extra.append(el(doc, "span", null, `Also: ${figure.text}. `), el(doc, "span", null, citation(figure)));
      if (figure.confidence === "secondary") extra.append(el(doc, "span", "scale-secondary-tag", "secondary source"));
      item.append(extra);
    }
    references.append(item);
    referenceRows.push({ preset, hoursLine });
  }

  container.replaceChildren(root);

  function nSource() {
    const match = presetButtons.find(({ preset }) => preset.images.value === state.images);
    return match ? `${formatCount(state.images)} images: ${match.preset.images.text}. ${citation(match.preset.images)}`
      : `${formatCount(state.images)} images: the number you chose.`;
  }

  function draw() {
    for (const { button, preset } of presetButtons) {
      button.setAttribute("aria-pressed", String(preset.images.value === state.images));
    }
    result.replaceChildren();
    if (measured === null) {
      result.dataset.hours = "";
      result.append(el(doc, "span", null, "Your person-hours for "), el(doc, "strong", null, formatCount(state.images)),
        el(doc, "span", null, " images appear here once your work has been timed."));
      resultSource.textContent = nSource();
    } else {
      const hours = personHours(measured, state.images);
      result.dataset.hours = String(hours);
      const count = el(doc, "strong", "scale-figure", formatCount(state.images));
      const total = el(doc, "strong", "scale-figure scale-hours", formatHours(hours));
      total.dataset.testid = "scale-hours";
      result.append(el(doc, "span", null, "At this pace, labelling "), count,
        el(doc, "span", null, " images like these would take "), total, el(doc, "span", null, " person-hours."));
      resultSource.textContent = `= ${formatDuration(measured)} per image (measured here) × ${formatCount(state.images)} `
        + `images ÷ 3,600 s per hour. ${nSource()}`;
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
    state() {
      return { images: state.images, msPerImage: measured,
        hours: measured === null ? null : personHours(measured, state.images) };
    },
  };
}
