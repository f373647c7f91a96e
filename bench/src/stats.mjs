// Small, exact statistics over arrays of samples (the bench keeps every sample; there are few).

/** Nearest-rank percentile (p in 0..100) of numbers; undefined for no samples. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The most timestamps (ms) that fall into any window [t, t + windowMs). */
export function maxInWindow(timestamps, windowMs) {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while (sorted[last] - sorted[first] >= windowMs) first += 1;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

export const round = (value, digits = 1) => (value === undefined ? undefined : Number(value.toFixed(digits)));
