import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LOCK_MS, STALL_CHECK_INTERVAL_MS } from '@dtbot/queue';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/** A worker dies mid-answer (SIGKILL): its jobs are taken over, nothing is lost or answered twice. */
describe('a worker is killed while answering', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({
      label: 'crash',
      workers: 2,
      // Production's locks: the takeover takes what it takes in production, at most JOB_LOCK_MS + STALL_CHECK_INTERVAL_MS.
      workerEnv: { WORKER_CONCURRENCY: '10' },
      openai: { latencyMs: 1500 },
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('answers every message exactly once after one of two workers is SIGKILLed and a new one starts', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `crash ${i}`);
    const acks = await Promise.all(texts.map((text) => system.post(system.message({ text, senderStaffId: text }))));
    expect(acks.every((ack) => ack.status === 200)).toBe(true);
    // Both workers are inside model calls now.
    await waitFor(() => system.openai.requests.length >= 15, { timeoutMs: 5000 });
    const victim = system.workers[0]!;
    expect(await victim.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();
    await system.addWorker();

    await waitFor(() => texts.every((t) => system.dingtalk.delivered().some((m) => m.text === `答复: ${t}`)), {
      timeoutMs: 30_000,
    });
    const delivered = system.dingtalk.delivered().map((m) => m.text);
    for (const text of texts) expect(delivered.filter((d) => d === `答复: ${text}`), text).toHaveLength(1);
    // The lock's end, the stall check that hands the jobs back, then the victim's ten answers of 1.5 s each shared
    // among the other workers, with room for a busy machine.
    expect(Date.now() - killedAt).toBeLessThan(JOB_LOCK_MS + STALL_CHECK_INTERVAL_MS + 10_000);
    expect((await system.queue.getJobCounts('failed')).failed).toBe(0);
  }, 45_000);
});
