// Small statistics and formatting helpers for the benchmark table.

/** Median of the finite numbers in xs (undefined when there are none). */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** {median, min, max, n} of the finite numbers in xs. */
export function summarize(xs) {
  const s = xs.filter((x) => Number.isFinite(x));
  if (s.length === 0) return { median: undefined, min: undefined, max: undefined, n: 0 };
  return { median: median(s), min: Math.min(...s), max: Math.max(...s), n: s.length };
}

/** A number with about three significant digits (1234 → "1234", 12.345 → "12.3", 0.01234 → "0.0123"). */
export function fmt(x) {
  if (x === undefined || !Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** "median [min–max]" when there is a spread to show, else just the median. */
export function fmtSummary(s) {
  if (s.n === 0) return "—";
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}
