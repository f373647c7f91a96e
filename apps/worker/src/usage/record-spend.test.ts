import { describe, expect, it } from 'vitest';
import type { CountedAsker } from '../counting/counted-as.js';
import { createWorkerMetrics } from '../metrics.js';
import type { WorkerRobotOptions } from '../robot-options.js';
import { PriceTable } from './price-table.js';
import { recordSpend, type RecordSpendDeps } from './record-spend.js';
import type { Spend } from './usage-ledger.js';

const robot: WorkerRobotOptions = { memoryScope: 'user', model: 'gpt-4o-mini', vision: false, memoryMaxTokens: 3000, cardContentKey: 'content' };
const asker: CountedAsker = { robotCode: 'robot', senderStaffId: 'alice', senderId: 'alice-id', senderNick: 'Alice', conversationType: '1', conversationId: 'cid', conversationTitle: undefined };

/** recordSpend's collaborators, with the ledger's records and the logged errors kept for the test to read. */
function depsWith(overrides: Partial<RecordSpendDeps> = {}) {
  const recorded: Spend[] = [];
  const errors: string[] = [];
  const deps: RecordSpendDeps = {
    usage: { record: async (_jobId: string, _callId: string, _asker: unknown, spend: Spend) => (recorded.push(spend), true) } as unknown as RecordSpendDeps['usage'],
    prices: new PriceTable({}),
    metrics: createWorkerMetrics(),
    logger: { error: (_fields: object, message: string) => errors.push(message) } as unknown as RecordSpendDeps['logger'],
    robotOptions: () => robot,
    ...overrides,
  };
  return { deps, recorded, errors };
}

describe('recordSpend', () => {
  it('records a priced call in the ledger and the counters', async () => {
    const { deps, recorded, errors } = depsWith();
    await recordSpend(deps, 'job-1', asker, { kind: 'chat', model: 'gpt-4o-mini', apiUrl: 'https://api.openai.com/v1', tokens: { input: 1000, output: 200 } });
    expect(recorded).toEqual([{ model: 'gpt-4o-mini', tokensIn: 1000, tokensOut: 200, images: 0, costUsd: expect.closeTo(1000 * 0.15e-6 + 200 * 0.6e-6, 12) }]);
    expect(errors).toEqual([]);
  });

  // Callers send it without waiting for it: a rejection there would be unhandled, and end the worker.
  it('never rejects: a price table that throws is logged, and nothing is recorded', async () => {
    const prices = { chat: () => { throw new Error('price table bug'); }, image: () => undefined } as unknown as RecordSpendDeps['prices'];
    const { deps, recorded, errors } = depsWith({ prices });
    await expect(recordSpend(deps, 'job-2', asker, { kind: 'chat', model: 'm', apiUrl: '', tokens: { input: 1, output: 1 } })).resolves.toBeUndefined();
    expect(recorded).toEqual([]);
    expect(errors).toEqual(['usage could not be recorded']);
  });

  it('never rejects: counts a counter refuses (negative, not a number) are logged', async () => {
    for (const tokens of [{ input: -5, output: 3 }, { input: Number.NaN, output: 3 }]) {
      const { deps, errors } = depsWith();
      await expect(recordSpend(deps, 'job-3', asker, { kind: 'chat', model: 'gpt-4o-mini', apiUrl: '', tokens })).resolves.toBeUndefined();
      expect(errors).toEqual(['usage could not be recorded']);
    }
  });

  it('never rejects: a ledger that fails is logged', async () => {
    const usage = { record: async () => { throw new Error('Redis is down'); } } as unknown as RecordSpendDeps['usage'];
    const { deps, errors } = depsWith({ usage });
    await expect(recordSpend(deps, 'job-4', asker, { kind: 'chat', model: 'gpt-4o-mini', apiUrl: '', tokens: { input: 1, output: 1 } })).resolves.toBeUndefined();
    expect(errors).toEqual(['usage could not be recorded']);
  });
});
