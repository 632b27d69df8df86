// The editor's side of workshop mode: layers (others' outlines read-only, visibility switches), flags as
// undoable edits saved with the person's pick, and waiting for every save before "Next image".
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../static/js/common/api.js";
import { changeClass, changeFlag, createAnnotation, moveVertex } from "../../static/js/editor/commands.js";
import {
  categoryFromServer, flagBadge, flagFromForm, flagFromServer, flagToServer, openFlag, sameFlag,
} from "../../static/js/editor/flags.js";
import { History } from "../../static/js/editor/history.js";
import { Labour } from "../../static/js/editor/labour.js";
import {
  LayerVisibility, MINE, isMine, layerKey, layersOf, loadLayers, ownerName, saveLayers,
} from "../../static/js/editor/layers.js";
import { Store, annotationFromServer } from "../../static/js/editor/store.js";
import { Sync } from "../../static/js/editor/sync.js";
import { PolygonTool } from "../../static/js/editor/tools/polygon.js";
import { SelectTool } from "../../static/js/editor/tools/select.js";
import { View } from "../../static/js/editor/view.js";
import { MemoryStorage } from "./memory_storage.mjs";

const VOID = 99;
const categories = [{ id: 1, name: "road", colour: "#804080" }, { id: 7, name: "car", colour: "#00008e" },
  { id: VOID, name: "void/unknown", colour: "#000000" }];
const square = (x = 0, y = 0, side = 10) => [{ ring: [[x, y], [x + side, y], [x + side, y + side], [x, y + side]], hole: false }];
const flat = (x = 0, y = 0, side = 10) => [{ points: [x, y, x + side, y, x + side, y + side, x, y + side], hole: false }];

/** The annotations API as the server answers it, flags included (flags.saved_state's rules), in memory. */
class FlagServer {
  constructor() {
    this.rows = new Map();
    this.nextId = 1;
    this.requests = [];
    this.down = false;
  }

  item(row) {
    return JSON.parse(JSON.stringify(row));
  }

  add(fields) {
    const row = { id: this.nextId++, version: 1, deleted: false, flag: null, category_id: 1, parts: flat(), ...fields };
    this.rows.set(row.id, row);
    return row;
  }

  /** The GET list for a participant: "mine" and "owner" on each item. */
  listFor(me) {
    return [...this.rows.values()].filter((row) => !row.deleted).map((row) => ({
      ...this.item(row), mine: row.owner === me, owner: { id: row.owner, name: row.ownerName ?? null },
    }));
  }

  applyFlag(row, body) {
    const sent = "category_id" in body ? body.category_id : null;
    if (!("flag" in body)) {
      if (sent !== null && row.flag) row.flag.category_id = sent === VOID ? row.flag.category_id : sent;
      else if (sent !== null) row.category_id = sent;
      return;
    }
    if (body.flag) {
      const guess = sent !== null && sent !== VOID ? sent : row.flag ? row.flag.category_id : row.category_id;
      row.flag = { kind: body.flag.kind, reason: body.flag.reason, category_id: guess, resolution: null,
        proposal_id: body.flag.proposal_id ?? null };
      row.category_id = VOID;
    } else {
      row.category_id = sent ?? (row.flag ? row.flag.category_id : row.category_id);
      row.flag = null;
    }
  }

  api = async (method, url, body) => {
    this.requests.push({ method, url, body: body && JSON.parse(JSON.stringify(body)) });
    if (this.down) throw new ApiError(0, { error: "offline" });
    let match = /^\/api\/images\/(\d+)\/annotations$/.exec(url);
    if (match && method === "POST") {
      const row = this.add({ client_id: body.client_id, category_id: body.category_id, parts: body.parts, owner: "me" });
      if ("flag" in body) this.applyFlag(row, body);
      return { status: 201, body: { annotation: this.item(row), repairs: [] } };
    }
    if (/\/events$/.test(url)) return { status: 201, body: {} };
    match = /^\/api\/annotations\/(\d+)$/.exec(url);
    const row = match && this.rows.get(Number(match[1]));
    if (!row) throw new ApiError(404, { error: "annotation not found" });
    if (row.owner !== "me") throw new ApiError(403, { error: "not your annotation" });
    if (body.version !== row.version) throw new ApiError(409, { error: "conflict", annotation: this.item(row) });
    if (body.parts) row.parts = body.parts;
    this.applyFlag(row, body);
    row.version += 1;
    return { status: 200, body: { annotation: this.item(row), repairs: [] } };
  };
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const timers = { setTimeout: () => 1, clearTimeout: () => {} };

function editor(server, me = "me") {
  const store = new Store({ categories });
  const labour = new Labour({ sessionId: "session-w", now: () => 1 });
  const sync = new Sync({ store, labour, api: server.api, imageId: 1, storage: new MemoryStorage(), timers });
  sync.load(server.listFor(me));
  const history = new History();
  return { store, sync, history, run: (command) => history.run(command) };
}

// --- layers ---------------------------------------------------------------------------------------------

test("an annotation without 'mine' (an older server) is the person's own; others are keyed by owner", () => {
  assert.equal(isMine({ clientId: "a" }), true);
  assert.equal(isMine({ clientId: "a", mine: false }), false);
  assert.equal(layerKey({ mine: true }), MINE);
  assert.equal(layerKey({ mine: false, owner: { id: "annotator-1234abcd", name: "Bo" } }), "annotator-1234abcd");
  assert.equal(ownerName({ id: "annotator-1234abcd", name: null }), "annotator-1234abcd");
  assert.equal(ownerName({ id: "annotator-1234abcd", name: "<b>Bo</b>" }), "<b>Bo</b>");
  const from = annotationFromServer({ id: 1, client_id: "abcdefgh", category_id: 1, version: 1, parts: flat() });
  assert.equal(from.mine, true);
  assert.equal(from.flag, null);
});

test("layers: Mine first with its count, then one per other owner by name", () => {
  const list = [
    { clientId: "m1" }, { clientId: "m2", mine: true },
    { clientId: "z1", mine: false, owner: { id: "annotator-zzzz", name: "Zoe" } },
    { clientId: "a1", mine: false, owner: { id: "annotator-aaaa", name: "Amara" } },
    { clientId: "a2", mine: false, owner: { id: "annotator-aaaa", name: "Amara" } },
  ];
  assert.deepEqual(layersOf(list), [
    { key: MINE, name: "Mine", mine: true, count: 2 },
    { key: "annotator-aaaa", name: "Amara", mine: false, count: 2 },
    { key: "annotator-zzzz", name: "Zoe", mine: false, count: 1 },
  ]);
  assert.deepEqual(layersOf([]), [{ key: MINE, name: "Mine", mine: true, count: 0 }]);
});

test("layer switches: per person, all others (which resets them), and the own layer hiding only what is there", () => {
  const amara = { clientId: "a1", mine: false, owner: { id: "annotator-aaaa" } };
  const zoe = { clientId: "z1", mine: false, owner: { id: "annotator-zzzz" } };
  const old = { clientId: "m1" };
  const layers = new LayerVisibility();
  assert.ok(layers.visible(amara) && layers.visible(zoe) && layers.visible(old));
  const before = layers.revision;
  layers.setLayer("annotator-aaaa", false);
  assert.ok(layers.revision > before);
  assert.equal(layers.visible(amara), false);
  assert.equal(layers.visible(zoe), true);
  assert.equal(layers.othersState(["annotator-aaaa", "annotator-zzzz"]), "some");
  layers.setOthers(false);
  assert.equal(layers.visible(zoe), false);
  assert.equal(layers.othersState(["annotator-aaaa", "annotator-zzzz"]), "none");
  layers.setLayer("annotator-zzzz", true);
  assert.equal(layers.visible(zoe), true);
  assert.equal(layers.visible({ clientId: "n1", mine: false, owner: { id: "annotator-new" } }), false); // newcomers follow "all others"
  layers.setOthers(true);
  assert.equal(layers.othersState(["annotator-aaaa", "annotator-zzzz"]), "all");
  layers.setMine(false, ["m1"]);
  assert.equal(layers.layerShown(MINE), false);
  assert.equal(layers.visible(old), false);
  assert.equal(layers.visible({ clientId: "drawn-later" }), true); // drawing still shows what is drawn
  layers.setMine(true);
  assert.equal(layers.visible(old), true);
  assert.throws(() => layers.setLayer(MINE, false));
});

test("layer switches are kept per image in storage and survive a reload; broken storage gives the defaults", () => {
  const storage = new MemoryStorage();
  const layers = new LayerVisibility();
  layers.setLayer("annotator-aaaa", false);
  layers.setMine(false, ["m1"]);
  saveLayers(storage, 4, layers);
  const again = loadLayers(storage, 4);
  assert.deepEqual(again.toJSON(), layers.toJSON());
  assert.equal(again.visible({ clientId: "a1", mine: false, owner: { id: "annotator-aaaa" } }), false);
  assert.deepEqual(loadLayers(storage, 5).toJSON(), new LayerVisibility().toJSON());
  storage.setItem("annotator.layers.6", "{not json");
  assert.deepEqual(loadLayers(storage, 6).toJSON(), new LayerVisibility().toJSON());
  assert.deepEqual(loadLayers(null, 6).toJSON(), new LayerVisibility().toJSON());
});

// --- others' annotations are read-only ------------------------------------------------------------------

test("someone else's annotation is loaded read-only: edits of it are never sent", async () => {
  const server = new FlagServer();
  server.add({ client_id: "theirs-0001", owner: "annotator-bbbb", ownerName: "Bo", parts: flat(100, 100) });
  server.add({ client_id: "mine-00001", owner: "me" });
  const { store, sync, run } = editor(server);
  const theirs = store.get("theirs-0001");
  assert.equal(theirs.mine, false);
  assert.deepEqual(theirs.owner, { id: "annotator-bbbb", name: "Bo" });
  assert.equal(store.get("mine-00001").mine, true);
  run(moveVertex(store, "theirs-0001", 0, 0, [5, 5])); // nothing in the editor makes this; if something did:
  await settle();
  assert.deepEqual(server.requests, []);
  assert.equal(sync.pendingSaves, 0);
});

test("the edit tool picks only what is editable, and a shared vertex never drags someone else's along", () => {
  const store = new Store({ categories });
  store.add({ clientId: "theirs-0001", categoryId: 1, parts: square(0, 0, 100), mine: false, owner: { id: "x" } });
  store.add({ clientId: "mine-00001", categoryId: 1, parts: square(100, 0, 100) }); // shares the x=100 edge
  const view = new View({ scale: 1 });
  const history = new History();
  const context = {
    store, view, image: { width: 1280, height: 720 }, record: () => {}, tell: () => {}, redraw: () => {},
    setCursor: () => {}, perform: (command) => Boolean(command) && Boolean(history.run(command)),
    visible: () => true, editable: isMine,
  };
  const tool = new SelectTool(context);
  const at = (x, y) => ({ image: [x, y], screen: view.imageToScreen(x, y), button: 0, altKey: false, shiftKey: false });
  tool.pointerDown(at(50, 50)); // inside theirs only
  tool.pointerUp(at(50, 50));
  assert.equal(store.selection.id, null);
  tool.pointerDown(at(150, 50));
  tool.pointerUp(at(150, 50));
  assert.equal(store.selection.id, "mine-00001");
  tool.pointerDown(at(100, 0)); // the vertex both have
  tool.pointerMove(at(110, 20));
  tool.pointerUp(at(110, 20));
  assert.deepEqual(store.get("mine-00001").parts[0].ring[0], [110, 20]);
  assert.deepEqual(store.get("theirs-0001").parts[0].ring[1], [100, 0]); // theirs unchanged
});

test("snapping onto someone else's vertex takes its position but makes no link", () => {
  const store = new Store({ categories });
  store.add({ clientId: "theirs-0001", categoryId: 1, parts: square(0, 0, 100), mine: false, owner: { id: "x" } });
  const view = new View({ scale: 1 });
  let ids = 0;
  const context = {
    store, view, image: { width: 1280, height: 720 }, record: () => {}, tell: () => {}, redraw: () => {},
    setCursor: () => {}, newId: () => `draft-${String(++ids).padStart(4, "0")}`, offerBorder: () => {},
    perform: (command) => Boolean(command) && Boolean(new History().run(command)),
    visible: () => true, editable: isMine, snapOn: () => true,
  };
  const tool = new PolygonTool(context);
  let t = 0;
  const press = (x, y) => tool.pointerDown({ image: [x, y], screen: view.imageToScreen(x, y), button: 0,
    shiftKey: false, altKey: false, time: (t += 1000) });
  press(101, 1); // snaps onto their (100, 0)
  press(200, 0);
  press(200, 100);
  tool.keyDown({ key: "Enter", ctrlKey: false, metaKey: false, altKey: false });
  const drawn = store.get("draft-0001");
  assert.deepEqual(drawn.parts[0].ring[0], [100, 0]);
  assert.deepEqual(store.links, []);
});

// --- flags --------------------------------------------------------------------------------------------------

test("flag values: from the server, to the server, compared by what the person decides", () => {
  const raw = { kind: "none_fits", reason: "a tuk-tuk", category_id: 7, resolution: null, proposal_id: 3, extra: 1 };
  const flag = flagFromServer(raw);
  assert.deepEqual({ ...flag }, { kind: "none_fits", reason: "a tuk-tuk", category_id: 7, resolution: null, proposal_id: 3 });
  assert.equal(flagFromServer(null), null);
  assert.equal(flagFromServer({ kind: "bogus" }), null);
  assert.deepEqual(flagToServer(flag), { kind: "none_fits", reason: "a tuk-tuk", proposal_id: 3 });
  assert.equal(flagToServer(null), null);
  assert.ok(sameFlag(flag, { kind: "none_fits", reason: "a tuk-tuk", proposal_id: 3 }));
  assert.ok(!sameFlag(flag, { kind: "none_fits", reason: "a rickshaw", proposal_id: 3 }));
  assert.ok(sameFlag(null, undefined));
  assert.ok(!sameFlag(flag, null));
  assert.equal(openFlag(flag), true);
  assert.equal(openFlag({ ...flag, resolution: "kept" }), false);
  // While open, the editor shows the pick; decided, the class the instructor settled on.
  assert.equal(categoryFromServer({ category_id: VOID, flag: raw }), 7);
  assert.equal(categoryFromServer({ category_id: 1, flag: { ...raw, resolution: "reclassed" } }), 1);
  assert.equal(categoryFromServer({ category_id: VOID, flag: { ...raw, category_id: null } }), VOID);
  assert.equal(categoryFromServer({ category_id: 4 }), 4);
});

test("the form's flag, and the list's badge with the reason as its tooltip", () => {
  assert.equal(flagFromForm({ kind: "", reason: "x" }), null);
  assert.deepEqual({ ...flagFromForm({ kind: "unsure", reason: "  dark  " }, 5) }, { kind: "unsure", reason: "dark", proposal_id: null });
  assert.deepEqual({ ...flagFromForm({ kind: "none_fits", reason: "" }, 5) }, { kind: "none_fits", reason: "", proposal_id: 5 });
  assert.equal(flagFromForm({ kind: "none_fits", reason: "x".repeat(600) }).reason.length, 500);
  assert.equal(flagBadge(null), null);
  assert.deepEqual(flagBadge({ kind: "unsure", reason: "too dark" }), { text: "?", title: "Unsure: too dark", resolved: false });
  assert.equal(flagBadge({ kind: "none_fits", reason: "" }).text, "⚑");
  const decided = flagBadge({ kind: "none_fits", reason: "", resolution: "accepted" });
  assert.equal(decided.resolved, true);
  assert.match(decided.title, /accepted the proposed class/);
});

test("a flag is an undoable edit saved with the pick; undo clears it and gives the class back", async () => {
  const server = new FlagServer();
  const { store, sync, history, run } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 7, parts: square() }));
  await settle();
  const flag = flagFromForm({ kind: "unsure", reason: "behind the tree" });
  run(changeFlag(store, "poly-0001", flag));
  assert.equal(changeFlag(store, "poly-0001", { ...flag }), null); // the same flag again: no command
  await settle();
  const patch = server.requests.at(-1);
  assert.deepEqual(patch.body, { version: 1, category_id: 7, flag: { kind: "unsure", reason: "behind the tree", proposal_id: null } });
  const row = server.rows.get(1);
  assert.equal(row.category_id, VOID); // stored as void until decided
  assert.equal(row.flag.category_id, 7);
  const local = store.get("poly-0001");
  assert.equal(local.categoryId, 7); // the editor keeps showing the pick
  assert.equal(local.flag.kind, "unsure");
  assert.equal(local.flag.category_id, 7);
  assert.equal(sync.pendingSaves, 0);

  // A new pick while flagged goes with the flag (the server keeps it as the guess).
  run(changeClass(store, "poly-0001", 1));
  await settle();
  assert.deepEqual(server.requests.at(-1).body,
    { version: 2, category_id: 1, flag: { kind: "unsure", reason: "behind the tree", proposal_id: null } });
  assert.equal(server.rows.get(1).flag.category_id, 1);

  history.undo(); // the class change
  history.undo(); // the flag
  await settle();
  assert.equal(server.rows.get(1).flag, null);
  assert.equal(server.rows.get(1).category_id, 7);
  assert.equal(store.get("poly-0001").flag, null);
  assert.equal(store.get("poly-0001").categoryId, 7);
  history.redo();
  await settle();
  assert.equal(server.rows.get(1).flag.kind, "unsure");
  assert.equal(sync.pendingSaves, 0);
});

test("a server that keeps no flags (older) answers without one: the editor shows what it stored", async () => {
  const server = new FlagServer();
  server.applyFlag = (row, body) => {
    if ("category_id" in body) row.category_id = body.category_id;
  };
  const { store, run } = editor(server);
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 7, parts: square() }));
  await settle();
  run(changeFlag(store, "poly-0001", flagFromForm({ kind: "unsure", reason: "" })));
  await settle();
  assert.equal(store.get("poly-0001").flag, null);
  assert.equal(store.get("poly-0001").categoryId, 7);
});

// --- next image: every save first -------------------------------------------------------------------------

test("whenSaved resolves true once everything is on the server, false while it cannot be reached", async () => {
  const server = new FlagServer();
  const { store, sync, run } = editor(server);
  assert.equal(await sync.whenSaved(), true); // nothing pending
  run(createAnnotation(store, { clientId: "poly-0001", categoryId: 7, parts: square() }));
  assert.equal(await sync.whenSaved(), true);
  assert.equal(server.rows.size, 1);
  server.down = true;
  run(moveVertex(store, "poly-0001", 0, 0, [2, 2]));
  assert.equal(await sync.whenSaved(), false);
  assert.equal(sync.pendingSaves, 1); // kept, to be resent
  server.down = false;
  assert.equal(await sync.whenSaved(), true); // tried at once, not after the pause
  assert.deepEqual(server.rows.get(1).parts[0].points, [2, 2, 10, 0, 10, 10, 0, 10]);
});
