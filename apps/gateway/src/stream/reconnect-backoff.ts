export interface BackoffOptions {
  /** First wait; default 1 s. */
  baseMs?: number;
  /** Longest wait; default 60 s. */
  maxMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Waits between failed Stream connects: 1 s, 2 s, 4 s … up to 60 s, each drawn between half and
 * all of that ("equal jitter"), so the gateways that lost DingTalk together do not all come back in
 * the same instant. `reset` after a healthy connection starts over at 1 s.
 */
export class ReconnectBackoff {
  private attempts = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** The wait before the next attempt; each call doubles the one after it. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempts, 30));
    this.attempts += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}
