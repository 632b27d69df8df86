// The side panel's Flag section, for the selected polygon of one's own: "None of the classes fits" or
// "Unsure", a reason, and for "none fits" a new class to propose (name and definition). Saving goes through
// `actions.saveFlag`, which makes it an undoable edit saved like any other; a flag the instructor has decided
// shows the decision, read-only. Every text is set as text, never as HTML.

import { FLAG_KINDS, resolutionText } from "./flags.js";
import { isMine } from "./layers.js";

export class FlagPanel {
  constructor(root, { store, actions }) {
    this.store = store;
    this.actions = actions;
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      section: $("flag-panel"), form: $("flag-form"), kind: $("flag-kind"), reason: $("flag-reason"),
      propose: $("flag-propose"), proposalName: $("proposal-name"), proposalDefinition: $("proposal-definition"),
      proposalLinked: $("proposal-linked"), save: $("flag-save"), message: $("flag-message"),
      decided: $("flag-decided"), current: $("flag-current"),
    };
    this.shown = { id: null, flag: "null" }; // what the fields were last filled from
    this.busy = false;
    this.bind();
  }

  bind() {
    const { el } = this;
    el.kind.addEventListener("change", () => this.showProposal());
    el.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = this.shown.id;
      if (!id || this.busy) return;
      this.busy = true;
      el.save.disabled = true;
      el.message.dataset.level = "info";
      el.message.textContent = "Saving…";
      const proposal = el.kind.value === "none_fits" && el.proposalName.value.trim()
        ? { name: el.proposalName.value.trim(), definition: el.proposalDefinition.value.trim() } : null;
      let answer;
      try {
        answer = await this.actions.saveFlag(id, { kind: el.kind.value, reason: el.reason.value }, proposal);
      } finally {
        this.busy = false;
        el.save.disabled = false;
      }
      el.message.dataset.level = answer.ok ? "info" : "error";
      el.message.textContent = answer.message;
      if (answer.ok) {
        el.proposalName.value = "";
        el.proposalDefinition.value = "";
        this.show(true);
        this.actions.focusStage();
      }
    });
  }

  /** Follow the selection (and its flag, when undo or the server changes it). `force` refills the fields. */
  show(force = false) {
    const { el } = this;
    const annotation = this.store.selected;
    if (!annotation || !isMine(annotation)) {
      el.section.hidden = true;
      this.shown = { id: null, flag: "null" };
      return;
    }
    el.section.hidden = false;
    const flag = annotation.flag || null;
    const key = JSON.stringify(flag);
    const sameAnnotation = this.shown.id === annotation.clientId;
    if (!sameAnnotation) el.message.textContent = "";
    if (sameAnnotation && this.shown.flag === key && !force) return; // keep what the person is typing
    this.shown = { id: annotation.clientId, flag: key };
    el.current.textContent = flag ? FLAG_KINDS[flag.kind] : "";
    if (flag && flag.resolution) {
      // The instructor's decision: shown, not editable.
      el.form.hidden = true;
      el.decided.hidden = false;
      const why = flag.reason ? ` (“${flag.reason}”)` : "";
      el.decided.textContent = `${FLAG_KINDS[flag.kind]}${why}. Decided: the instructor ${resolutionText(flag.resolution)}.`;
      return;
    }
    el.form.hidden = false;
    el.decided.hidden = true;
    el.kind.value = flag ? flag.kind : "";
    el.reason.value = flag ? flag.reason : "";
    el.proposalLinked.textContent = flag && flag.proposal_id
      ? `Linked to proposal no. ${flag.proposal_id}.` : "";
    this.showProposal();
  }

  showProposal() {
    const { el } = this;
    const annotation = this.store.get(this.shown.id);
    const linked = Boolean(annotation && annotation.flag && annotation.flag.proposal_id);
    el.propose.hidden = el.kind.value !== "none_fits" || linked;
    el.proposalLinked.hidden = el.kind.value !== "none_fits" || !linked;
    el.reason.placeholder = el.kind.value ? "Why? (optional)" : "Pick a flag first";
    el.reason.disabled = !el.kind.value;
  }
}
