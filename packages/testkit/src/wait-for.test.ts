import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves once the condition holds', async () => {
    let calls = 0;
    await waitFor(async () => ++calls >= 3, { intervalMs: 1 });
    expect(calls).toBe(3);
  });

  it('times out with the message and the last error', async () => {
    const failure = waitFor(
      () => {
        throw new Error('not ready');
      },
      { timeoutMs: 50, intervalMs: 5, message: () => 'the queue to drain' },
    );
    await expect(failure).rejects.toThrow(/timed out after 50 ms: the queue to drain \(last error: not ready\)/);
  });
});
