// The keyboard shortcut overlay (opened with ?, closed with Escape, ? or a click outside the card); its rows
// are the keymap's (common/keymap.js), one per entry, in columns by group.

import { element } from "../common/dom.js";
import { GROUPS, KEYMAP, chordPieces } from "../common/keymap.js";

/** Fill `container` with one column per group: an <h3> and a <dl> of (keys, what they do) per entry. */
export function renderKeymap(container, keymap = KEYMAP) {
  const doc = container.ownerDocument;
  const columns = GROUPS.map((group) => {
    const list = element(doc, "dl");
    for (const entry of keymap.filter((item) => item.group === group)) {
      const keys = element(doc, "dt", { attrs: { "data-action": entry.action } });
      keys.append(...chordPieces(entry).map((piece) => (piece.key ? element(doc, "kbd", { text: piece.text }) : piece.text)));
      list.append(keys, element(doc, "dd", { text: entry.description }));
    }
    const column = element(doc, "div");
    column.append(element(doc, "h3", { text: group }), list);
    return column;
  });
  container.replaceChildren(...columns);
}

export class Help {
  constructor(element, { onToggle = () => {}, keymap = KEYMAP } = {}) {
    this.element = element;
    this.onToggle = onToggle;
    this.returnFocus = null;
    renderKeymap(element.querySelector(".help-columns"), keymap);
    element.addEventListener("click", (event) => {
      if (event.target === element || event.target.id === "help-close") this.toggle(false);
    });
  }

  get open() {
    return !this.element.hidden;
  }

  toggle(open = !this.open) {
    if (open === this.open) return;
    if (open) this.returnFocus = document.activeElement;
    this.element.hidden = !open;
    if (open) this.element.querySelector("#help-close").focus({ preventScroll: true });
    else if (this.returnFocus && this.returnFocus.focus) this.returnFocus.focus({ preventScroll: true });
    this.onToggle(open);
  }
}
