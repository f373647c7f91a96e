import { describe, expect, it } from 'vitest';
import { BotError } from '@dtbot/shared';
import { queueActionFor, type DelayPolicy } from './queue-action.js';

const policy: DelayPolicy = { baseMs: 1000, maxMs: 8000, maxDelays: 5 };
const fresh = { attemptsMade: 0, attempts: 3, delays: 0 };
const noJitter = () => 1;

describe('queueActionFor', () => {
  it('pauses every worker for the wait a queue-wide rate limit names', () => {
    const modelLimit = new BotError('rate_limited', 'model API answered 429', { retryAfterMs: 750, waitScope: 'queue' });
    expect(queueActionFor(modelLimit, fresh, policy)).toEqual({ action: 'pause_queue', waitMs: 750 });
  });

  it('delays only the job for a job-scoped rate limit, doubling with each repeat up to the longest wait', () => {
    const throttled = new BotError('rate_limited', 'webhook errcode 130101', { waitScope: 'job' });
    const waits = [0, 1, 2, 3, 4].map((delays) => queueActionFor(throttled, { ...fresh, delays }, policy, noJitter));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000].map((waitMs) => ({ action: 'delay_job', waitMs })));
  });

  it('tries a job again at once when the provider it failed on is out of service, within the job\'s delays', () => {
    const failedOver = new BotError('retryable', 'model API answered 502', { retryNow: true });
    expect(queueActionFor(failedOver, fresh, policy)).toEqual({ action: 'delay_job', waitMs: 0 });
    expect(queueActionFor(failedOver, { ...fresh, delays: policy.maxDelays }, policy)).toEqual({ action: 'retry' });
    expect(queueActionFor(new BotError('retryable', 'model API answered 502'), fresh, policy)).toEqual({ action: 'retry' });
  });

  it('spreads the waits of jobs throttled together between half and all of the grown wait', () => {
    const throttled = new BotError('rate_limited', 'QpsLimit', { waitScope: 'job' });
    expect(queueActionFor(throttled, fresh, policy, () => 0)).toEqual({ action: 'delay_job', waitMs: 500 });
  });

  it('waits at least as long as DingTalk named, when it named a wait', () => {
    const throttled = new BotError('rate_limited', '429', { waitScope: 'job', retryAfterMs: 5000 });
    expect(queueActionFor(throttled, fresh, policy, noJitter)).toEqual({ action: 'delay_job', waitMs: 5000 });
  });

  it('spends attempts on a job-scoped limit that outlasted every allowed delay, then gives up', () => {
    const throttled = new BotError('rate_limited', '130101', { waitScope: 'job' });
    expect(queueActionFor(throttled, { ...fresh, delays: 5 }, policy)).toEqual({ action: 'retry' });
    expect(queueActionFor(throttled, { attemptsMade: 2, attempts: 3, delays: 5 }, policy)).toEqual({ action: 'give_up' });
  });

  it('retries a retryable failure while attempts remain, and gives up on the last', () => {
    const flaky = new BotError('retryable', 'model API answered 503');
    expect(queueActionFor(flaky, fresh, policy)).toEqual({ action: 'retry' });
    expect(queueActionFor(flaky, { ...fresh, attemptsMade: 1 }, policy)).toEqual({ action: 'retry' });
    expect(queueActionFor(flaky, { ...fresh, attemptsMade: 2 }, policy)).toEqual({ action: 'give_up' });
  });

  it('gives up at once on a fatal failure', () => {
    expect(queueActionFor(new BotError('fatal', 'model API answered 401'), fresh, policy)).toEqual({ action: 'give_up' });
  });
});
