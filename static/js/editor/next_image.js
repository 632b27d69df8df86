// Workshop mode: "Next image" saves everything first, then asks the server which image is next; and the
// "Image k of n" line, from the server's record of what the person was given. Never leaves unsaved work
// behind: if the server cannot be reached, the person stays on this image and is told.

import { keyOf } from "./key_names.js";

export class NextImage {
  /**
   * api; sync (the saver); labourKeeper; imageId; ready() and drawing(): whether the editor has started and a
   * polygon is being drawn; tell(text, level): the toolbar's message line; button, status, progress: the
   * page's elements; open(url): open a page (window.location.assign).
   */
  constructor({ api, sync, labourKeeper, imageId, ready, drawing, tell, button, status, progress, open }) {
    Object.assign(this, { api, sync, labourKeeper, imageId, ready, drawing, tell, button, status, progress, open });
    this.leaving = false;
  }

  async go(via) {
    if (this.leaving || !this.ready()) return;
    if (this.drawing()) {
      this.tell(`Close the polygon you are drawing (${keyOf("closePolygon")}) or cancel it (${keyOf("cancelPolygon")}) first.`,
        "warn");
      return;
    }
    this.leaving = true;
    this.button.disabled = true;
    this.status.textContent = "Saving…";
    try {
      await this.leave(via);
    } finally {
      this.leaving = false;
      this.button.disabled = false;
    }
  }

  async leave(via) {
    const { status } = this;
    if (!(await this.sync.whenSaved())) {
      status.textContent = "";
      this.tell("Not everything is saved: the server cannot be reached. Staying on this image; your work "
        + "is kept in this browser and sent when it can be. Try Next image again then.", "error");
      return;
    }
    this.labourKeeper.save();
    await this.sync.flushEvents();
    let answer;
    try {
      answer = (await this.api("POST", "/api/workshop/next", { current: this.imageId })).body;
    } catch (error) {
      if (!error || error.status === undefined) throw error;
      status.textContent = "";
      this.tell(`No next image: ${error.detail}`, "error");
      return;
    }
    if (answer.url) {
      status.textContent = "Opening the next image…";
      this.open(answer.url);
      return;
    }
    if (answer.finished_url) { // all done: the page with the person's figures and the way to the receipt
      this.open(answer.finished_url);
      return;
    }
    status.textContent = answer.message || "You have done all your images: thank you!";
    if (via === "key") this.tell(status.textContent);
  }

  /** "Image k of n" for a workshop participant; nothing on a server without a workshop. */
  async showProgress() {
    let answer;
    try {
      answer = (await this.api("GET", "/api/workshop")).body;
    } catch (error) {
      return;
    }
    if (!answer || !answer.workshop_mode || !answer.me || !answer.images) return;
    const finished = (answer.me.assigned || []).filter((item) => item.finished && item.image_id !== this.imageId).length;
    this.progress.textContent = `Image ${Math.min(finished + 1, answer.images)} of ${answer.images}`;
    this.progress.hidden = false;
  }
}
