// A small fake DOM for the labour pages' modules: just the calls they make (each takes its document from its
// container). Text only: there is no HTML parser, so markup in a value can only ever end up as text.
export class FakeElement {
  constructor(doc, tagName) {
    Object.assign(this, { ownerDocument: doc, tagName, children: [], parent: null, attributes: {}, dataset: {},
      style: {}, listeners: {}, ownText: "", className: "", hidden: false, value: "", checked: false,
      disabled: false });
  }
  append(...nodes) {
    for (const node of nodes) {
      if (node.parent) node.remove();
      node.parent = this;
      this.children.push(node);
    }
  }
  replaceChildren(...nodes) {
    for (const child of this.children) child.parent = null;
    this.children = [];
    this.ownText = "";
    this.append(...nodes);
  }
  remove() {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
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
    // As in a browser, a data-* attribute is also in dataset (data-test-id -> dataset.testId).
    if (name.startsWith("data-")) {
      this.dataset[name.slice(5).replace(/-([a-z])/g, (_, letter) => letter.toUpperCase())] = String(value);
    }
  }
  getAttribute(name) { return this.attributes[name] ?? null; }
  addEventListener(type, listener) { (this.listeners[type] ??= []).push(listener); }
  fire(type) {
    const event = { type, target: this, preventDefault() {} };
    return Promise.all((this.listeners[type] ?? []).map((listener) => listener(event)));
  }
}

export function fakeDocument() {
  const doc = { createElement: (tag) => new FakeElement(doc, tag) };
  return doc;
}

export function descendants(node) {
  return node.children.flatMap((child) => [child, ...descendants(child)]);
}
