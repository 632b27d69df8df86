// The instructor's live view (/live): polls /api/workshop/live every 3 s and ticks the human time every
// quarter second in between (rules in clock.js). Cards are updated in place, so a projector shows no flicker.
// Names arrive from the server as typed by participants: they go in as textContent only. No globals.

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { RoomClock, density, plural, statusText } from "./clock.js";

const POLL_MS = 3000;
const TICK_MS = 250;
const TIMEOUT_MS = 10_000;

const root = document.querySelector('[data-testid="live"]');
const doc = root.ownerDocument;
const $ = (testid) => root.querySelector(`[data-testid="${testid}"]`);
const grid = $("people");
const connection = $("connection");
const clock = new RoomClock();
const cards = new Map(); // person id -> {card, parts}
let lastAnswer = null;
let polledAt = 0;
const api = makeApi();

function makeCard(id) {
  const card = element(doc, "li", { className: "live-card", testid: "person" });
  card.dataset.person = id;
  const thumb = element(doc, "img", { className: "live-thumb", testid: "person-thumb" });
  thumb.alt = "";
  thumb.decoding = "async";
  const body = element(doc, "div", { className: "live-card-body" });
  const parts = {
    thumb,
    name: element(doc, "p", { className: "live-name", testid: "person-name" }),
    status: element(doc, "span", { className: "live-status", testid: "person-status" }),
    time: element(doc, "span", { className: "live-time", testid: "person-time" }),
    image: element(doc, "p", { className: "live-image", testid: "person-image" }),
    objects: element(doc, "span", { className: "live-objects", testid: "person-objects" }),
    here: element(doc, "span", { className: "live-here", testid: "person-objects-here" }),
  };
  const line = element(doc, "p", { className: "live-line" });
  line.append(parts.status, parts.time);
  const counts = element(doc, "p", { className: "live-line" });
  counts.append(parts.objects, parts.here);
  body.append(parts.name, line, parts.image, counts);
  card.append(thumb, body);
  return { card, parts, imageId: null };
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function renderPeople(answer) {
  const seen = new Set();
  answer.people.forEach((person, index) => {
    seen.add(person.id);
    let entry = cards.get(person.id);
    if (!entry) {
      entry = makeCard(person.id);
      cards.set(person.id, entry);
    }
    const { card, parts } = entry;
    card.dataset.status = person.status;
    setText(parts.name, person.name);
    parts.name.title = person.name;
    const imageId = person.image ? person.image.id : null;
    if (imageId !== entry.imageId) {
      entry.imageId = imageId;
      if (person.image) parts.thumb.src = person.image.thumbnail_url;
      else parts.thumb.removeAttribute("src"); // an empty frame keeps the cards aligned
    }
    setText(parts.image, person.image ? person.image.file_name : "no image yet");
    parts.image.title = person.image ? person.image.file_name : "";
    setText(parts.objects, plural(person.objects, "object", "objects"));
    setText(parts.here, person.image ? `${person.objects_on_image} here` : "");
    parts.here.title = person.image ? "on the image they are working on" : "";
    // Time a page's clock claimed beyond what the server saw pass: kept in the ledger, not counted, shown.
    const clamped = person.clamped_ms > 0;
    card.dataset.clamped = clamped ? "yes" : "no";
    parts.time.title = clamped ? `not counted: ${formatDuration(person.clamped_ms)} claimed by a page clock beyond `
      + "what the server saw pass" : "";
    if (clamped) setText(parts.here, `${parts.here.textContent} · ${formatDuration(person.clamped_ms)} clamped`);
    if (grid.children[index] !== card) grid.insertBefore(card, grid.children[index] ?? null);
  });
  for (const [id, entry] of cards) {
    if (!seen.has(id)) {
      entry.card.remove();
      cards.delete(id);
    }
  }
  root.dataset.density = density(answer.people.length);
  $("empty").hidden = answer.people.length > 0;
  setText($("active-now"), String(answer.totals.active_now));
  setText($("people-count"), String(answer.totals.people));
  setText($("objects-total"), String(answer.totals.objects));
}

function tick() {
  if (!lastAnswer) return;
  const now = performance.now();
  const figures = clock.read(now);
  setText($("room-total"), formatDuration(figures.total));
  const elapsedSeconds = (now - polledAt) / 1000;
  for (const person of lastAnswer.people) {
    const entry = cards.get(person.id);
    if (!entry) continue;
    setText(entry.parts.time, formatDuration(figures.people.get(person.id) ?? person.active_ms));
    setText(entry.parts.status, statusText(person, elapsedSeconds));
  }
}

function showConnection(ok, why = "") {
  connection.hidden = ok;
  root.dataset.connection = ok ? "ok" : "lost";
  if (!ok) connection.textContent = `Connection lost, retrying… (${why})`;
}

async function poll() {
  try {
    const answer = await api.get(root.dataset.url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    polledAt = performance.now();
    clock.update(answer, polledAt);
    lastAnswer = answer;
    renderPeople(answer);
    tick();
    root.dataset.state = "ready";
    showConnection(true);
  } catch (error) {
    showConnection(false, error.error === "timeout" ? "no answer" : error.message || "no answer");
  } finally {
    setTimeout(poll, POLL_MS); // the same pace while the server is unreachable: it is one small request

  }
}

poll();
setInterval(tick, TICK_MS);
