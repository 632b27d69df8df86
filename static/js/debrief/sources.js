// What each number on the debrief is and where it comes from, for its "Source" dialog. Pure: plain objects
// {title, definition, how, source, confidence, url, urlText} from the room's report (its labour definitions are the
// ledger's, annotator/store/ledger/ DEFINITIONS), the scale-up presets and the pay settings, each of which carries
// its own source. The reference data names sources without web addresses; SOURCE_LINKS adds the addresses checked
// for this page (the papers' own pages), and a source with none says so rather than guess one.

import { formatCount } from "../common/format.js";

export const SOURCE_LINKS = [
  { match: /^Lin et al\./, url: "https://arxiv.org/abs/1405.0312", text: "arXiv 1405.0312 (the COCO paper)" },
  { match: /^Cordts et al\./,
    url: "https://www.cv-foundation.org/openaccess/content_cvpr_2016/html/Cordts_The_Cityscapes_Dataset_CVPR_2016_paper.html",
    text: "CVPR 2016 open-access page (the Cityscapes paper)" },
];

const NO_ADDRESS = "The reference figures name this source without a web address; it is cited as published.";

/** The checked web address of a published source, or null. */
export function linkFor(source) {
  const found = SOURCE_LINKS.find((link) => link.match.test(String(source ?? "")));
  return found ? { url: found.url, urlText: found.text } : { url: null, urlText: NO_ADDRESS };
}

function confidenceText(confidence) {
  return confidence === "secondary" ? "secondary source, not checked against the primary text" : confidence ?? "";
}

function measuredHere(ledgerUrl, field) {
  return { source: `Measured here: this room's labour ledger, recomputed from every recorded editor event (field ${field}).`,
    confidence: "measured", url: ledgerUrl, urlText: "The room's labour record as JSON" };
}

/** The dialog's content for the figure `key` (see page.js for the keys). */
export function sourceOf(key, { report, presets = [], settings = null, ledgerUrl = "" }) {
  const definitions = report?.definitions ?? {};
  const labour = (...names) => names.map((name) => definitions[name]).filter(Boolean).join(" ");
  switch (key) {
    case "person-hours":
      return { title: "Person-hours", definition: `${labour("active_ms")} ${labour("idle_threshold_ms")}`,
        how: "The room's active time (totals.active_ms: each person's active time, added up over people) ÷ 3,600,000 ms.",
        ...measuredHere(ledgerUrl, "totals.active_ms") };
    case "objects":
      return { title: "Objects outlined", definition: "Outlines drawn and saved in this room, each one object. "
        + `${labour("deleted")} Drawings cancelled before they were closed are not counted here.`,
      how: "Counted outline by outline (totals.polygons).", ...measuredHere(ledgerUrl, "totals.polygons") };
    case "vertices":
      return { title: "Vertices", definition: "The corners of those outlines as they are stored now, after every edit.",
        how: "Added up over every outline (totals.vertices).", ...measuredHere(ledgerUrl, "totals.vertices") };
    case "clicks":
      return { title: "Clicks", definition: labour("clicks"), how: "Added up over every outline (totals.clicks).",
        ...measuredHere(ledgerUrl, "totals.clicks") };
    case "class-pace":
      return { title: "Time per object, by class",
        definition: "Each outline's own time, averaged over the outlines of its class, deleted ones included. "
          + `An outline's time is draw + search + edit: ${labour("draw_ms", "search_ms", "edit_ms")}`,
        how: "The class's mean_ms (and median_ms beside it) in the labour report's classes.",
        ...measuredHere(ledgerUrl, "classes[].mean_ms") };
    case "pace":
      return { title: "The room's pace per object",
        definition: "All the room's active time (searching, cancelled drawings and looking around included) over the "
          + "outlines it left (live and closed): the receipt's “Scale it up” pace.",
        how: "totals.active_ms ÷ the live, closed outlines.", ...measuredHere(ledgerUrl, "totals.active_ms, polygons") };
    case "film":
      return { title: "The time-lapse",
        definition: "Every outline with a time on the server's clock, on the image it was drawn on: it appears at its "
          + "first vertex and grows until it was closed, then fills in its class's colour (deleted outlines dashed: "
          + "their labour was spent all the same). The vertices are spread evenly between those two moments. The "
          + "clock is the room's, on the server.",
        how: "first_ms and closed_at_ms of each outline in the labour report; shapes simplified for the screen.",
        ...measuredHere(ledgerUrl, "polygons[].first_ms, closed_at_ms") };
    default:
      return datasetSource(key, presets) ?? paySource(key, settings) ?? { title: key, definition: "", how: "",
        source: "", confidence: "", url: null, urlText: "" };
  }
}

function figureSource(figure) {
  return { source: figure.source, confidence: confidenceText(figure.confidence), ...linkFor(figure.source) };
}

function datasetSource(key, presets) {
  const match = /^(scale|published)-(.+)$/.exec(key);
  if (!match) return null;
  const list = (Array.isArray(presets) ? presets : presets?.presets) ?? [];
  const preset = list.find((item) => item.id === match[2]);
  if (!preset) return null;
  if (match[1] === "published") {
    const time = preset.time_per_image;
    return { title: `${preset.label}: published time`, definition: `Published: ${time.text}.`
      + (time.note ? ` ${time.note}` : ""),
    how: `${time.derivation ? `${time.derivation}. ` : ""}Person-hours = that time per image × ${preset.images.text}.`,
    ...figureSource(time) };
  }
  const objects = preset.objects_per_image;
  return { title: `${preset.label} at this room's pace`,
    definition: `The room's pace per object × ${objects.text} × ${preset.images.text}.`
      + (objects.note ? ` ${objects.note}.` : "") + (objects.lower_bound ? " So this is a lower bound." : ""),
    how: `pace × ${objects.value} objects per image${objects.derivation ? ` (${objects.derivation})` : ""} × `
      + `${formatCount(preset.images.value)} images ÷ 3,600,000 ms per hour. Images: ${preset.images.source} (`
      + `${confidenceText(preset.images.confidence)}).`,
    ...figureSource(objects) };
}

function paySource(key, settings) {
  const match = /^pay-(.+)$/.exec(key);
  const model = match ? settings?.pay_models?.[match[1]] : null;
  if (!model) return null;
  const extra = [model.derivation, model.note].filter(Boolean).join(" ");
  return { title: model.label, definition: `${model.value} ${model.currency} per ${model.unit} (${model.year}). `
    + "A piece rate pays the live, closed outlines (per polygon) or the images holding them (per image); an "
    + "hourly rate pays every hour of active time. The scaled datasets are paid on all their objects and images.",
  how: extra, ...figureSource(model) };
}
