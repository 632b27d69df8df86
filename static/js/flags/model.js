// The flags page's plain data: how flags group (under their proposal, else by the class the person would have
// picked) and the words for kinds, resolutions and proposal states. No DOM here; tested under node.

export const KIND_TEXT = Object.freeze({ none_fits: "None of the classes fits", unsure: "Unsure" });

export const NO_GUESS = "No class picked";

// Open first (they are what the discussion is about), then decided; each in the order they were raised.
function byOpenThenId(a, b) {
  const openA = a.resolution === null ? 0 : 1;
  const openB = b.resolution === null ? 0 : 1;
  return openA - openB || a.id - b.id;
}

/**
 * Flags under their proposal (in the proposals' order), and the rest by guessed class (by name, "no class
 * picked" last). Returns { byProposal: Map<proposalId, flag[]>, byClass: [{ key, name, colour, flags }] }.
 */
export function groupFlags(flags, proposals) {
  const byProposal = new Map(proposals.map((proposal) => [proposal.id, []]));
  const classGroups = new Map();
  for (const flag of flags) {
    const proposalId = flag.proposal ? flag.proposal.id : null;
    if (proposalId !== null) {
      if (!byProposal.has(proposalId)) byProposal.set(proposalId, []);
      byProposal.get(proposalId).push(flag);
      continue;
    }
    const key = flag.guess ? `class-${flag.guess.id}` : "none";
    if (!classGroups.has(key)) {
      classGroups.set(key, {
        key, name: flag.guess ? flag.guess.name : NO_GUESS, colour: flag.guess ? flag.guess.colour : null, flags: [],
      });
    }
    classGroups.get(key).flags.push(flag);
  }
  for (const list of byProposal.values()) list.sort(byOpenThenId);
  const byClass = [...classGroups.values()].sort((a, b) => {
    if (a.key === "none" || b.key === "none") return a.key === "none" ? 1 : -1;
    return a.name.localeCompare(b.name);
  });
  for (const group of byClass) group.flags.sort(byOpenThenId);
  return { byProposal, byClass };
}

/** What became of a flag, in words: "Open", "Kept as car", "Reclassed as truck", ... */
export function resolutionText(flag) {
  const now = flag.category ? flag.category.name : "?";
  switch (flag.resolution) {
    case null:
    case undefined:
      return "Open";
    case "kept":
      return `Kept as ${now}`;
    case "reclassed":
      return `Reclassed as ${now}`;
    case "accepted":
      return `New class ${now}`;
    case "merged":
      return `Merged into ${now}`;
    case "rejected":
      return "Proposal rejected: stays void";
    default:
      return flag.resolution;
  }
}

/** A proposal's state in words, naming the class it became or joined. */
export function proposalStatusText(proposal) {
  const target = proposal.category ? proposal.category.name : "";
  switch (proposal.status) {
    case "open":
      return "Open";
    case "accepted":
      return `Accepted: now the class ${target}`;
    case "merged":
      return `Merged into ${target}`;
    case "rejected":
      return "Rejected";
    default:
      return proposal.status;
  }
}

/** Whose: the display name when the server sent one (the instructor), else the pseudonym. */
export function personText(pseudonym, name) {
  if (name) return `${name} (${pseudonym})`;
  return pseudonym || "imported";
}

/** Classes to resolve or merge into: active ones, by display order; void only where allowed. */
export function decisionClasses(categories, { includeVoid }) {
  return categories.filter((category) => includeVoid || category.name !== "void/unknown");
}

export function counts(flags, proposals) {
  const open = flags.filter((flag) => flag.resolution === null).length;
  return {
    flags: flags.length, open, decided: flags.length - open,
    proposals: proposals.length, openProposals: proposals.filter((p) => p.status === "open").length,
  };
}
