// The pages' one DOM helper (static/js/common/dom.js), on the fake document the labour tests use.
import assert from "node:assert/strict";
import test from "node:test";

import { element } from "../../static/js/common/dom.js";
import { fakeDocument } from "./fake_dom.mjs";

test("an element with its class, text, test id and attributes", () => {
  const doc = fakeDocument();
  const node = element(doc, "button", { className: "toggle open", text: "Show numbers", testid: "toggle-numbers",
    attrs: { type: "button", "aria-expanded": false } });
  assert.equal(node.tagName, "button");
  assert.equal(node.ownerDocument, doc);
  assert.equal(node.className, "toggle open");
  assert.equal(node.textContent, "Show numbers");
  assert.equal(node.getAttribute("data-testid"), "toggle-numbers");
  assert.equal(node.dataset.testid, "toggle-numbers");
  assert.equal(node.getAttribute("type"), "button");
  assert.equal(node.getAttribute("aria-expanded"), "false");
});

test("with nothing but a tag: a bare element", () => {
  const node = element(fakeDocument(), "tbody");
  assert.equal(node.className, "");
  assert.equal(node.textContent, "");
  assert.deepEqual(node.attributes, {});
});

test("any text but null or undefined is shown, numbers included: 0 is 0", () => {
  const doc = fakeDocument();
  assert.equal(element(doc, "td", { text: 0 }).textContent, "0");
  assert.equal(element(doc, "td", { text: 12.5 }).textContent, "12.5");
  assert.equal(element(doc, "td", { text: false }).textContent, "false");
  assert.equal(element(doc, "td", { text: null }).textContent, "");
  assert.equal(element(doc, "td", { text: undefined }).textContent, "");
});

test("markup in a name stays text: nothing is parsed as HTML", () => {
  const evil = '<img src=x onerror="window.__pwned=1">';
  const node = element(fakeDocument(), "span", { text: evil, attrs: { title: evil } });
  assert.equal(node.textContent, evil);
  assert.equal(node.children.length, 0);
  assert.equal(node.getAttribute("title"), evil);
});

test("no page keeps a DOM helper of its own, and none sets innerHTML", async () => {
  const { readdirSync, readFileSync } = await import("node:fs");
  const root = new URL("../../static/js/", import.meta.url);
  const files = readdirSync(root, { recursive: true }).filter((name) => name.endsWith(".js"));
  assert.ok(files.length > 30);
  for (const name of files) {
    const source = readFileSync(new URL(name, root), "utf8");
    if (name !== "common/dom.js") assert.doesNotMatch(source, /function (el|element)\(/, name);
    assert.doesNotMatch(source, /\.innerHTML\s*=|insertAdjacentHTML|outerHTML\s*=/, name);
  }
});
