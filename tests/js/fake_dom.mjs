// A small fake DOM for the pages' modules under node: the calls they make (most take their document from
// their container), and the node tree calls Preact makes (the pay panel's view: createElementNS,
// createTextNode, insertBefore, childNodes, nextSibling, removeAttribute...; it uses the global `document`, so
// its tests install one with useAsGlobalDocument). Text only: there is no HTML parser, so markup in a value
// can only ever end up as text.

const HTML = "http://www.w3.org/1999/xhtml";
// Attributes a browser reflects as properties of the same name, that the tests read back.
const REFLECTED = new Set(["type", "name", "id", "min", "step"]);
// Event handler properties: Preact names an event from these ("onChange" -> "change" since "onchange" is one).
const EVENT_PROPERTIES = Object.fromEntries(["change", "input", "click", "submit", "keydown"].map((type) => [`on${type}`, null]));

class FakeNode {
  get parentNode() { return this.parent; }
  get nextSibling() {
    if (!this.parent) return null;
    const siblings = this.parent.children;
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }
  remove() {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
}

/** A text node: its text (`data`, as Preact sets it) and a place among its parent's children. */
export class FakeText extends FakeNode {
  constructor(doc, text) {
    super();
    Object.assign(this, { ownerDocument: doc, data: String(text), parent: null, children: [], dataset: {},
      className: "", tagName: "#text", nodeType: 3 });
  }
  get textContent() { return this.data; }
  set textContent(text) { this.data = String(text); }
}

export class FakeElement extends FakeNode {
  constructor(doc, tagName, namespaceURI = HTML) {
    super();
    const style = { setProperty(name, value) { this[name] = value; } };
    Object.defineProperty(style, "setProperty", { enumerable: false });
    Object.assign(this, { ownerDocument: doc, tagName, localName: tagName, namespaceURI, nodeType: 1, children: [],
      parent: null, attributes: {}, dataset: {}, style, listeners: {}, ownText: "", className: "", hidden: false,
      value: "", checked: false, disabled: false, ...EVENT_PROPERTIES });
  }
  get childNodes() { return this.children; }
  get firstChild() { return this.children[0] ?? null; }
  append(...items) {
    // As in a browser, a string is appended as a text node.
    for (const item of items) this.insertBefore(typeof item === "string" ? new FakeText(this.ownerDocument, item) : item, null);
  }
  appendChild(node) { return this.insertBefore(node, null); }
  insertBefore(node, before) {
    if (node.parent) node.remove();
    node.parent = this;
    const at = before ? this.children.indexOf(before) : -1;
    if (at < 0) this.children.push(node);
    else this.children.splice(at, 0, node);
    return node;
  }
  removeChild(node) {
    node.remove();
    return node;
  }
  replaceChildren(...nodes) {
    for (const child of this.children) child.parent = null;
    this.children = [];
    this.ownText = "";
    this.append(...nodes);
  }
  get textContent() {
    return this.ownText + this.children.map((child) => child.textContent).join("");
  }
  set textContent(text) {
    this.replaceChildren();
    this.ownText = String(text);
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
    if (name === "class") this.className = String(value);
    if (REFLECTED.has(name)) this[name] = String(value);
    // As in a browser, a data-* attribute is also in dataset (data-test-id -> dataset.testId).
    if (name.startsWith("data-")) this.dataset[datasetKey(name)] = String(value);
  }
  removeAttribute(name) {
    delete this.attributes[name];
    if (name === "class") this.className = "";
    if (name.startsWith("data-")) delete this.dataset[datasetKey(name)];
  }
  getAttribute(name) { return this.attributes[name] ?? null; }
  addEventListener(type, listener) { (this.listeners[type] ??= []).push(listener); }
  removeEventListener(type, listener) {
    this.listeners[type] = (this.listeners[type] ?? []).filter((known) => known !== listener);
  }
  /** Dispatch an event of `type` at this element (listeners called with it as `this`, as a browser does). */
  fire(type) {
    const event = { type, target: this, currentTarget: this, preventDefault() {} };
    return Promise.all((this.listeners[type] ?? []).map((listener) => listener.call(this, event)));
  }
}

function datasetKey(attribute) {
  return attribute.slice(5).replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
}

export function fakeDocument() {
  const doc = {
    createElement: (tag) => new FakeElement(doc, tag),
    createElementNS: (namespace, tag) => new FakeElement(doc, tag, namespace),
    createTextNode: (text) => new FakeText(doc, text),
  };
  doc.documentElement = doc.createElement("html");
  return doc;
}

/** Make `doc` the global `document` (what Preact creates nodes with) until the returned function is called. */
export function useAsGlobalDocument(doc) {
  const before = globalThis.document;
  globalThis.document = doc;
  return () => {
    if (before === undefined) delete globalThis.document;
    else globalThis.document = before;
  };
}

export function descendants(node) {
  return node.children.flatMap((child) => [child, ...descendants(child)]);
}
