/** Recent drain: answers started per second over the last minute. */
const WINDOW_SECONDS = 60;

/**
 * Answers started per second recently, from per-second start counts (oldest first) of the last `WINDOW_SECONDS`
 * full seconds: counted from the first second that had a start, so a queue that began draining a few seconds ago
 * is not diluted by the quiet minute before. That first second is only part of a second of draining (work began
 * somewhere inside it): dropped when there are others. `undefined` when nothing started in the window: no rate to
 * estimate from.
 */
export function drainRate(startsPerSecond: readonly number[]): number | undefined {
  const first = startsPerSecond.findIndex((count) => count > 0);
  if (first === -1) return undefined;
  let counted = startsPerSecond.slice(first);
  if (counted.length >= 3) counted = counted.slice(1);
  return counted.reduce((sum, count) => sum + count, 0) / counted.length;
}

/** The seconds (epoch seconds, inclusive) whose counts `drainRate` reads at `now`: the current one is not over. */
export function drainWindow(now: number): { from: number; to: number } {
  const current = Math.floor(now / 1000);
  return { from: current - WINDOW_SECONDS, to: current - 1 };
}
