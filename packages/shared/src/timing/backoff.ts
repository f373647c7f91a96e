export interface BackoffPolicy {
  /** The wait of the first attempt (attempt 0), before jitter. */
  baseMs: number;
  /** Longest wait, before jitter. */
  maxMs: number;
}

/**
 * Doubling stops here: 2 ** 1024 is Infinity, and a zero `baseMs` times Infinity is NaN. Any real
 * policy reaches `maxMs` long before 30 doublings (a 1 ms base reaches 12 days).
 */
const MAX_DOUBLINGS = 30;

/**
 * The wait before retry number `attempt` (0 for the first retry): `baseMs` doubled per attempt up
 * to `maxMs`, then drawn uniformly between half and all of that ("equal jitter"). The jitter keeps
 * clients that failed together from all coming back in the same instant; the half that is kept
 * still grows, so a lasting failure is not hammered.
 */
export function backoffWait(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, MAX_DOUBLINGS));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
