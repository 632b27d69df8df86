// The export page: the summary of what the chosen options export, then the streamed download with a progress
// bar, then the report of anything the file could not carry as asked.
import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { NONE } from "../common/format.js";
import { ExportProgress, downloadName, exportRequest, megabytes, reportOf } from "./model.js";

const api = makeApi();
const form = document.getElementById("export-form");
const $ = (id) => document.getElementById(id);
let latest = 0; // answers to older previews are dropped
let preview = null;

function values() {
  const data = new FormData(form);
  return {
    segmentation: data.get("segmentation"), images: data.get("images"), image_ids: data.get("image_ids") || "",
    annotators: data.get("annotators"), person: data.get("person") || "", labour: data.has("labour"),
    zip: data.has("zip"), masks: data.has("masks"),
  };
}

function show(testid, value) {
  document.querySelector(`[data-testid="${testid}"]`).textContent = value;
}

async function refreshSummary() {
  const asked = ++latest;
  const request = exportRequest(values());
  $("export-start").disabled = true;
  try {
    const { body } = await api("GET", request.preview);
    if (asked !== latest) return;
    preview = { ...body, request };
    show("export-images", body.images);
    show("export-outlines", body.outlines);
    show("export-people", body.people);
    show("export-classes", body.classes);
    $("export-problem").textContent = "";
    $("export-start").disabled = false;
  } catch (error) {
    if (asked !== latest) return;
    preview = null;
    for (const name of ["images", "outlines", "people", "classes"]) show(`export-${name}`, NONE);
    $("export-problem").textContent = error.detail;
  }
}

function saveAs(blob, name) {
  const link = element(document, "a", { attrs: { download: name } });
  link.href = URL.createObjectURL(blob);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function showReport(request, text) {
  const summary = $("export-report-summary");
  const list = $("export-report-notes");
  list.replaceChildren();
  if (request.kind !== "json") {
    summary.textContent = request.kind === "zip"
      ? "Saved. The report of anything the export could not carry as asked is in annotations.json, under \"report\"."
      : "Saved: label maps, class list and image list.";
    return;
  }
  const report = reportOf(text);
  summary.textContent = `Saved ${report.images} image(s) and ${report.annotations} outline(s). ` + (report.notes.length
    ? `${report.notes.length} note(s) about what the file could not carry as asked:` : "Nothing was lost on the way.");
  for (const note of report.notes.slice(0, 200)) {
    const about = note.annotation_id != null ? `outline ${note.annotation_id}: `
      : note.image_id != null ? `image ${note.image_id}: ` : "";
    list.append(element(document, "li", { text: `${about}${note.message}` }));
  }
}

async function startExport() {
  if (!preview) return;
  const request = preview.request;
  const progress = new ExportProgress({ kind: request.kind, outlines: preview.outlines, imageBytes: preview.image_bytes });
  $("export-start").disabled = true;
  $("export-report").hidden = true;
  $("export-progress").hidden = false;
  const bar = $("export-bar");
  const label = $("export-progress-text");
  try {
    const { body: response } = await api("GET", request.url, undefined, { as: "response" }); // read as it comes
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parts = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      const piece = request.kind === "json" ? decoder.decode(value, { stream: true }) : "";
      text += piece;
      progress.add(value.byteLength, piece);
      bar.value = progress.fraction;
      label.textContent = progress.text;
    }
    bar.value = 1;
    label.textContent = `Done: ${megabytes(progress.bytes)}`;
    const type = request.kind === "json" ? "application/json" : "application/zip";
    saveAs(new Blob(parts, { type }), downloadName(response.headers.get("Content-Disposition"),
      request.kind === "json" ? "annotator-coco.json" : "annotator-export.zip"));
    showReport(request, text);
    $("export-report").hidden = false;
  } catch (error) {
    label.textContent = `The export stopped: ${error.message}`;
  } finally {
    $("export-start").disabled = false;
  }
}

form.addEventListener("input", refreshSummary);
form.addEventListener("submit", (event) => event.preventDefault());
$("export-start").addEventListener("click", startExport);
refreshSummary();
