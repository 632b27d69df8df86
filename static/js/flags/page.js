// The flags page (/flags): every flag, its reason and the proposed classes, for the discussion at the end of a
// workshop. Loads /api/flags, /api/proposals and /api/categories; the instructor's decisions are POSTs to the
// API, after which everything is loaded again (the server has the final word). No globals.

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { counts, groupFlags } from "./model.js";
import { classGroup, proposalCard } from "./render.js";

const root = document.querySelector('[data-testid="flags-page"]');
const doc = root.ownerDocument;
const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);
const instructor = root.dataset.instructor === "true";
const statusLine = $("status");
let loading = 0; // only the latest load is drawn
const api = makeApi();

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("is-error", isError);
}

async function decide(button, url, body, done) {
  button.disabled = true;
  say("Saving the decision…");
  try {
    await api.post(url, body);
  } catch (error) {
    button.disabled = false;
    say(`Not saved: ${error.message}`, true);
    return;
  }
  try {
    await load();
    say(done);
  } catch (error) {
    say(`${done} Reload the page to see it: ${error.message}`, true);
  }
}

const actions = {
  onAccept: (proposal, body, button) => decide(button, `/api/proposals/${proposal.id}/accept`, body,
    `“${proposal.name}” is now a class.`),
  onMerge: (proposal, body, button) => decide(button, `/api/proposals/${proposal.id}/merge`, body,
    `“${proposal.name}” merged.`),
  onReject: (proposal, body, button) => decide(button, `/api/proposals/${proposal.id}/reject`, body,
    `“${proposal.name}” rejected.`),
  onResolve: (flag, categoryId, button) => decide(button, `/api/annotations/${flag.id}/resolve`,
    { category_id: categoryId }, "Flag resolved."),
};

function render(flags, proposals, categories) {
  const options = { instructor, categories, ...actions };
  const { byProposal, byClass } = groupFlags(flags, proposals);
  const proposalList = $("proposals");
  proposalList.replaceChildren(...proposals.map((proposal) => proposalCard(doc, proposal,
    byProposal.get(proposal.id) ?? [], options)));
  if (proposals.length === 0) {
    proposalList.append(element(doc, "p", { className: "flags-empty", text: "No class has been proposed yet." }));
  }
  const classList = $("by-class");
  classList.replaceChildren(...byClass.map((group) => classGroup(doc, group, options)));
  if (byClass.length === 0) {
    classList.append(element(doc, "p", { className: "flags-empty", text: "No other flags." }));
  }
  const figures = counts(flags, proposals);
  $("summary").textContent = `${figures.flags} flag${figures.flags === 1 ? "" : "s"} (${figures.open} open, `
    + `${figures.decided} decided) · ${figures.proposals} proposed class${figures.proposals === 1 ? "" : "es"} `
    + `(${figures.openProposals} open)`;
}

async function load() {
  const mine = ++loading;
  const [flags, proposals, categories] = await Promise.all([
    api.get(root.dataset.flagsUrl), api.get(root.dataset.proposalsUrl), api.get(root.dataset.categoriesUrl),
  ]);
  if (mine !== loading) return;
  render(flags.items, proposals.items, categories.items);
  root.dataset.state = "ready";
}

load().then(() => say("")).catch((error) => {
  root.dataset.state = "error";
  say(`Could not load the flags: ${error.message}`, true);
});
