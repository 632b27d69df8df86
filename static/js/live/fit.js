// How the live view sets its cards so that the whole room fits the projector's screen, nothing cut. Pure: the
// caller measures (live.js passes a `fits(detail, font)` that applies a layout and looks at the page).
//
// Levels of detail, most first: 0 shows each card's thumbnail, image name and counts; 1 drops the thumbnail;
// 2 drops the image name too; 3 the counts (name, status and time stay). Each level has the smallest font it
// may use, so a full room drops a thumbnail before names become small. The first level that fits at its smallest font or larger wins, at the largest font
// that fits; when none does, the cards are paged (the legend says so).

//
// Sizes are for a screen 1080 pixels high and scale with the screen's height (`forHeight`): a projector shows
// 720 lines as large as 1080, so 12 px on a 720-line screen reads as 18 px on a 1080-line one.
export const LEVELS = [
  { detail: 0, minFont: 18 },
  { detail: 1, minFont: 17 },
  { detail: 2, minFont: 16.5 },
  { detail: 3, minFont: 16 },
];
/** The largest card font (px at 1080 lines) by density (clock.js `density`): a few people get big cards, not huge. */
export const MAX_FONT = { roomy: 30, normal: 24, dense: 22 };
export const REFERENCE_HEIGHT = 1080;
export const STEP = 0.5; // px
/** A name is set at this many ems of its card's font (live.css .live-name). */
export const NAME_EM = 1.12;
/** A word wider than its card is set smaller, down to this share of NAME_EM; beyond that it may break. */
export const MIN_NAME_SCALE = 0.7;
export const PAGE_MS = 10_000;

/**
 * The largest font in [low, high] (a multiple of STEP from low) for which `fits(font)` holds, on the assumption
 * that a smaller font never needs more room; null when not even `low` fits.
 */
export function largestFitting(low, high, fits) {
  if (!fits(low)) return null;
  if (high <= low) return low;
  if (fits(high)) return high;
  let good = low;
  let bad = high;
  while (bad - good > STEP) {
    const middle = good + Math.max(STEP, Math.floor((bad - good) / 2 / STEP) * STEP);
    if (middle >= bad) break;
    if (fits(middle)) good = middle;
    else bad = middle;
  }
  return good;
}

/** LEVELS and the largest font for a screen `height` pixels high (never scaled up, nor below 0.6). */
export function forHeight(height, levels = LEVELS, maxFont = MAX_FONT.dense) {
  const scale = Math.min(1, Math.max(0.6, height / REFERENCE_HEIGHT));
  const round = (size) => Math.round((size * scale) / STEP) * STEP;
  return { levels: levels.map((level) => ({ ...level, minFont: round(level.minFont) })), maxFont: round(maxFont) };
}

/** {detail, font, paged}: the first level that fits and its largest font; else the last level, smallest, paged. */
export function chooseLayout(levels, maxFont, fits) {
  for (const level of levels) {
    const font = largestFitting(level.minFont, Math.max(level.minFont, maxFont), (size) => fits(level.detail, size));
    if (font !== null) return { detail: level.detail, font, paged: false };
  }
  const last = levels[levels.length - 1];
  return { detail: last.detail, font: last.minFont, paged: true };
}

/** The name's font (in ems of its card's) that makes a word `wordWidth` wide fit `width`; null: it cannot. */
export function nameScale(width, wordWidth) {
  if (!(wordWidth > width)) return NAME_EM;
  const factor = (width / wordWidth) * 0.97; // a little under, so rounding never leaves a pixel over
  return factor >= MIN_NAME_SCALE ? NAME_EM * factor : null;
}

/** Pages of `perPage` cards out of `count`: how many, and which cards page `index` shows ([start, end)). */
export function pageOf(count, perPage, index) {
  const size = Math.max(1, Math.floor(perPage));
  const pages = Math.max(1, Math.ceil(count / size));
  const current = ((index % pages) + pages) % pages;
  return { pages, current, start: current * size, end: Math.min(count, (current + 1) * size) };
}
