import { backoffWait, type BackoffPolicy } from '@dtbot/shared';

export interface BackoffOptions extends Partial<BackoffPolicy> {
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Waits between failed Stream connects: 1 s, 2 s, 4 s … up to 60 s, each drawn between half and
 * all of that (`backoffWait`), so the gateways that lost DingTalk together do not all come back in
 * the same instant. `reset` after a healthy connection starts over at 1 s.
 */
export class ReconnectBackoff {
  private attempts = 0;
  private readonly policy: BackoffPolicy;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.policy = { baseMs: options.baseMs ?? 1000, maxMs: options.maxMs ?? 60_000 };
    this.random = options.random ?? Math.random;
  }

  /** The wait before the next attempt; each call doubles the one after it. */
  next(): number {
    const wait = backoffWait(this.attempts, this.policy, this.random);
    this.attempts += 1;
    return wait;
  }

  reset(): void {
    this.attempts = 0;
  }
}
