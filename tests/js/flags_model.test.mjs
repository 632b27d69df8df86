import assert from "node:assert/strict";
import { test } from "node:test";

import {
  NO_GUESS, counts, decisionClasses, groupFlags, personText, proposalStatusText, resolutionText,
} from "../../static/js/flags/model.js";

const CAR = { id: 7, name: "car", colour: "#00008e" };
const BUS = { id: 9, name: "bus", colour: "#003c64" };
const VOID = { id: 27, name: "void/unknown", colour: "#000000" };

function flag(id, { guess = null, proposal = null, resolution = null, category = VOID } = {}) {
  return { id, guess, proposal, resolution, category, kind: "unsure", reason: "" };
}

test("flags go under their proposal, the rest by the class people would have picked", () => {
  const proposals = [{ id: 2, name: "scooter" }, { id: 5, name: "kerb" }];
  const flags = [
    flag(1, { guess: CAR }), flag(2, { proposal: { id: 2 } }), flag(3, { guess: BUS }), flag(4),
    flag(6, { guess: CAR, resolution: "kept", category: CAR }), flag(7, { guess: CAR }),
    flag(8, { proposal: { id: 9 } }),
  ];
  const { byProposal, byClass } = groupFlags(flags, proposals);
  assert.deepEqual([...byProposal.keys()], [2, 5, 9]);
  assert.deepEqual(byProposal.get(2).map((f) => f.id), [2]);
  assert.deepEqual(byProposal.get(5), []);
  assert.deepEqual(byClass.map((g) => g.name), ["bus", "car", NO_GUESS]);
  assert.deepEqual(byClass[1].flags.map((f) => f.id), [1, 7, 6], "open before decided");
  assert.equal(byClass[2].colour, null);
});

test("resolutions and proposal states in words", () => {
  assert.equal(resolutionText(flag(1)), "Open");
  assert.equal(resolutionText(flag(1, { resolution: "kept", category: CAR })), "Kept as car");
  assert.equal(resolutionText(flag(1, { resolution: "reclassed", category: BUS })), "Reclassed as bus");
  assert.equal(resolutionText(flag(1, { resolution: "merged", category: BUS })), "Merged into bus");
  assert.equal(resolutionText(flag(1, { resolution: "rejected" })), "Proposal rejected: stays void");
  assert.equal(proposalStatusText({ status: "accepted", category: { name: "scooter" } }),
    "Accepted: now the class scooter");
  assert.equal(proposalStatusText({ status: "open", category: null }), "Open");
});

test("names only when the server sent them; void is no merge target", () => {
  assert.equal(personText("annotator-1234abcd", null), "annotator-1234abcd");
  assert.equal(personText("annotator-1234abcd", "Amara"), "Amara (annotator-1234abcd)");
  assert.deepEqual(decisionClasses([CAR, VOID], { includeVoid: false }), [CAR]);
  assert.deepEqual(decisionClasses([CAR, VOID], { includeVoid: true }), [CAR, VOID]);
  assert.deepEqual(counts([flag(1), flag(2, { resolution: "kept" })], [{ status: "open" }, { status: "merged" }]),
    { flags: 2, open: 1, decided: 1, proposals: 2, openProposals: 1 });
});
