// Flags, as plain data (no DOM): "none of the classes fits" or "unsure", with a reason and perhaps a proposed
// class. The server stores a flagged annotation under the void class and keeps the person's pick beside it
// (flag.category_id) until the instructor decides (flag.resolution). The editor keeps the pick as the
// annotation's class, so undoing a flag gives the class back, and sends pick and flag together.

export const FLAG_KINDS = Object.freeze({ none_fits: "None of the classes fits", unsure: "Unsure" });
export const MAX_REASON = 500;
const RESOLUTIONS = {
  kept: "kept the class you picked", reclassed: "gave it another class", accepted: "accepted the proposed class",
  merged: "merged the proposal into an existing class", rejected: "rejected the proposal",
};

/** A flag from a server answer (null: none). Only these keys are kept. */
export function flagFromServer(raw) {
  if (!raw || typeof raw !== "object" || !FLAG_KINDS[raw.kind]) return null;
  return Object.freeze({
    kind: raw.kind,
    reason: typeof raw.reason === "string" ? raw.reason : "",
    category_id: raw.category_id ?? null,
    resolution: raw.resolution ?? null,
    proposal_id: raw.proposal_id ?? null,
  });
}

/** A flag as a save sends it: what the person decides (the pick goes as category_id). */
export function flagToServer(flag) {
  if (!flag) return null;
  return { kind: flag.kind, reason: flag.reason || "", proposal_id: flag.proposal_id ?? null };
}

/** The same flag as far as the person can change it (kind, reason, proposal). */
export function sameFlag(a, b) {
  if (!a || !b) return !a && !b;
  return a.kind === b.kind && (a.reason || "") === (b.reason || "") && (a.proposal_id ?? null) === (b.proposal_id ?? null);
}

/** Flagged and not yet decided by the instructor. */
export function openFlag(flag) {
  return Boolean(flag) && !flag.resolution;
}

/** The class the editor shows for a server annotation: the person's pick while a flag is open, else its class. */
export function categoryFromServer(item) {
  const flag = flagFromServer(item.flag);
  if (openFlag(flag) && flag.category_id !== null && flag.category_id !== undefined) return flag.category_id;
  return item.category_id;
}

/** The polygon list's badge: {text, title, resolved}, or null when not flagged. */
export function flagBadge(flag) {
  if (!flag) return null;
  const what = FLAG_KINDS[flag.kind] || flag.kind;
  const why = flag.reason ? `: ${flag.reason}` : "";
  if (flag.resolution) {
    return { text: "✓", title: `${what}${why}. Decided: the instructor ${resolutionText(flag.resolution)}.`, resolved: true };
  }
  return { text: flag.kind === "unsure" ? "?" : "⚑", title: `${what}${why}`, resolved: false };
}

export function resolutionText(resolution) {
  return RESOLUTIONS[resolution] || resolution;
}

/** The flag the form describes: {kind: "" | kind, reason} -> a flag or null (kind "" clears it). */
export function flagFromForm({ kind, reason }, proposalId = null) {
  if (!kind || !FLAG_KINDS[kind]) return null;
  return Object.freeze({
    kind,
    reason: String(reason || "").trim().slice(0, MAX_REASON),
    proposal_id: kind === "none_fits" ? proposalId ?? null : null,
  });
}
