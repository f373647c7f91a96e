import { describe, expect, it } from 'vitest';
import { createWorkerMetrics } from './metrics.js';

describe('worker metrics', () => {
  it('shows the poison-job series at 0 before any poison job, so the first one is an increase an alert can see', async () => {
    const text = await createWorkerMetrics().registry.metrics();
    expect(text).toContain('dtbot_worker_poison_jobs_total{by="worker"} 0');
    expect(text).toContain('dtbot_worker_poison_jobs_total{by="stall_limit"} 0');
  });
});
