// The overview in the side panel: the whole image with a frame round the part on screen.
// Clicking or dragging in it moves the view there.

export class Navigator {
  constructor(root, { image, view, onCentre }) {
    this.root = root;
    this.frame = root.querySelector("#navigator-view");
    this.image = image; // {width, height}
    this.view = view;
    this.onCentre = onCentre; // (x, y) in image pixels
    this.dragging = false;
    root.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      this.dragging = true;
      root.setPointerCapture(event.pointerId);
      this.centreAt(event);
    });
    root.addEventListener("pointermove", (event) => {
      if (this.dragging) this.centreAt(event);
    });
    const stop = () => {
      this.dragging = false;
    };
    root.addEventListener("pointerup", stop);
    root.addEventListener("pointercancel", stop);
  }

  centreAt(event) {
    const rect = this.root.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * this.image.width;
    const y = ((event.clientY - rect.top) / rect.height) * this.image.height;
    this.onCentre(x, y);
  }

  update(viewportWidth, viewportHeight) {
    const visible = this.view.visibleRect(viewportWidth, viewportHeight);
    const { width, height } = this.image;
    const left = Math.max(0, visible.x / width);
    const top = Math.max(0, visible.y / height);
    const right = Math.min(1, (visible.x + visible.width) / width);
    const bottom = Math.min(1, (visible.y + visible.height) / height);
    const style = this.frame.style;
    style.left = `${left * 100}%`;
    style.top = `${top * 100}%`;
    style.width = `${Math.max(0, right - left) * 100}%`;
    style.height = `${Math.max(0, bottom - top) * 100}%`;
    this.frame.hidden = right <= left || bottom <= top;
  }
}
