import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { cellText, csvCell, csvLink, renderTable, toCsv } from "../../static/js/common/table.js";

const SOURCE = readFileSync(new URL("../../static/js/common/table.js", import.meta.url), "utf8");

// A small fake DOM: just the calls the tables make. textContent is plain text; there is no HTML parser at all,
// so markup in a value can only ever end up as text.
class FakeElement {
  constructor(tagName) {
    Object.assign(this, { tagName, children: [], attributes: {}, className: "", ownText: "", href: "" });
  }
  append(...nodes) {
    this.children.push(...nodes);
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  getAttribute(name) {
    return this.attributes[name] ?? null;
  }
  get textContent() {
    return this.ownText + this.children.map((child) => child.textContent).join("");
  }
  set textContent(text) {
    this.children = [];
    this.ownText = String(text);
  }
  set innerHTML(_) {
    throw new Error("innerHTML must not be used");
  }
  all(tagName) {
    const found = [];
    for (const child of this.children) {
      if (child.tagName === tagName) found.push(child);
      found.push(...child.all(tagName));
    }
    return found;
  }
}

const fakeDocument = { createElement: (tagName) => new FakeElement(tagName) };

const TABLE = {
  columns: [
    { key: "category", label: "Class" },
    { key: "seconds", label: "Seconds", format: (value) => value.toFixed(1) },
    { key: "deleted", label: "Deleted", format: (value) => (value ? "yes" : "") },
  ],
  rows: [
    { category: "car", seconds: 7, deleted: false },
    { category: '<img src=x onerror="alert(1)">', seconds: 40.25, deleted: true },
  ],
};

test("CSV cells starting like a formula get a leading apostrophe", () => {
  for (const start of ["=", "+", "-", "@"]) assert.equal(csvCell(`${start}SUM(A1)`), `'${start}SUM(A1)`);
  assert.equal(csvCell("\tx"), "'\tx");
  assert.equal(csvCell("car"), "car");
  assert.equal(csvCell("a=b"), "a=b");
  assert.equal(csvCell(-1.5), "-1.5"); // a number is a number, not a formula
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(undefined), "");
  assert.equal(csvCell(true), "true");
  assert.equal(csvCell(Number.NaN), "");
});

test("CSV cells with commas, quotes or line breaks are quoted", () => {
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell("two\nlines"), '"two\nlines"');
  assert.equal(csvCell('=HYPERLINK("x","y")'), `"'=HYPERLINK(""x"",""y"")"`);
});

test("the CSV has the columns' keys as header and the raw values, CRLF lines", () => {
  const text = toCsv(TABLE);
  assert.equal(text, 'category,seconds,deleted\r\ncar,7,false\r\n"<img src=x onerror=""alert(1)"">",40.25,true\r\n');
  assert.equal(toCsv({ columns: TABLE.columns, rows: [] }), "category,seconds,deleted\r\n");
});

test("a table is rendered with DOM calls, every value as text", () => {
  const table = renderTable(fakeDocument, TABLE, { caption: "Classes", testid: "numbers-table" });
  assert.equal(table.tagName, "table");
  assert.equal(table.getAttribute("data-testid"), "numbers-table");
  assert.equal(table.all("caption")[0].textContent, "Classes");
  assert.deepEqual(table.all("th").map((th) => th.textContent), ["Class", "Seconds", "Deleted"]);
  const rows = table.all("tbody")[0].all("tr");
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[1].all("td").map((td) => td.textContent), ['<img src=x onerror="alert(1)">', "40.3", "yes"]);
  assert.equal(rows[1].className, "deleted");
  assert.equal(rows[0].className, "");
  assert.deepEqual(rows[0].all("td").map((td) => td.getAttribute("data-key")), ["category", "seconds", "deleted"]);
  assert.equal(table.all("th")[1].className, "num");
  assert.equal(table.all("th")[0].className, "");
});

test("an empty table says so instead of showing nothing", () => {
  const table = renderTable(fakeDocument, { columns: TABLE.columns, rows: [] });
  const cells = table.all("td");
  assert.equal(cells.length, 1);
  assert.equal(cells[0].getAttribute("colspan"), "3");
  assert.match(cells[0].textContent, /Nothing recorded/);
});

test("cell text falls back to the raw value, and to nothing for a missing one", () => {
  assert.equal(cellText({ key: "a" }, { a: 3 }), "3");
  assert.equal(cellText({ key: "a" }, {}), "");
});

test("the download link carries the CSV as a Blob, a download file name, and can be revoked", async () => {
  const made = [];
  const revoked = [];
  const env = {
    Blob: globalThis.Blob,
    URL: {
      createObjectURL: (blob) => {
        made.push(blob);
        return `blob:fake/${made.length}`;
      },
      revokeObjectURL: (href) => revoked.push(href),
    },
  };
  const { link, revoke } = csvLink(fakeDocument, TABLE, "labour-classes.csv", { env });
  assert.equal(link.tagName, "a");
  assert.equal(link.href, "blob:fake/1");
  assert.equal(link.getAttribute("download"), "labour-classes.csv");
  assert.equal(link.getAttribute("data-testid"), "download-csv");
  assert.equal(link.textContent, "Download CSV");
  assert.equal(made[0].type, "text/csv;charset=utf-8");
  assert.equal(await made[0].text(), toCsv(TABLE));
  revoke();
  assert.deepEqual(revoked, ["blob:fake/1"]);
});

test("table.js never writes HTML", () => {
  assert.doesNotMatch(SOURCE, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});
