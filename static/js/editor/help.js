// The keyboard shortcut overlay (opened with ?, closed with Escape, ? or a click outside the card).

export class Help {
  constructor(element, { onToggle = () => {} } = {}) {
    this.element = element;
    this.onToggle = onToggle;
    this.returnFocus = null;
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
