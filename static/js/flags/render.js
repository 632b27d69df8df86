// The flags page's DOM: flag cards, proposal cards and the instructor's decision controls. Every name, reason
// and definition goes in as textContent; nothing from the server is ever parsed as HTML.

import { element } from "../common/dom.js";
import { KIND_TEXT, decisionClasses, personText, proposalStatusText, resolutionText } from "./model.js";

function swatch(doc, colour) {
  const mark = element(doc, "span", { className: "swatch", attrs: { "aria-hidden": "true" } });
  if (colour) mark.style.background = colour;
  return mark;
}

function classSelect(doc, classes, testid, label) {
  const select = element(doc, "select", { testid, attrs: { "aria-label": label } });
  select.append(element(doc, "option", { text: "Choose a class…", attrs: { value: "" } }));
  for (const category of classes) {
    select.append(element(doc, "option", { text: category.name, attrs: { value: String(category.id) } }));
  }
  return select;
}

function fact(doc, term, value, testid) {
  const row = element(doc, "div", { className: "flag-fact" });
  row.append(element(doc, "dt", { text: term }), element(doc, "dd", { text: value, testid }));
  return row;
}

/** One flagged outline: its crop, what the person said, and (for the instructor, while open) "resolve to". */
export function flagCard(doc, flag, { instructor, categories, onResolve }) {
  const card = element(doc, "article", {
    className: `flag-card ${flag.resolution === null ? "is-open" : "is-decided"}`, testid: "flag-card",
    attrs: { "data-annotation-id": String(flag.id), "data-resolution": flag.resolution ?? "open" },
  });
  const picture = element(doc, "img", {
    className: "flag-thumb", attrs: { src: flag.thumbnail_url, alt: `The outline on ${flag.image_file_name}`,
      loading: "lazy", width: "240", height: "240" },
  });
  const body = element(doc, "div", { className: "flag-body" });
  const head = element(doc, "p", { className: "flag-head" });
  head.append(element(doc, "span", { className: `flag-kind kind-${flag.kind}`, text: KIND_TEXT[flag.kind] ?? flag.kind,
    testid: "flag-kind" }));
  head.append(element(doc, "span", { className: "flag-resolution", text: resolutionText(flag),
    testid: "flag-resolution" }));
  const reason = element(doc, "p", { className: flag.reason ? "flag-reason" : "flag-reason muted",
    text: flag.reason || "No reason given.", testid: "flag-reason" });
  const facts = element(doc, "dl", { className: "flag-facts" });
  facts.append(fact(doc, "Their pick", flag.guess ? flag.guess.name : "none", "flag-guess"));
  facts.append(fact(doc, "Class now", flag.category.name, "flag-class"));
  facts.append(fact(doc, "By", personText(flag.annotator, flag.annotator_name), "flag-person"));
  const where = element(doc, "div", { className: "flag-fact" });
  const link = element(doc, "a", { text: flag.image_file_name, attrs: { href: flag.editor_url } });
  const place = element(doc, "dd");
  place.append(link);
  where.append(element(doc, "dt", { text: "Image" }), place);
  facts.append(where);
  body.append(head, reason, facts);
  if (instructor && flag.resolution === null) {
    const form = element(doc, "form", { className: "flag-resolve", testid: "resolve-form" });
    const select = classSelect(doc, decisionClasses(categories, { includeVoid: true }), "resolve-class",
      "Resolve to class");
    if (flag.guess) select.value = String(flag.guess.id);
    const button = element(doc, "button", { text: "Resolve to class", testid: "resolve", attrs: { type: "submit" } });
    form.append(select, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (select.value) onResolve(flag, Number(select.value), button);
    });
    body.append(form);
  }
  card.append(picture, body);
  return card;
}

/** A proposed class: its definition, who proposed it, its examples, and the instructor's three decisions. */
export function proposalCard(doc, proposal, flags, { instructor, categories, onAccept, onMerge, onReject,
  onResolve }) {
  const card = element(doc, "article", {
    className: `proposal-card status-${proposal.status}`, testid: "proposal-card",
    attrs: { "data-proposal-id": String(proposal.id), "data-status": proposal.status },
  });
  const head = element(doc, "header", { className: "proposal-head" });
  const title = element(doc, "h3", { className: "proposal-name" });
  if (proposal.category) title.append(swatch(doc, proposal.category.colour));
  title.append(element(doc, "span", { text: proposal.name, testid: "proposal-name" }));
  head.append(title, element(doc, "span", { className: "proposal-status", text: proposalStatusText(proposal),
    testid: "proposal-status" }));
  const definition = element(doc, "p", { className: proposal.definition ? "proposal-definition" : "proposal-definition muted",
    text: proposal.definition || "No definition given.", testid: "proposal-definition" });
  const by = element(doc, "p", { className: "proposal-by",
    text: `Proposed by ${personText(proposal.proposed_by, proposal.proposed_by_name)}` });
  card.append(head, definition, by);
  if (proposal.decision_note) {
    card.append(element(doc, "p", { className: "proposal-note", text: `Note: ${proposal.decision_note}`,
      testid: "proposal-note" }));
  }
  if (instructor && proposal.status === "open") card.append(decisionForm(doc, proposal, categories,
    { onAccept, onMerge, onReject }));
  const examples = element(doc, "div", { className: "flag-grid", testid: "proposal-examples" });
  if (flags.length === 0) {
    examples.append(element(doc, "p", { className: "muted", text: "No example outlines yet." }));
  }
  for (const flag of flags) examples.append(flagCard(doc, flag, { instructor, categories, onResolve }));
  card.append(examples);
  return card;
}

function decisionForm(doc, proposal, categories, { onAccept, onMerge, onReject }) {
  const controls = element(doc, "div", { className: "proposal-decide", testid: "decide" });

  const accept = element(doc, "form", { className: "decide-accept" });
  const colour = element(doc, "input", { testid: "accept-colour",
    attrs: { type: "color", value: "#1f9e89", "aria-label": `Colour of the new class ${proposal.name}` } });
  const acceptButton = element(doc, "button", { text: "Accept as a new class", testid: "accept",
    attrs: { type: "submit" } });
  accept.append(colour, acceptButton);
  accept.addEventListener("submit", (event) => {
    event.preventDefault();
    onAccept(proposal, { colour: colour.value }, acceptButton);
  });

  const merge = element(doc, "form", { className: "decide-merge" });
  const target = classSelect(doc, decisionClasses(categories, { includeVoid: false }), "merge-class",
    `Merge ${proposal.name} into`);
  const mergeButton = element(doc, "button", { text: "Merge into", testid: "merge", attrs: { type: "submit" } });
  merge.append(mergeButton, target);
  merge.addEventListener("submit", (event) => {
    event.preventDefault();
    if (target.value) onMerge(proposal, { category_id: Number(target.value) }, mergeButton);
    else target.focus();
  });

  const reject = element(doc, "form", { className: "decide-reject" });
  const note = element(doc, "input", { testid: "reject-note",
    attrs: { type: "text", maxlength: "500", placeholder: "Why (optional)", "aria-label": "Why it is rejected" } });
  const rejectButton = element(doc, "button", { text: "Reject", testid: "reject", attrs: { type: "submit" } });
  reject.append(rejectButton, note);
  reject.addEventListener("submit", (event) => {
    event.preventDefault();
    onReject(proposal, { note: note.value }, rejectButton);
  });

  controls.append(accept, merge, reject);
  return controls;
}

/** Flags not linked to a proposal, under the class the person would have picked. */
export function classGroup(doc, group, options) {
  const section = element(doc, "section", { className: "class-group", testid: "class-group",
    attrs: { "data-group": group.key } });
  const title = element(doc, "h3");
  if (group.colour) title.append(swatch(doc, group.colour));
  title.append(element(doc, "span", { text: group.name, testid: "class-group-name" }),
    element(doc, "span", { className: "muted", text: ` · ${group.flags.length}` }));
  const grid = element(doc, "div", { className: "flag-grid" });
  for (const flag of group.flags) grid.append(flagCard(doc, flag, options));
  section.append(title, grid);
  return section;
}
