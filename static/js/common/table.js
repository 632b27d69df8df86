// Tables for every page: a { columns, rows } table rendered as an HTML table with DOM calls only (every cell is
// textContent, never HTML), as CSV text, and as a CSV download link. Each column is { key, label?, format? }:
// `key` names the raw value in a row (what the CSV holds, under the key as header), `format(value, row)` the
// text the page shows for it. The document comes from the caller (the container's own), so nothing global is
// touched and a test can pass a fake one; Blob and URL likewise.

import { element } from "./dom.js";

/** Spreadsheet programs run cells starting with = + - @ (or a tab / carriage return) as formulas. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: text starting like a formula gets a leading apostrophe; quoted when it must be (RFC 4180). */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  let text;
  if (typeof value === "boolean") text = value ? "true" : "false";
  else if (typeof value === "number") text = Number.isFinite(value) ? String(value) : "";
  else {
    text = String(value);
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The table as CSV: a header of the columns' keys, then the raw values, lines ending in CRLF. */
export function toCsv(table) {
  const lines = [table.columns.map((column) => csvCell(column.key)).join(",")];
  for (const row of table.rows) lines.push(table.columns.map((column) => csvCell(row[column.key])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The text a cell shows: the column's format of the raw value, or the value as it is. */
export function cellText(column, row) {
  const value = row[column.key];
  if (column.format) return column.format(value, row);
  return value === null || value === undefined ? "" : String(value);
}

function isNumeric(column, rows) {
  return rows.some((row) => typeof row[column.key] === "number");
}

/**
 * A <table> of `table` in `doc`: a header row of labels and one row per data row. `caption` (optional) is
 * the table's caption; `testid` its data-testid. Numeric columns are marked (class "num") to align right;
 * a row with `deleted: true` gets the class "deleted".
 */
export function renderTable(doc, table, { caption = "", testid = "" } = {}) {
  const node = element(doc, "table", { className: "numbers", testid });
  if (caption) node.append(element(doc, "caption", { text: caption }));
  const numeric = table.columns.map((column) => (isNumeric(column, table.rows) ? "num" : ""));
  const head = element(doc, "thead");
  const headRow = element(doc, "tr");
  table.columns.forEach((column, index) => {
    headRow.append(element(doc, "th", { className: numeric[index], text: column.label ?? column.key,
      attrs: { scope: "col", "data-key": column.key } }));
  });
  head.append(headRow);
  const body = element(doc, "tbody");
  for (const row of table.rows) {
    const tr = element(doc, "tr", { className: row.deleted ? "deleted" : "" });
    table.columns.forEach((column, index) => {
      tr.append(element(doc, "td", { className: numeric[index], text: cellText(column, row),
        attrs: { "data-key": column.key } }));
    });
    body.append(tr);
  }
  if (table.rows.length === 0) {
    const tr = element(doc, "tr");
    tr.append(element(doc, "td", { className: "none", text: "Nothing recorded.",
      attrs: { colspan: String(table.columns.length) } }));
    body.append(tr);
  }
  node.append(head, body);
  return node;
}

/**
 * An <a download> link to the table's CSV, made from a Blob. Returns { link, revoke }: call revoke() when
 * the link is replaced, so the Blob is freed. `env` supplies Blob and URL (the browser's by default).
 */
export function csvLink(doc, table, fileName, { text = "Download CSV", testid = "download-csv", env = globalThis } = {}) {
  const blob = new env.Blob([toCsv(table)], { type: "text/csv;charset=utf-8" });
  const href = env.URL.createObjectURL(blob);
  const link = element(doc, "a", { className: "csv-link", text, testid, attrs: { download: fileName } });
  link.href = href;
  return { link, revoke: () => env.URL.revokeObjectURL(href) };
}
