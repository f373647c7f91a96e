import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_JOB_NAME, type MessageJob } from '@dtbot/shared';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// What the worker's /metrics says about real messages: real BullMQ worker, real Redis, fake model and DingTalk.
let harness: WorkerHarness;

beforeAll(async () => {
  // A 300 ms window stands in for the provider's minute, so a 429 passes quickly.
  harness = await startWorkerHarness({ label: 'worker-metrics', openai: { rateWindowMs: 300 } });
});

afterEach(() => {
  harness.openai.setBehaviour({ answer: undefined, rpmLimit: undefined });
});

afterAll(async () => {
  await harness?.close();
});

/** The sum of a metric's series whose labels include `labels` (`_count`/`_sum` series of a histogram by suffix). */
async function total(name: string, labels: Record<string, string> = {}): Promise<number> {
  const [base, suffix] = name.endsWith('_count') ? [name.slice(0, -6), '_count'] : name.endsWith('_sum') ? [name.slice(0, -4), '_sum'] : [name, ''];
  const metric = harness.deps.metrics.registry.getSingleMetric(base);
  if (!metric) throw new Error(`${base} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((value) => (suffix ? (value as { metricName?: string }).metricName === base + suffix : !('le' in value.labels)))
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

/** How much each of `names` grew while `run` ran. */
async function growth(names: string[], run: () => Promise<void>): Promise<number[]> {
  const before = await Promise.all(names.map((name) => total(...parse(name))));
  await run();
  const after = await Promise.all(names.map((name) => total(...parse(name))));
  return after.map((value, index) => value - before[index]!);
}

/** `name{a="b",c="d"}` → [name, labels]. */
function parse(series: string): [string, Record<string, string>] {
  const match = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
  const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key!, value!]));
  return [match[1]!, labels];
}

describe('worker metrics', () => {
  it('count one answered question: stored to started, tokens in and out, one webhook send, one part', async () => {
    const requestsBefore = harness.openai.requests.length;
    const [started, tokensIn, tokensOut, sends, parts] = await growth(
      [
        'dtbot_worker_stored_to_started_seconds_count',
        'dtbot_worker_model_tokens_total{direction="in"}',
        'dtbot_worker_model_tokens_total{direction="out"}',
        'dtbot_worker_dingtalk_requests_total{api="webhook",result="ok"}',
        'dtbot_worker_answer_parts_count',
      ],
      async () => {
        expect(await (await harness.send(harness.message({ text: 'count me', senderStaffId: 'plain' }))).settled).toBe('completed');
      },
    );
    expect([started, sends, parts]).toEqual([1, 1, 1]);
    // As the provider counted them, from its usage: the fake counts 4 per message plus a token per CJK character
    // or four ASCII ones. In: "count me" = 4 + 2. Out: "答复: count me" = 2 + 3.
    expect(harness.openai.requests.length).toBe(requestsBefore + 1);
    expect([tokensIn, tokensOut]).toEqual([6, 5]);
  });

  it('count the parts of a long answer once', async () => {
    const paragraph = 'x'.repeat(1500);
    harness.openai.setBehaviour({ answer: () => [paragraph, paragraph, paragraph].join('\n\n') });
    const [parts, partsSum, sends] = await growth(
      ['dtbot_worker_answer_parts_count', 'dtbot_worker_answer_parts_sum', 'dtbot_worker_dingtalk_requests_total{api="webhook",result="ok"}'],
      async () => {
        expect(await (await harness.send(harness.message({ text: 'a long one', senderStaffId: 'long' }))).settled).toBe('completed');
      },
    );
    expect([parts, partsSum, sends]).toEqual([1, 3, 3]);
  });

  it('count a 429 from the model and the pause it imposed on the queue; a job handed back meanwhile has not started', async () => {
    harness.openai.setBehaviour({ rpmLimit: 1 });
    const [throttled = 0, pausedSeconds = 0, started = 0, handedBack = 0] = await growth(
      [
        'dtbot_worker_model_requests_total{result="rate_limited"}',
        'dtbot_worker_rate_limited_seconds_total{scope="queue"}',
        'dtbot_worker_stored_to_started_seconds_count',
        'dtbot_worker_jobs_total{outcome="rate_limited"}',
      ],
      async () => {
        const sent = await Promise.all(['one', 'two'].map((who) => harness.send(harness.message({ text: `busy ${who}`, senderStaffId: `busy-${who}` }))));
        expect(await Promise.all(sent.map((message) => message.settled))).toEqual(['completed', 'completed']);
      },
    );
    expect(throttled).toBeGreaterThanOrEqual(1);
    expect(pausedSeconds).toBeGreaterThan(0);
    // Each message counts once, and once more per request of its that went out and came back 429; the jobs
    // the limiter handed back during the pause (as many as it took) add nothing.
    expect(handedBack).toBeGreaterThanOrEqual(throttled);
    expect(started).toBe(2 + throttled);
  });

  it('count a command as started when it is carried out', async () => {
    const [started] = await growth(['dtbot_worker_stored_to_started_seconds_count'], async () => {
      expect(await (await harness.send(harness.message({ text: '/help', senderStaffId: 'command' }))).settled).toBe('completed');
    });
    expect(started).toBe(1);
  });

  it('count DingTalk throttling by its errcode, its failure code and the wait of the throttled job', async () => {
    harness.dingtalk.refuseNext('webhook', { errcode: 130101, errmsg: 'send too fast' });
    const [refused, waitedSeconds, started, failures] = await growth(
      [
        'dtbot_worker_dingtalk_requests_total{api="webhook",result="errcode_130101"}',
        'dtbot_worker_rate_limited_seconds_total{scope="job"}',
        'dtbot_worker_stored_to_started_seconds_count',
        'dtbot_worker_failures_total{failure="dingtalk_throttled"}',
      ],
      async () => {
        expect(await (await harness.send(harness.message({ text: 'throttle me', senderStaffId: 'throttle' }))).settled).toBe('completed');
      },
    );
    expect(refused).toBe(1);
    expect(failures).toBe(1);
    expect(waitedSeconds).toBeGreaterThan(0);
    // The delayed job came back only to deliver the answer it already had: it had started once.
    expect(started).toBe(1);
  });

  it('count a job holding no valid message as invalid_job_data, and fail it sending nothing', async () => {
    const sentBefore = harness.dingtalk.delivered().length;
    const [invalid = 0] = await growth(['dtbot_worker_failures_total{failure="invalid_job_data"}'], async () => {
      const garbage = { msgId: 'not-a-message' } as unknown as MessageJob;
      const job = await harness.queue.add(MESSAGE_JOB_NAME, garbage, { jobId: 'invalid-job-data', attempts: 3 });
      await expect(job.waitUntilFinished(harness.events)).rejects.toThrow('job data does not match the message contract');
    });
    expect(invalid).toBe(1);
    expect(harness.dingtalk.delivered()).toHaveLength(sentBefore);
  });

  it('leave a retry out of stored-to-started: its wait is the backoff, not the queue', async () => {
    let calls = 0;
    harness.openai.setBehaviour({
      answer: (body) => {
        calls += 1;
        if (calls === 1) throw new Error('first call fails');
        return `答复: ${String(body.messages?.at(-1)?.content)}`;
      },
    });
    const [started, failedRequests] = await growth(
      ['dtbot_worker_stored_to_started_seconds_count', 'dtbot_worker_model_requests_total{result="retryable"}'],
      async () => {
        expect(await (await harness.send(harness.message({ text: 'retry me', senderStaffId: 'retry' }))).settled).toBe('completed');
      },
    );
    expect(failedRequests).toBe(1);
    expect(started).toBe(1);
  });
});
