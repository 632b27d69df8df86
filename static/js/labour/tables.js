// Tables of numbers for the labour dashboard: a { columns, rows } table (see charts.js) rendered as an HTML
// table with DOM calls only (every cell is textContent, never HTML), as CSV text, and as a download link.
// The document comes from the caller (the container's own), so nothing global is touched and a test can
// pass a fake one; Blob and URL likewise.

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
  const element = doc.createElement("table");
  element.className = "numbers";
  if (testid) element.setAttribute("data-testid", testid);
  if (caption) {
    const captionElement = doc.createElement("caption");
    captionElement.textContent = caption;
    element.append(captionElement);
  }
  const numeric = table.columns.map((column) => isNumeric(column, table.rows));
  const head = doc.createElement("thead");
  const headRow = doc.createElement("tr");
  table.columns.forEach((column, index) => {
    const cell = doc.createElement("th");
    cell.setAttribute("scope", "col");
    cell.setAttribute("data-key", column.key);
    if (numeric[index]) cell.className = "num";
    cell.textContent = column.label ?? column.key;
    headRow.append(cell);
  });
  head.append(headRow);
  const body = doc.createElement("tbody");
  for (const row of table.rows) {
    const tr = doc.createElement("tr");
    if (row.deleted) tr.className = "deleted";
    table.columns.forEach((column, index) => {
      const cell = doc.createElement("td");
      cell.setAttribute("data-key", column.key);
      if (numeric[index]) cell.className = "num";
      cell.textContent = cellText(column, row);
      tr.append(cell);
    });
    body.append(tr);
  }
  if (table.rows.length === 0) {
    const tr = doc.createElement("tr");
    const cell = doc.createElement("td");
    cell.setAttribute("colspan", String(table.columns.length));
    cell.className = "none";
    cell.textContent = "Nothing recorded.";
    tr.append(cell);
    body.append(tr);
  }
  element.append(head, body);
  return element;
}

/**
 * An <a download> link to the table's CSV, made from a Blob. Returns { link, revoke }: call revoke() when
 * the link is replaced, so the Blob is freed. `env` supplies Blob and URL (the browser's by default).
 */
export function csvLink(doc, table, fileName, { text = "Download CSV", testid = "download-csv", env = globalThis } = {}) {
  const blob = new env.Blob([toCsv(table)], { type: "text/csv;charset=utf-8" });
  const href = env.URL.createObjectURL(blob);
  const link = doc.createElement("a");
  link.href = href;
  link.setAttribute("download", fileName);
  link.className = "csv-link";
  if (testid) link.setAttribute("data-testid", testid);
  link.textContent = text;
  return { link, revoke: () => env.URL.revokeObjectURL(href) };
}
