// The label-set editor: a copy of the stored set edited in place (model.js), saved whole with one
// PUT /api/categories; the archived classes apart, each with a way back; the label file downloaded as JSON or
// YAML, and a chosen file read by the server (POST /api/categories/file) into the copy, so the page shows what
// it would change before anything is saved. Names are text only (dom.js element()).
import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import {
  addClass, archiveClass, changes, draftFrom, editClass, errorPlace, importLabels, labelFile, labelFileJson,
  labelFileYaml, moveClass, restoreClass, saveBody, unchanged,
} from "./model.js";

const api = makeApi();
const $ = (id) => document.getElementById(id);
let stored = []; // the active classes as last loaded
let draft = draftFrom([]);
let rowError = { index: -1, field: "", detail: "" };

async function load() {
  const [active, archived] = await Promise.all([api.get("/api/categories"), api.get("/api/categories/archived")]);
  stored = active.items;
  draft = draftFrom(active.items, archived.items);
  rowError = { index: -1, field: "", detail: "" };
  render();
}

function input(type, attrs) {
  return element(document, "input", { attrs: { type, ...attrs } });
}

function row(item, index) {
  const li = element(document, "li", { className: `label-row${item.id == null ? " new" : ""}`, testid: "label-row",
    attrs: { "data-key": item.key, "data-id": item.id ?? "" } });
  const label = item.name || "new class";
  const colour = input("color", { "data-testid": "label-colour", "aria-label": `Colour of ${label}`, "data-field": "colour" });
  colour.value = item.colour;
  const name = input("text", { "data-testid": "label-name", "aria-label": `Name of class ${index + 1}`, maxlength: 64,
    "data-field": "name", autocomplete: "off" });
  name.value = item.name;
  const supercategory = input("text", { "data-testid": "label-supercategory", "aria-label": `Supercategory of ${label}`,
    maxlength: 64, "data-field": "supercategory", placeholder: "supercategory" });
  supercategory.value = item.supercategory;
  const definition = element(document, "textarea", { testid: "label-definition", attrs: {
    "aria-label": `Definition of ${label}`, maxlength: 500, "data-field": "definition", rows: 1,
    placeholder: "one sentence for the participant" } });
  definition.value = item.definition;
  const actions = element(document, "span", { className: "label-actions" });
  const button = (text, testid, action, title) => {
    const node = element(document, "button", { text, testid, attrs: { type: "button", "data-action": action,
      "aria-label": `${title} ${label}`, title: `${title} ${label}` } });
    actions.append(node);
    return node;
  };
  button("↑", "label-up", "up", "Move up").disabled = index === 0;
  button("↓", "label-down", "down", "Move down").disabled = index === draft.classes.length - 1;
  button(item.id == null ? "Remove" : "Archive", "label-archive", "archive", item.id == null ? "Remove" : "Archive");
  const error = element(document, "p", { className: "label-error", testid: "label-error", attrs: { role: "alert" },
    text: rowError.index === index ? rowError.detail : "" });
  const id = element(document, "span", { className: "label-id", text: item.id == null ? "new" : `#${item.id}` });
  li.append(element(document, "span", { className: "label-order", text: `${index + 1}.` }), colour, name,
    supercategory, actions, id, definition, error);
  if (rowError.index === index) {
    const at = li.querySelector(`[data-field="${rowError.field}"]`);
    if (at) at.setAttribute("aria-invalid", "true");
  }
  return li;
}

function archivedRow(item) {
  const li = element(document, "li", { testid: "label-archived-row", attrs: { "data-key": item.key, "data-id": item.id } });
  const swatch = element(document, "span", { className: "label-swatch", attrs: { "aria-hidden": "true" } });
  swatch.style.background = item.colour;
  li.append(swatch, element(document, "span", { text: item.name, testid: "label-archived-name" }),
    element(document, "span", { className: "muted", text: `#${item.id}` }),
    element(document, "button", { text: "Restore", testid: "label-restore", attrs: { type: "button",
      "data-action": "restore", "aria-label": `Restore ${item.name}` } }));
  return li;
}

function render(focus = null) {
  $("labels-list").replaceChildren(...draft.classes.map(row));
  $("labels-archived").replaceChildren(...draft.archived.map(archivedRow));
  $("labels-archived-empty").hidden = draft.archived.length > 0;
  showChanges();
  if (focus) {
    const target = document.querySelector(`#labels-list [data-key="${focus.key}"] ${focus.selector}`);
    if (target && !target.disabled) target.focus();
    else document.querySelector(`#labels-list [data-key="${focus.key}"] [data-field="name"]`)?.focus();
  }
}

function showChanges() {
  const change = changes(stored, draft);
  const box = $("labels-changes");
  const lines = [
    ...change.added.map((name) => ["added", `Add ${name}`]),
    ...change.renamed.map(({ from, to }) => ["renamed", `Rename ${from} to ${to}`]),
    ...change.edited.map((name) => ["edited", `Change ${name}`]),
    ...change.restored.map((name) => ["restored", `Restore ${name}`]),
    ...change.archived.map((name) => ["archived", `Archive ${name} (kept, with its id, for its outlines)`]),
  ];
  if (change.reordered) lines.push(["reordered", "New order"]);
  const list = element(document, "ul", { className: "labels-change-list" });
  for (const [kind, text] of lines) list.append(element(document, "li", { text, testid: `change-${kind}` }));
  box.replaceChildren(lines.length ? list : element(document, "p", { className: "muted", text: "No changes to save." }));
  const clean = unchanged(change);
  $("labels-save").disabled = clean || draft.classes.length === 0;
  $("labels-revert").disabled = clean;
}

function keyOf(node) {
  return node.closest("[data-key]")?.dataset.key;
}

$("labels-list").addEventListener("input", (event) => {
  const field = event.target.dataset.field;
  const key = keyOf(event.target);
  if (!field || !key) return;
  draft = editClass(draft, key, { [field]: event.target.value });
  event.target.removeAttribute("aria-invalid");
  showChanges(); // no re-render: the field keeps its focus and caret
});

$("labels-list").addEventListener("click", (event) => {
  const action = event.target.closest("button")?.dataset.action;
  const key = keyOf(event.target);
  if (!action || !key) return;
  if (action === "archive") {
    const index = draft.classes.findIndex((item) => item.key === key);
    draft = archiveClass(draft, key);
    const next = draft.classes[Math.min(index, draft.classes.length - 1)];
    render(next ? { key: next.key, selector: '[data-action="archive"]' } : null);
    return;
  }
  draft = moveClass(draft, key, action === "up" ? -1 : 1);
  render({ key, selector: `[data-action="${action}"]` });
});

$("labels-list").addEventListener("keydown", (event) => {
  if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
  const key = keyOf(event.target);
  if (!key) return;
  event.preventDefault();
  const field = event.target.dataset.field;
  const action = event.target.dataset.action;
  draft = moveClass(draft, key, event.key === "ArrowUp" ? -1 : 1);
  render({ key, selector: field ? `[data-field="${field}"]` : `[data-action="${action}"]` });
});

$("labels-archived").addEventListener("click", (event) => {
  if (event.target.dataset.action !== "restore") return;
  const key = keyOf(event.target);
  draft = restoreClass(draft, key);
  render({ key, selector: '[data-field="name"]' });
});

$("labels-add").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("labels-add-name").value.trim();
  if (!name) return;
  draft = addClass(draft, name);
  $("labels-add-name").value = "";
  render();
  $("labels-add-name").focus();
});

$("labels-revert").addEventListener("click", () => load().catch(showProblem));

function showProblem(error) {
  $("labels-problem").textContent = error.detail || String(error);
}

$("labels-save").addEventListener("click", async () => {
  $("labels-problem").textContent = "";
  $("labels-status").textContent = "Saving…";
  $("labels-save").disabled = true;
  try {
    const answer = await api.put("/api/categories", saveBody(draft));
    await load();
    const said = [["added", answer.added], ["changed", answer.updated], ["archived", answer.archived]]
      .filter(([, names]) => names.length).map(([kind, names]) => `${kind}: ${names.join(", ")}`);
    $("labels-status").textContent = `Saved. ${said.join("; ") || "Nothing changed."}`;
  } catch (error) {
    $("labels-status").textContent = "";
    const place = errorPlace(error.body);
    if (place && draft.classes[place.index]) {
      rowError = place;
      $("labels-problem").textContent = `Not saved: class ${place.index + 1} (${place.field}): ${place.detail}`;
      const key = draft.classes[place.index].key;
      render(key ? { key, selector: `[data-field="${rowError.field}"]` } : null);
    } else {
      showProblem(error);
      showChanges();
    }
  }
});

function download(text, name, type) {
  const link = element(document, "a", { attrs: { download: name } });
  link.href = URL.createObjectURL(new Blob([text], { type }));
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

// The saved set, not the copy being edited: the file is what the server holds now.
async function exportAs(kind) {
  try {
    const { items } = await api.get("/api/categories");
    const file = labelFile(items);
    if (kind === "yaml") download(labelFileYaml(file), "labels.yaml", "application/yaml");
    else download(labelFileJson(file), "labels.json", "application/json");
  } catch (error) {
    showProblem(error);
  }
}
$("labels-export-json").addEventListener("click", () => exportAs("json"));
$("labels-export-yaml").addEventListener("click", () => exportAs("yaml"));

$("labels-import").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("labels-problem").textContent = "";
  try {
    const format = /\.ya?ml$/i.test(file.name) ? "yaml" : "json";
    const { labels } = await api.post("/api/categories/file", { text: await file.text(), format, name: file.name });
    draft = importLabels(draft, labels);
    rowError = { index: -1, field: "", detail: "" };
    render();
    $("labels-status").textContent = `Read ${file.name}: check the changes, then save.`;
  } catch (error) {
    showProblem(error);
  } finally {
    event.target.value = "";
  }
});

load().catch(showProblem);
