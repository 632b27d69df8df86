// The export page's pure parts: the query the form asks for, and progress read from the streamed file.

import { formatNumber } from "../common/format.js";

/** Bytes as megabytes with one decimal: "1,234.5 MB". */
export function megabytes(bytes) {
  return `${formatNumber(bytes / 1e6, { digits: 1 })} MB`;
}

/** The export's address and preview address from the form's values (plain strings and booleans). */
export function exportRequest(values) {
  const params = new URLSearchParams();
  const images = values.images === "ids" ? values.image_ids.trim() : values.images;
  const annotators = values.annotators === "person" ? values.person.trim() : values.annotators;
  params.set("images", images || "all");
  params.set("annotators", annotators || "everyone");
  if (values.masks) {
    return { url: `/api/export/masks.zip?${params}`, preview: `/api/export/preview?${params}`, kind: "masks" };
  }
  params.set("segmentation", values.segmentation);
  if (values.labour) params.set("labour", "true");
  if (values.zip) params.set("zip", "true");
  const query = params.toString();
  return { url: `/api/export/coco?${query}`, preview: `/api/export/preview?${query}`, kind: values.zip ? "zip" : "json" };
}

const NEEDLE = '"segmentation"';

/**
 * Progress of a streamed export. A COCO file writes one "segmentation" key per outline, in order, so counting
 * them as the text arrives says how many outlines have been written; a ZIP is measured by its bytes against
 * the image files' bytes plus an estimate of the annotations.
 */
export class ExportProgress {
  constructor({ kind, outlines, imageBytes }) {
    this.kind = kind;
    this.outlines = outlines;
    this.expectedBytes = imageBytes + outlines * 400 + 2048;
    this.bytes = 0;
    this.written = 0;
    this.tail = "";
  }

  /** Account for one chunk: its byte length, and its decoded text for a JSON file. */
  add(byteLength, text = "") {
    this.bytes += byteLength;
    if (this.kind !== "json" || !text) return;
    const joined = this.tail + text;
    let at = joined.indexOf(NEEDLE);
    while (at !== -1) {
      this.written += 1;
      at = joined.indexOf(NEEDLE, at + NEEDLE.length);
    }
    // A key cut between two chunks is found whole next time; one found whole is never counted twice.
    const keep = NEEDLE.length - 1;
    const lastWhole = joined.lastIndexOf(NEEDLE);
    const cut = Math.max(joined.length - keep, lastWhole === -1 ? 0 : lastWhole + NEEDLE.length);
    this.tail = joined.slice(cut);
  }

  /** 0..1 for the bar. */
  get fraction() {
    if (this.kind === "json") return this.outlines ? Math.min(1, this.written / this.outlines) : 0;
    return Math.min(0.99, this.bytes / this.expectedBytes);
  }

  /** What the bar says. */
  get text() {
    if (this.kind === "json") {
      return `${Math.min(this.written, this.outlines)} of ${this.outlines} outlines written (${megabytes(this.bytes)})`;
    }
    return `${megabytes(this.bytes)} of about ${megabytes(this.expectedBytes)}`;
  }
}

/** The report of a finished COCO file: the notes about what it could not carry as asked. */
export function reportOf(cocoText) {
  const data = JSON.parse(cocoText);
  const notes = Array.isArray(data.report) ? data.report : [];
  const counts = (data.info && data.info.counts) || {};
  return { notes, images: counts.images ?? data.images.length, annotations: counts.annotations ?? data.annotations.length };
}

/** The file name the server gave in Content-Disposition, or a fallback. */
export function downloadName(disposition, fallback) {
  const found = /filename="([^"]+)"/.exec(disposition || "");
  return found ? found[1] : fallback;
}
