// The keyboard shortcut overlay (opened with ?, closed with Escape, ? or a click outside the card); its rows
// are the keymap's (common/keymap.js), one per entry, in columns by group.

import { GROUPS, KEYMAP, chordPieces } from "../common/keymap.js";

/** Fill `container` with one column per group: an <h3> and a <dl> of (keys, what they do) per entry. */
export function renderKeymap(container, keymap = KEYMAP) {
  const columns = GROUPS.map((group) => {
    const heading = document.createElement("h3");
    heading.textContent = group;
    const list = document.createElement("dl");
    for (const entry of keymap.filter((item) => item.group === group)) {
      const keys = document.createElement("dt");
      keys.dataset.action = entry.action;
      for (const piece of chordPieces(entry)) {
        if (!piece.key) {
          keys.append(document.createTextNode(piece.text));
          continue;
        }
        const cap = document.createElement("kbd");
        cap.textContent = piece.text;
        keys.append(cap);
      }
      const does = document.createElement("dd");
      does.textContent = entry.description;
      list.append(keys, does);
    }
    const column = document.createElement("div");
    column.append(heading, list);
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
