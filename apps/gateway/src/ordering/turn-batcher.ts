import type { TurnNumber, Turns, TurnSubject } from '@dtbot/shared';

interface Pending extends TurnSubject {
  resolve: (turn: TurnNumber) => void;
  reject: (error: unknown) => void;
}

/**
 * Numbers the callbacks that reach the store step in one event-loop turn with one Redis script
 * call. Under load many callbacks finish reading their bodies in the same poll phase (about 11 in
 * the bench); numbering them together spares each one a Redis command of its own (encoding, socket
 * write, reply), the gateway's costliest step after the add. A lone callback waits only for the
 * end of the current loop turn.
 */
export class TurnBatcher {
  private pending: Pending[] = [];

  constructor(
    private readonly turns: Turns,
    private readonly maxBatch = 512,
  ) {}

  /** `noticeAt`: when the message gets its queue notice if its answer has not started (`TurnSubject`). */
  next(orderKey: string, conversationKey: string, noticeAt?: number): Promise<TurnNumber> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ orderKey, conversationKey, ...(noticeAt !== undefined ? { noticeAt } : {}), resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.turns.nextMany(batch).then(
      (numbers) => batch.forEach((waiting, i) => waiting.resolve(numbers[i]!)),
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
  }
}
