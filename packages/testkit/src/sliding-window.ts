export type Admission =
  | { admitted: true; remaining: number; resetMs: number }
  | { admitted: false; retryAfterMs: number };

/**
 * Admission by a rolling window, like a provider's requests-per-minute limit: at most `limit`
 * events are admitted within any `windowMs` span. Refused events do not count.
 */
export class SlidingWindow {
  private readonly windowMs: number;
  private readonly admittedAt: number[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  tryAdmit(limit: number, now = Date.now()): Admission {
    while (this.admittedAt.length > 0 && this.admittedAt[0]! <= now - this.windowMs) this.admittedAt.shift();
    if (this.admittedAt.length >= limit) {
      return { admitted: false, retryAfterMs: this.msUntilSlotFrees(now) };
    }
    this.admittedAt.push(now);
    const remaining = Math.max(0, limit - this.admittedAt.length);
    return { admitted: true, remaining, resetMs: this.msUntilSlotFrees(now) };
  }

  private msUntilSlotFrees(now: number): number {
    const oldest = this.admittedAt[0];
    // At least 1 ms: a zero retry delay would make clients spin against the limit.
    return oldest === undefined ? 1 : Math.max(1, oldest + this.windowMs - now);
  }
}
