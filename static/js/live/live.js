// The instructor's live view (/live): polls /api/workshop/live every 3 s and ticks the human time every
// quarter second in between (rules in clock.js). Cards are updated in place, so a projector shows no flicker.
// The cards are set to fit the screen whole (fit.js): again when people join or leave, when a name or status no
// longer fits, and when the window changes size; pages turn only when a room cannot fit at all.
// Names arrive from the server as typed by participants: they go in as textContent only. No globals.

import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatDuration } from "../common/format.js";
import { RoomClock, density, plural, statusText } from "./clock.js";
import { MAX_FONT, PAGE_MS, chooseLayout, forHeight, nameScale, pageOf } from "./fit.js";

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
let laidOut = ""; // who the layout was chosen for (ids and names, in order)
let paging = null; // {perPage, index, timer} while the cards are paged
let lastRefit = 0;
let lastCheck = 0;
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
  const counts = element(doc, "p", { className: "live-counts" });
  parts.separator = doc.createTextNode("");
  counts.append(parts.objects, parts.separator, parts.here);
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
    setText(parts.separator, parts.here.textContent ? " · " : "");
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

// --- fitting the room on the screen (fit.js) -----------------------------------------------------------------

const page = doc.documentElement;
const view = doc.defaultView;

/** Words wider than their card set smaller (NAME_EM down to MIN_NAME_SCALE); past that, allowed to break. */
function shrinkNames() {
  const names = [...grid.querySelectorAll(".live-name")];
  for (const name of names) {
    name.style.removeProperty("font-size");
    name.classList.remove("live-name-break");
  }
  const wide = names.filter((name) => name.scrollWidth > name.clientWidth);
  const scales = wide.map((name) => nameScale(name.clientWidth, name.scrollWidth));
  wide.forEach((name, index) => {
    if (scales[index] === null) name.classList.add("live-name-break");
    else name.style.fontSize = `${scales[index].toFixed(3)}em`;
  });
  for (const name of wide) if (name.scrollWidth > name.clientWidth) name.classList.add("live-name-break");
}

function overflowing() {
  if (page.scrollHeight > view.innerHeight || page.scrollWidth > view.innerWidth) return true;
  return [...grid.querySelectorAll(".live-name, .live-status")].some((node) => node.scrollWidth > node.clientWidth);
}

function applyLayout(detail, font) {
  root.dataset.detail = String(detail);
  root.style.setProperty("--live-font", `${font}px`);
  shrinkNames();
}

function stopPaging() {
  if (paging) clearInterval(paging.timer);
  paging = null;
  for (const card of grid.children) card.hidden = false;
  $("pages").hidden = true;
  root.dataset.pages = "1";
}

function showPage() {
  const cards = [...grid.children];
  const shown = pageOf(cards.length, paging.perPage, paging.index);
  cards.forEach((card, index) => { card.hidden = index < shown.start || index >= shown.end; });
  root.dataset.pages = String(shown.pages);
  $("pages").hidden = false;
  setText($("pages"), `Page ${shown.current + 1} of ${shown.pages}: the cards turn every ${PAGE_MS / 1000} s. `);
}

/** Cards that fit above the fold at the current layout (at least one). */
function cardsThatFit() {
  const spare = view.innerHeight - page.scrollHeight; // negative: how much too tall the page is
  const bottom = grid.getBoundingClientRect().bottom + spare;
  return Math.max(1, [...grid.children].filter((card) => card.getBoundingClientRect().bottom <= bottom).length);
}

function refit() {
  lastRefit = performance.now();
  stopPaging();
  const { levels, maxFont } = forHeight(view.innerHeight, undefined, MAX_FONT[root.dataset.density] ?? MAX_FONT.dense);
  const choice = chooseLayout(levels, maxFont, (detail, font) => {
    applyLayout(detail, font);
    return !overflowing();
  });
  applyLayout(choice.detail, choice.font);
  if (choice.paged) {
    paging = { perPage: cardsThatFit(), index: 0, timer: null };
    paging.timer = setInterval(() => {
      paging.index += 1;
      showPage();
    }, PAGE_MS);
    showPage();
  }
}

/** Lay the cards out again when the room changed, or when a name or a status no longer fits. */
function keepFitting(answer) {
  const who = answer ? answer.people.map((person) => `${person.id}\u0000${person.name}`).join("\u0001") : laidOut;
  if (who !== laidOut) {
    laidOut = who;
    refit();
    return;
  }
  const now = performance.now();
  if (paging || now - lastCheck < 1000) return; // a status's words change each second at most
  lastCheck = now;
  if (overflowing()) refit();
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
    keepFitting(answer);
    root.dataset.state = "ready";
    showConnection(true);
  } catch (error) {
    showConnection(false, error.error === "timeout" ? "no answer" : error.message || "no answer");
  } finally {
    setTimeout(poll, POLL_MS); // the same pace while the server is unreachable: it is one small request

  }
}

poll();
setInterval(() => {
  tick();
  keepFitting(null);
}, TICK_MS);
let resizing = 0;
view.addEventListener("resize", () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(refit);
});
