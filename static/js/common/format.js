// Numbers, durations and relative times as text, for every page: Intl.NumberFormat (style "unit" for
// seconds, minutes and hours; plain numbers, percentages, money) and Intl.RelativeTimeFormat, in the page's
// language (<html lang>, "en" when it has none), so a translated page gets its own units and separators.
//
// One duration prints one way everywhere (en):
//   under a minute, to a tenth of a second    "5 sec", "7.2 sec", "42 sec"
//   under an hour, to the second               "3 min 07 sec", "2 min"
//   from an hour, to the minute                "1 hr 02 min", "2 hr"
// A duration is rounded to its range's step first, so 59.96 s is "1 min", never "60 sec". A value that is a
// whole number of a coarser step prints exactly that (labour/time_split.js relies on it). Missing values
// print as NONE.

export const NONE = "–";

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The page's language: <html lang>, or "en" when it has none or an unreadable one. */
export function pageLocale(doc = globalThis.document) {
  const lang = doc && doc.documentElement ? doc.documentElement.lang : "";
  if (lang) {
    try {
      return Intl.getCanonicalLocales(lang)[0] ?? "en";
    } catch {
      // not a language tag: fall back
    }
  }
  return "en";
}

const cache = new Map();

/** An Intl formatter, made once per kind, locale and options. */
function formatter(Kind, locale, options) {
  const key = `${Kind.name}|${locale}|${JSON.stringify(options)}`;
  let made = cache.get(key);
  if (!made) {
    made = new Kind(locale, options);
    cache.set(key, made);
  }
  return made;
}

function unit(locale, name, value, { pad = false, fraction = 0 } = {}) {
  return formatter(Intl.NumberFormat, locale, { style: "unit", unit: name, unitDisplay: "short",
    minimumIntegerDigits: pad ? 2 : 1, maximumFractionDigits: fraction }).format(value);
}

/** The step a duration is shown to: a tenth of a second under a minute, a second under an hour, else a minute. */
export function durationStep(ms) {
  const size = Math.abs(ms);
  if (Math.round(size / 100) * 100 < MINUTE) return 100;
  if (Math.round(size / SECOND) * SECOND < HOUR) return SECOND;
  return MINUTE;
}

/** A duration in milliseconds as text: "42 sec", "3 min 07 sec", "1 hr 02 min" (see the top of this file). */
export function formatDuration(ms, { locale = pageLocale() } = {}) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const step = durationStep(ms);
  const rounded = Math.round(Math.abs(ms) / step) * step;
  const sign = ms < 0 && rounded > 0 ? -1 : 1;
  const join = (first, second) => formatter(Intl.ListFormat, locale, { type: "unit", style: "narrow" })
    .format([first, second]);
  if (rounded < MINUTE) return unit(locale, "second", sign * (rounded / SECOND), { fraction: 1 });
  if (rounded < HOUR) {
    const minutes = Math.floor(rounded / MINUTE);
    const seconds = Math.round((rounded % MINUTE) / SECOND);
    const head = unit(locale, "minute", sign * minutes);
    return seconds ? join(head, unit(locale, "second", seconds, { pad: true })) : head;
  }
  const hours = Math.floor(rounded / HOUR);
  const minutes = Math.round((rounded % HOUR) / MINUTE);
  const head = unit(locale, "hour", sign * hours);
  return minutes ? join(head, unit(locale, "minute", minutes, { pad: true })) : head;
}

/** A span of whole seconds, e.g. a histogram bin: "0–5 sec". */
export function formatSecondsRange(from, to, { locale = pageLocale() } = {}) {
  return formatter(Intl.NumberFormat, locale, { style: "unit", unit: "second", unitDisplay: "short" })
    .formatRange(from, to);
}

/**
 * A number with `digits` decimals (exactly; or between `minDigits` and `maxDigits`), grouped by the locale:
 * 1234.5 -> "1,234.5". NONE for a missing or infinite value.
 */
export function formatNumber(value, { digits = 0, minDigits = digits, maxDigits = digits, locale = pageLocale() } = {}) {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return formatter(Intl.NumberFormat, locale, { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits })
    .format(value);
}

/** A count: 328000 -> "328,000". */
export function formatCount(value, options = {}) {
  return formatNumber(value, { ...options, digits: 0 });
}

/** A fraction as a percentage: 0.256 -> "26%"; `digits` decimals. */
export function formatPercent(fraction, { digits = 0, locale = pageLocale() } = {}) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return NONE;
  return formatter(Intl.NumberFormat, locale, { style: "percent", minimumFractionDigits: digits,
    maximumFractionDigits: digits }).format(fraction);
}

/** Hours (person-hours) with as many decimals as their size needs: 0.125 -> "0.125", 37.25 -> "37.3". */
export function formatHours(hours, options = {}) {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return NONE;
  const size = Math.abs(hours);
  return formatNumber(hours, { ...options, digits: size < 1 ? 3 : size < 10 ? 2 : size < 1000 ? 1 : 0 });
}

/**
 * Money with its currency code, with as many decimals as small amounts need (a cent per polygon must not show
 * as 0.00): 12.82 USD -> "USD 12.82", 0.0028 USD -> "USD 0.0028" (en).
 */
export function formatMoney(value, currency, { locale = pageLocale() } = {}) {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const size = Math.abs(value);
  const digits = size > 0 && size < 0.1 ? Math.min(6, 1 - Math.floor(Math.log10(size))) : 2; // two significant
  try {
    return formatter(Intl.NumberFormat, locale, { style: "currency", currency, currencyDisplay: "code",
      minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  } catch {
    return `${formatNumber(value, { digits, locale })} ${currency}`; // not a currency code Intl accepts
  }
}

/** How long ago, coarsely, from seconds: "now" (under 5 s), "25 seconds ago", "3 minutes ago", "1 hour ago". */
export function formatAgo(seconds, { locale = pageLocale() } = {}) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const relative = formatter(Intl.RelativeTimeFormat, locale, { numeric: "auto" });
  if (seconds < 5) return relative.format(0, "second");
  if (seconds < 60) return relative.format(-Math.floor(seconds), "second");
  if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
  return relative.format(-Math.floor(seconds / 3600), "hour");
}
