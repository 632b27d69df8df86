// The label-set editor's model, pure: a draft of the label set (the classes in order, and the archived ones
// apart), the edits the page makes to it, the label file it saves, exports and imports, and what a save would
// change against the stored set. No DOM, no fetch: tests/js/labels_model.test.mjs drives it with plain data.
//
// The rules are `annotator labels load`'s: a saved set lists the classes in order; a stored class left out is
// archived, not deleted, and keeps its id; a class listed again comes back with its id. The page sends each
// stored class's id, so a rename keeps the class; an imported file (no ids) is matched by name, case aside.

export const FIELDS = ["name", "supercategory", "colour", "definition"];
const DEFAULT_COLOUR = "#888888";

function classOf(item, archived = false) {
  return {
    key: item.id != null ? `id-${item.id}` : item.key,
    id: item.id ?? null,
    name: item.name,
    supercategory: item.supercategory ?? "none",
    colour: item.colour ?? DEFAULT_COLOUR,
    definition: item.definition ?? "",
    archived,
  };
}

/** A draft from what GET /api/categories and /api/categories/archived answer. */
export function draftFrom(activeItems, archivedItems = []) {
  return {
    classes: activeItems.map((item) => classOf(item)),
    archived: archivedItems.map((item) => classOf(item, true)),
    nextKey: 1,
  };
}

const caseless = (name) => String(name).trim().toLowerCase();

function withClasses(draft, classes, archived = draft.archived, nextKey = draft.nextKey) {
  return { ...draft, classes, archived, nextKey };
}

/** The draft with a new class at the end; its colour is a stand-in until the instructor picks one. */
export function addClass(draft, name, { colour = DEFAULT_COLOUR, supercategory = "none", definition = "" } = {}) {
  const added = { key: `new-${draft.nextKey}`, id: null, name, supercategory, colour, definition, archived: false };
  return withClasses(draft, [...draft.classes, added], draft.archived, draft.nextKey + 1);
}

/** The draft with one class's fields changed (any of name, supercategory, colour, definition). */
export function editClass(draft, key, changes) {
  const picked = Object.fromEntries(Object.entries(changes).filter(([field]) => FIELDS.includes(field)));
  return withClasses(draft, draft.classes.map((item) => (item.key === key ? { ...item, ...picked } : item)));
}

/** The draft with one class moved `by` places (-1 up, +1 down), stopping at either end. */
export function moveClass(draft, key, by) {
  const from = draft.classes.findIndex((item) => item.key === key);
  if (from < 0) return draft;
  const to = Math.max(0, Math.min(draft.classes.length - 1, from + by));
  if (to === from) return draft;
  const classes = [...draft.classes];
  const [moved] = classes.splice(from, 1);
  classes.splice(to, 0, moved);
  return withClasses(draft, classes);
}

/** The draft with a class taken out: a stored one goes to the archived list (it keeps its id); a class added in
 * this draft is simply dropped, as nothing refers to it yet. */
export function archiveClass(draft, key) {
  const item = draft.classes.find((entry) => entry.key === key);
  if (!item) return draft;
  const classes = draft.classes.filter((entry) => entry.key !== key);
  const archived = item.id == null ? draft.archived : [...draft.archived, { ...item, archived: true }];
  return withClasses(draft, classes, archived);
}

/** The draft with an archived class back at the end of the set, with its id. */
export function restoreClass(draft, key) {
  const item = draft.archived.find((entry) => entry.key === key);
  if (!item) return draft;
  return withClasses(draft, [...draft.classes, { ...item, archived: false }],
    draft.archived.filter((entry) => entry.key !== key));
}

/** The body of PUT /api/categories: the classes in order, each stored one with its id (so a rename keeps it). */
export function saveBody(draft) {
  return { labels: draft.classes.map((item) => ({ ...(item.id != null ? { id: item.id } : {}), ...fieldsOf(item) })) };
}

function fieldsOf(item) {
  return { name: item.name, supercategory: item.supercategory, colour: item.colour, definition: item.definition };
}

/** The label file `annotator labels load` reads: the classes in order, without ids (ids belong to this server's
 * database; another server matches a file by name). */
export function labelFile(items) {
  return { labels: items.map(fieldsOf) };
}

// YAML's double-quoted scalars take JSON's escapes; anything outside what a YAML stream may hold is escaped too.
function yamlString(text) {
  return JSON.stringify(String(text)).replace(/[^\t\n\r\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]/gu,
    (ch) => (ch.length > 1 ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** A label file as YAML text (every string double-quoted, so no name is read as a number, a date or `null`). */
export function labelFileYaml(file) {
  const lines = ["labels:"];
  for (const entry of file.labels) {
    lines.push(`  - name: ${yamlString(entry.name)}`);
    for (const field of ["supercategory", "colour", "definition"]) lines.push(`    ${field}: ${yamlString(entry[field])}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The label file as JSON text. */
export function labelFileJson(file) {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The draft a label file makes, by `labels load`'s rules: the file's classes in its order, each matched by name
 * (case aside) to a class of the draft or an archived one, which it edits and keeps the id of; every other class
 * is archived. `entries` are what POST /api/categories/file answers (the file read by the server, as `labels load`
 * reads it, defaults filled in); a field left null keeps the matched class's value.
 */
export function importLabels(draft, entries) {
  const known = new Map([...draft.archived, ...draft.classes].map((item) => [caseless(item.name), item]));
  let nextKey = draft.nextKey;
  const classes = entries.map((entry) => {
    const match = known.get(caseless(entry.name));
    const base = match || { key: `new-${nextKey++}`, id: null, supercategory: "none", colour: DEFAULT_COLOUR, definition: "" };
    const item = { ...base, archived: false, name: entry.name };
    for (const field of ["supercategory", "colour", "definition"]) if (entry[field] != null) item[field] = entry[field];
    return item;
  });
  const kept = new Set(classes.map((item) => item.key));
  const archived = [...draft.archived, ...draft.classes.filter((item) => item.id != null)]
    .filter((item) => !kept.has(item.key)).map((item) => ({ ...item, archived: true }));
  return withClasses(draft, classes, archived, nextKey);
}

/**
 * What saving the draft changes against the stored set (the active classes as GET /api/categories lists them):
 * classes added, renamed ({from, to}), otherwise edited (recoloured, redefined, moved to another supercategory),
 * archived, restored, and whether the order changed.
 */
export function changes(storedItems, draft) {
  const stored = new Map(storedItems.map((item) => [item.id, item]));
  const result = { added: [], renamed: [], edited: [], archived: [], restored: [], reordered: false };
  for (const item of draft.classes) {
    const before = item.id != null ? stored.get(item.id) : undefined;
    if (item.id == null) result.added.push(item.name);
    else if (!before) result.restored.push(item.name);
    else {
      if (before.name !== item.name) result.renamed.push({ from: before.name, to: item.name });
      if (["supercategory", "colour", "definition"].some((field) => (before[field] ?? "") !== item[field])) {
        result.edited.push(item.name);
      }
    }
  }
  const listed = new Set(draft.classes.map((item) => item.id).filter((id) => id != null));
  for (const item of storedItems) if (!listed.has(item.id)) result.archived.push(item.name);
  const storedOrder = storedItems.map((item) => item.id).filter((id) => listed.has(id));
  const draftOrder = draft.classes.map((item) => item.id).filter((id) => stored.has(id));
  result.reordered = storedOrder.join(",") !== draftOrder.join(",");
  return result;
}

/** True when saving would change nothing. */
export function unchanged(change) {
  return !change.reordered && ["added", "renamed", "edited", "archived", "restored"].every((kind) => change[kind].length === 0);
}

/**
 * Which row and field an API refusal of the saved set names, or null: the store's `{field: "labels[3].name"}`,
 * the contract's `{fields: [{field, problem}]}`, and for a duplicate name (field "labels") the row its
 * message points at ("duplicate name 'A' at labels[1] ...").
 */
export function errorPlace(body) {
  if (!body) return null;
  const first = Array.isArray(body.fields) && body.fields.length ? body.fields[0] : null;
  const field = body.field || (first && first.field) || "";
  const problem = (first && first.problem) || body.detail || "";
  const direct = /^labels(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?/.exec(field);
  if (direct) return { index: Number(direct[1] ?? direct[2]), field: direct[3] || "name", detail: problem };
  const pointed = field === "labels" ? /at labels\[(\d+)\]/.exec(problem) : null;
  return pointed ? { index: Number(pointed[1]), field: "name", detail: problem } : null;
}
