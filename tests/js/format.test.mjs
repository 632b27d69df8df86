// The pages' one set of formatters (static/js/common/format.js): durations, numbers, money, "… ago".
import assert from "node:assert/strict";
import test from "node:test";

import {
  NONE, durationStep, formatAgo, formatCount, formatDuration, formatHours, formatMoney, formatNumber, formatPercent,
  formatSecondsRange, pageLocale,
} from "../../static/js/common/format.js";

const NBSP = "\u00a0";
const S = 1000;

/** Runs `body` as on a page whose <html lang> is `lang`. */
function onPage(lang, body) {
  const previous = globalThis.document;
  globalThis.document = { documentElement: { lang } };
  try {
    return body();
  } finally {
    globalThis.document = previous;
  }
}

test("one duration, one way: a tenth of a second under a minute, seconds under an hour, minutes beyond", () => {
  assert.equal(formatDuration(5 * S), "5 sec");
  assert.equal(formatDuration(42 * S), "42 sec");
  assert.equal(formatDuration(187 * S), "3 min 07 sec");
  assert.equal(formatDuration(3725 * S), "1 hr 02 min");
  assert.equal(formatDuration(7_240), "7.2 sec");
  assert.equal(formatDuration(6_250), "6.3 sec");
  assert.equal(formatDuration(48_500), "48.5 sec");
  assert.equal(formatDuration(76_400), "1 min 16 sec");
  assert.equal(formatDuration(185_000), "3 min 05 sec");
  assert.equal(formatDuration(608_300), "10 min 08 sec");
  assert.equal(formatDuration(5_400_000), "1 hr 30 min");
  assert.equal(formatDuration(3 * 3_600_000 + 12 * 60_000 + 5_400), "3 hr 12 min");
});

test("zero tails are left off, and a value is rounded before its range is chosen", () => {
  assert.equal(formatDuration(0), "0 sec");
  assert.equal(formatDuration(120_000), "2 min");
  assert.equal(formatDuration(2 * 3_600_000), "2 hr");
  assert.equal(formatDuration(59_949), "59.9 sec");
  assert.equal(formatDuration(59_950), "1 min"); // never "60 sec"
  assert.equal(formatDuration(3_599_499), "59 min 59 sec");
  assert.equal(formatDuration(3_599_500), "1 hr"); // never "60 min"
  assert.deepEqual([59_949, 59_950, 3_599_499, 3_599_500].map(durationStep), [100, 1000, 1000, 60_000]);
});

/** "1 hr 02 min" -> 3720 (seconds): the English text read back. */
function readBack(text) {
  const units = { sec: 1, min: 60, hr: 3600 };
  return [...text.matchAll(/([\d.]+) (sec|min|hr)/g)]
    .reduce((sum, [, value, name]) => sum + Number(value) * units[name], 0);
}

test("a clock that only runs forward only ever shows more (the live view ticks it 4 times a second)", () => {
  let shown = -1;
  for (let ms = 0; ms < 4 * 3_600_000; ms += 137) {
    const value = readBack(formatDuration(ms));
    assert.ok(value >= shown, `${ms} ms: ${formatDuration(ms)}`);
    assert.ok(Math.abs(value * 1000 - ms) <= durationStep(ms) / 2 + 1e-6, `${ms} ms: ${formatDuration(ms)}`);
    shown = value;
  }
});

test("a negative duration keeps its sign once; a rounding to nothing has none", () => {
  assert.equal(formatDuration(-10 * S), "-10 sec");
  assert.equal(formatDuration(-187 * S), "-3 min 07 sec");
  assert.equal(formatDuration(-5), "0 sec");
});

test("missing values show a dash", () => {
  for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.equal(formatDuration(value), NONE);
    assert.equal(formatNumber(value), NONE);
    assert.equal(formatPercent(value), NONE);
    assert.equal(formatHours(value), NONE);
    assert.equal(formatMoney(value, "USD"), NONE);
  }
  assert.equal(NONE, "–");
});

test("numbers, counts, percentages and person-hours, grouped as the locale groups them", () => {
  assert.equal(formatNumber(1234.5, { digits: 1 }), "1,234.5");
  assert.equal(formatNumber(0.0011667, { digits: 4 }), "0.0012");
  assert.equal(formatNumber(2.5, { minDigits: 0, maxDigits: 2 }), "2.5");
  assert.equal(formatCount(328_000), "328,000");
  assert.equal(formatPercent(0.256), "26%");
  assert.equal(formatPercent(0.0042, { digits: 1 }), "0.4%");
  assert.equal(formatHours(0.125), "0.125");
  assert.equal(formatHours(0.42), "0.420");
  assert.equal(formatHours(1.5), "1.50");
  assert.equal(formatHours(37.25), "37.3");
  assert.equal(formatHours(51_234.4), "51,234");
  assert.equal(formatSecondsRange(0, 5), "0–5 sec");
});

test("money with its code, two significant digits for amounts under a tenth", () => {
  assert.equal(formatMoney(12.82, "EUR"), `EUR${NBSP}12.82`);
  assert.equal(formatMoney(0.0028, "USD"), `USD${NBSP}0.0028`);
  assert.equal(formatMoney(0.01, "USD"), `USD${NBSP}0.010`);
  assert.equal(formatMoney(16_113.75, "KES"), `KES${NBSP}16,113.75`);
  assert.equal(formatMoney(0, "USD"), `USD${NBSP}0.00`);
  assert.equal(formatMoney(3, "not a code"), "3.00 not a code"); // Intl refuses it: the number and the code
});

test("how long ago, in words", () => {
  assert.equal(formatAgo(2), "now");
  assert.equal(formatAgo(25.7), "25 seconds ago");
  assert.equal(formatAgo(95), "1 minute ago");
  assert.equal(formatAgo(3_900), "1 hour ago");
  assert.equal(formatAgo(null), "");
});

test("the page's language decides the words and separators; English when it has none", () => {
  assert.equal(pageLocale(undefined), "en");
  assert.equal(onPage("", () => pageLocale()), "en");
  assert.equal(onPage("not a language!", () => pageLocale()), "en");
  assert.equal(onPage("de", () => formatDuration(187 * S)), "3 Min., 07 Sek.");
  assert.equal(onPage("de", () => formatNumber(1234.5, { digits: 1 })), "1.234,5");
  assert.equal(onPage("de", () => formatAgo(95)), "vor 1 Minute");
  assert.match(onPage("fr", () => formatDuration(3725 * S)), /^1\sh 02\smin$/); // French: no-break spaces
  assert.equal(formatDuration(187 * S, { locale: "de" }), "3 Min., 07 Sek.");
  assert.equal(onPage("en", () => formatDuration(187 * S)), "3 min 07 sec");
});

test("no page keeps a duration formatter of its own", async () => {
  const { readdirSync, readFileSync } = await import("node:fs");
  const root = new URL("../../static/js/", import.meta.url);
  const files = readdirSync(root, { recursive: true })
    .filter((name) => name.endsWith(".js") && !name.startsWith("common"));
  for (const name of files) {
    const source = readFileSync(new URL(name, root), "utf8");
    // replay_state.js's "mm:ss" is a media player's position on its scrubber, not a duration figure.
    if (name.endsWith("replay_state.js")) continue;
    assert.doesNotMatch(source,
      /function (formatDuration|formatSeconds|formatClock|formatAgo|formatMoney|duration|minutes|seconds)\(/, name);
    assert.doesNotMatch(source, /toFixed\(1\)\} (s|min)\b|\} min \$\{/, name);
  }
});
