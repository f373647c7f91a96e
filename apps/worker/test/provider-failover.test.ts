import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type AnswerFunction, type FakeOpenAI } from '@dtbot/testkit';
import { picturesOnly } from './providers-file-for-tests.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Failover through the real worker: the primary is the harness' fake model, the others are fake
// models of their own, all over real HTTP, with the circuits in real Redis. A cool-down's end is
// reached by moving the circuit's `openUntil` into the past, never by waiting for it.
const opened: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const closable of opened.splice(0).reverse()) await closable.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lastQuestion = (body: Parameters<AnswerFunction>[0]) => String(body.messages?.at(-1)?.content ?? '');
const fallbackAnswer: AnswerFunction = (body) => `备用模型: ${lastQuestion(body)}`;

async function fakeModel(answer: AnswerFunction): Promise<FakeOpenAI> {
  const fake = await startFakeOpenAI({ answer });
  opened.push(fake);
  return fake;
}

async function harnessWith(options: HarnessOptions): Promise<WorkerHarness> {
  const harness = await startWorkerHarness({ attempts: 5, ...options });
  opened.push(harness);
  return harness;
}

/** A primary (the harness' fake) and the fallback of OPENAI_FALLBACK_*, opening after two failures. */
async function withFallback(label: string, extra: Partial<HarnessOptions> = {}) {
  const fallback = await fakeModel(fallbackAnswer);
  const env = {
    OPENAI_FALLBACK_BASE_URL: fallback.baseURL,
    OPENAI_FALLBACK_API_KEY: 'sk-fallback',
    OPENAI_FALLBACK_MODEL: 'fallback-model',
  };
  const harness = await harnessWith({ label, env, tuning: { circuitFailureThreshold: 2 }, ...extra });
  return { harness, fallback, env };
}

/** Sends one text and returns its outcome and every message its asker got. */
async function ask(harness: WorkerHarness, text: string) {
  const message = harness.message({ text, senderStaffId: `asker-${text}` });
  const outcome = await (await harness.send(message)).settled;
  const session = new URL(message.sessionWebhook).searchParams.get('session');
  const replies = harness.dingtalk.delivered().filter((delivered) => delivered.target === session).map((delivered) => delivered.text);
  return { outcome, replies };
}

async function metric(harness: WorkerHarness, name: string, labels: Record<string, string>): Promise<number> {
  const found = harness.deps.metrics.registry.getSingleMetric(name);
  if (!found) throw new Error(`${name} is not registered`);
  const { values } = await found.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

/** The worker's info and warn lines from now on, as `[message, fields]` (the harness logs nothing otherwise). */
function logsOf(harness: WorkerHarness): [string, Record<string, unknown>][] {
  const lines: [string, Record<string, unknown>][] = [];
  const { logger } = harness.deps;
  for (const level of ['info', 'warn'] as const) {
    logger[level] = ((fields: Record<string, unknown>, message: string) => void lines.push([message, fields])) as typeof logger.info;
  }
  return lines;
}

const endCooldown = (harness: WorkerHarness, provider = 'primary') =>
  harness.deps.redis.hset(harness.sharedKeys.providerCircuit(provider), 'openUntil', 1);

describe('provider failover', () => {
  it('after N failures of the primary the fallback answers, the user sees only the answer, and every worker switches', async () => {
    const { harness, fallback, env } = await withFallback('failover-switch');
    harness.openai.setBehaviour({ status: 502 });
    const logs = logsOf(harness);

    // The first failure is the job's retry; the second opens the circuit and the same attempt goes on to the fallback.
    expect(await ask(harness, '第一个问题')).toEqual({ outcome: 'completed', replies: ['备用模型: 第一个问题'] });
    expect(harness.openai.requests).toHaveLength(2);
    expect(fallback.requests).toMatchObject([{ authorization: 'Bearer sk-fallback', body: { model: 'fallback-model' } }]);

    expect(await ask(harness, '第二个问题')).toEqual({ outcome: 'completed', replies: ['备用模型: 第二个问题'] });
    expect(harness.openai.requests).toHaveLength(2);

    // A second worker, sharing only Redis, never asks the dead primary.
    const other = await harnessWith({ label: 'failover-switch-b', join: harness, env: { ...env, OPENAI_BASE_URL: harness.openai.baseURL } });
    expect(await ask(other, '另一个工作进程')).toEqual({ outcome: 'completed', replies: ['备用模型: 另一个工作进程'] });
    expect(harness.openai.requests).toHaveLength(2);
    expect(other.openai.requests).toHaveLength(0);

    expect(await metric(harness, 'dtbot_worker_provider_switches_total', { provider: 'primary', direction: 'away' })).toBe(1);
    expect(await metric(other, 'dtbot_worker_provider_circuit', { provider: 'primary', state: 'open' })).toBe(1);
    expect(await metric(other, 'dtbot_worker_provider_circuit', { provider: 'fallback', state: 'closed' })).toBe(1);
    expect(await metric(harness, 'dtbot_worker_model_requests_total', { provider: 'fallback', result: 'ok' })).toBe(2);
    // The operator reads of the switch in the logs, once, with the provider and why.
    const opened = logs.filter(([message]) => message === 'model provider circuit opened; the next provider serves');
    expect(opened).toEqual([[expect.any(String), expect.objectContaining({ provider: 'primary', verdict: 'failure' })]]);
  });

  it('after the cool-down one probe goes to the primary: still failing, the fallback keeps serving', async () => {
    const { harness, fallback } = await withFallback('failover-probe-fails');
    harness.openai.setBehaviour({ status: 503 });
    await ask(harness, 'open it');
    const primaryCalls = harness.openai.requests.length;

    await endCooldown(harness);
    expect(await ask(harness, '探测')).toEqual({ outcome: 'completed', replies: ['备用模型: 探测'] });
    expect(harness.openai.requests).toHaveLength(primaryCalls + 1);
    expect(await ask(harness, '之后')).toEqual({ outcome: 'completed', replies: ['备用模型: 之后'] });
    expect(harness.openai.requests).toHaveLength(primaryCalls + 1);
    expect(fallback.requests).toHaveLength(3);
    expect(await metric(harness, 'dtbot_worker_provider_switches_total', { provider: 'primary', direction: 'back' })).toBe(0);
  });

  it('a primary that recovered answers the probe and serves every message after it', async () => {
    const { harness, fallback } = await withFallback('failover-back');
    harness.openai.setBehaviour({ status: 500 });
    await ask(harness, 'open it');
    harness.openai.setBehaviour({ status: undefined });
    const logs = logsOf(harness);

    await endCooldown(harness);
    expect(await ask(harness, '恢复了吗')).toEqual({ outcome: 'completed', replies: ['答复: 恢复了吗'] });
    expect(logs.map(([message]) => message)).toEqual(
      expect.arrayContaining(['model provider cool-down over; this call is its probe', 'model provider probe succeeded; its circuit is closed and it serves again']),
    );
    expect(await ask(harness, '再问一次')).toEqual({ outcome: 'completed', replies: ['答复: 再问一次'] });
    expect(fallback.requests).toHaveLength(1);
    expect(await metric(harness, 'dtbot_worker_provider_switches_total', { provider: 'primary', direction: 'back' })).toBe(1);
    expect(await metric(harness, 'dtbot_worker_provider_circuit', { provider: 'primary', state: 'closed' })).toBe(1);
  });

  it('a 429 asking for a longer wait than CIRCUIT_MAX_WAIT_MS switches at once instead of pausing every worker', async () => {
    // One request per minute: the second gets 429 with about a minute to wait.
    const { harness, fallback } = await withFallback('failover-429', { openai: { rpmLimit: 1 } });
    expect(await ask(harness, '第一')).toEqual({ outcome: 'completed', replies: ['答复: 第一'] });
    expect(await ask(harness, '第二')).toEqual({ outcome: 'completed', replies: ['备用模型: 第二'] });
    expect(harness.openai.rateLimited).toBe(1);
    expect(fallback.requests).toHaveLength(1);
    expect(await metric(harness, 'dtbot_worker_jobs_total', { outcome: 'rate_limited' })).toBe(0);
  });

  it('a PROVIDERS_FILE entry on Azure takes over from a primary whose key is refused, by its deployment path and key', async () => {
    const azure = await fakeModel((body) => `Azure: ${lastQuestion(body)}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'dtbot-providers-'));
    dirs.push(dir);
    const file = path.join(dir, 'providers.yaml');
    writeFileSync(
      file,
      [
        'providers:',
        '  - name: azure-east',
        '    type: azure',
        `    endpoint: ${azure.azureEndpoint}`,
        '    apiKey: azure-east-key',
        '    deployment: gpt4o-east',
        '    apiVersion: 2024-10-21',
        '    model: gpt-4o',
        '    rpm: 100',
      ].join('\n'),
    );
    const harness = await harnessWith({ label: 'failover-azure', env: { PROVIDERS_FILE: file } });
    harness.openai.setBehaviour({ status: 401 });

    // A refused key says every call will be refused: the circuit opens on the first.
    expect(await ask(harness, 'hello')).toEqual({ outcome: 'completed', replies: ['Azure: hello'] });
    expect(harness.openai.requests).toHaveLength(1);
    expect(azure.requests).toMatchObject([
      { apiKey: 'azure-east-key', authorization: undefined, azure: { deployment: 'gpt4o-east', apiVersion: '2024-10-21' } },
    ]);
    // Its own limits, in keys of its own.
    expect(await harness.deps.redis.zcard(harness.sharedKeys.rateRequests('azure-east'))).toBe(1);
  });

  it('a PROVIDERS_FILE entry\'s timeoutMs is its own: a slow provider given longer answers where the default would cut it', async () => {
    // Takes 1.5 s to answer, longer than this worker's default timeout (1 s here; MODEL_TIMEOUT_MS in production).
    const patient = await fakeModel((body) => `慢模型: ${lastQuestion(body)}`);
    patient.setBehaviour({ latencyMs: 1500 });
    const dir = mkdtempSync(path.join(tmpdir(), 'dtbot-providers-'));
    dirs.push(dir);
    const file = path.join(dir, 'providers.json');
    writeFileSync(file, JSON.stringify({ providers: [{ name: 'patient', type: 'openai', baseUrl: patient.baseURL, apiKey: 'sk-patient', timeoutMs: 4000 }] }));
    const harness = await harnessWith({ label: 'failover-timeout', env: { PROVIDERS_FILE: file }, tuning: { modelTimeoutMs: 1000 } });
    expect(harness.deps.providers.map(({ name, timeoutMs }) => [name, timeoutMs])).toEqual([
      ['primary', 1000],
      ['patient', 4000],
    ]);
    harness.openai.setBehaviour({ status: 401 });

    expect(await ask(harness, '慢慢来')).toEqual({ outcome: 'completed', replies: ['慢模型: 慢慢来'] });
    expect(patient.requests).toHaveLength(1);
  });

  it('pictures go to the next provider that draws, passing over one that only answers', async () => {
    const answersOnly = await fakeModel(fallbackAnswer);
    const drawer = await fakeModel(fallbackAnswer);
    const harness = await harnessWith({
      label: 'failover-images',
      providers: ({ openai }) => [
        picturesOnly(openai, 'dall-e-3'),
        { name: 'answers', type: 'openai', baseUrl: answersOnly.baseURL, apiKey: 'sk-answers' },
        { name: 'drawer', type: 'openai', baseUrl: drawer.baseURL, apiKey: 'sk-drawer', imageModel: 'gpt-image-1' },
      ],
    });
    harness.openai.setBehaviour({ status: 403 });

    const { outcome, replies } = await ask(harness, '/image 一只猫');
    expect(outcome).toBe('completed');
    expect(replies).toEqual([`![](${harness.dingtalk.uploadedMedia[0]?.mediaId})`]);
    expect(harness.openai.imageRequests).toHaveLength(1);
    expect(answersOnly.imageRequests).toHaveLength(0);
    expect(drawer.imageRequests).toMatchObject([{ authorization: 'Bearer sk-drawer', body: { model: 'gpt-image-1', prompt: '一只猫' } }]);
  });

  it('an entry with chat: false is never asked for an answer, even with every provider that answers out of service; it still draws', async () => {
    const pictures = await fakeModel(fallbackAnswer);
    const { harness, fallback } = await withFallback('failover-pictures-only', {
      attempts: 3,
      providers: () => [{ name: 'pictures', type: 'openai', baseUrl: pictures.baseURL, apiKey: 'sk-pictures', imageModel: 'gpt-image-1', chat: false }],
    });
    harness.openai.setBehaviour({ status: 500 });
    expect(await ask(harness, '第一个问题')).toEqual({ outcome: 'completed', replies: ['备用模型: 第一个问题'] });

    fallback.setBehaviour({ status: 500 });
    const { outcome, replies } = await ask(harness, '都坏了');
    expect(outcome).toBe('failed');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/^抱歉/);
    expect(pictures.requests).toHaveLength(0);

    expect((await ask(harness, '/image 一只猫')).outcome).toBe('completed');
    expect(pictures.imageRequests).toMatchObject([{ authorization: 'Bearer sk-pictures', body: { model: 'gpt-image-1' } }]);
    expect(pictures.requests).toHaveLength(0);
  });

  it('one provider that answers beside one that only draws: no circuit, a failing answer is the job\'s retries as with a single provider', async () => {
    const pictures = await fakeModel(fallbackAnswer);
    const harness = await harnessWith({
      label: 'failover-single-answerer',
      attempts: 3,
      // Were there a circuit, it would open on the first failure and keep the later attempts from the provider.
      tuning: { circuitFailureThreshold: 1 },
      providers: () => [{ name: 'pictures', type: 'openai', baseUrl: pictures.baseURL, apiKey: 'sk-pictures', imageModel: 'gpt-image-1', chat: false }],
    });
    expect(harness.deps.circuits).toBeUndefined();
    harness.openai.setBehaviour({ status: 500 });

    const { outcome, replies } = await ask(harness, '坏了');
    expect(outcome).toBe('failed');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/^抱歉/);
    expect(harness.openai.requests).toHaveLength(3);
    expect(pictures.requests).toHaveLength(0);

    harness.openai.setBehaviour({ status: undefined });
    expect(await ask(harness, '好了')).toEqual({ outcome: 'completed', replies: ['答复: 好了'] });
  });

  it('with every provider out of service, a message is tried again later and ends in the apology, never a raw error', async () => {
    const { harness, fallback } = await withFallback('failover-all-down', { attempts: 3 });
    harness.openai.setBehaviour({ status: 500 });
    fallback.setBehaviour({ status: 500 });
    const { outcome, replies } = await ask(harness, '都坏了');
    expect(outcome).toBe('failed');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/^抱歉/);
    expect(replies[0]).not.toMatch(/500|circuit|provider/i);
  });
});

describe('provider failover for streamed answers (AI cards)', () => {
  const TEMPLATE = 'answer-card.schema';
  const longAnswer = (prefix: string) => (body: Parameters<AnswerFunction>[0]) => `${prefix}: ${lastQuestion(body)}。${'这是一个较长的回答，'.repeat(10)}`;

  /** Cards on, both models streaming in 8 paced chunks, the primary's circuit opening on its first failure. */
  async function withCards(label: string) {
    const fallback = await startFakeOpenAI({ answer: longAnswer('备用模型'), stream: { chunks: 8, intervalMs: 10 } });
    opened.push(fallback);
    const harness = await harnessWith({
      label,
      env: {
        DINGTALK_CARD_TEMPLATE_ID: TEMPLATE,
        DINGTALK_CARD_UPDATE_MS: '20',
        OPENAI_FALLBACK_BASE_URL: fallback.baseURL,
        OPENAI_FALLBACK_API_KEY: 'sk-fallback',
      },
      tuning: { circuitFailureThreshold: 1 },
      openai: { answer: longAnswer('主模型'), stream: { chunks: 8, intervalMs: 10 } },
      dingtalk: { cardTemplates: [TEMPLATE] },
    });
    return { harness, fallback };
  }

  it('a primary that fails before the first words is replaced within the call: the card shows only the fallback\'s answer', async () => {
    const { harness, fallback } = await withCards('failover-card-before');
    harness.openai.setBehaviour({ status: 502 });
    const message = harness.message({ text: '卡片', senderStaffId: 'card-asker' });
    expect(await (await harness.send(message)).settled).toBe('completed');

    const cards = harness.dingtalk.cards();
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ finalized: true, params: { content: longAnswer('备用模型')({ messages: [{ role: 'user', content: '卡片' }] }) } });
    expect(cards[0]!.updates.every((update) => !JSON.stringify(update).includes('主模型'))).toBe(true);
    expect(harness.openai.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(1);
    expect(await metric(harness, 'dtbot_worker_jobs_total', { outcome: 'delayed' })).toBe(0);
  });

  it('a primary that dies mid-answer makes the job try again at once, and the fallback writes the card from the start', async () => {
    const { harness, fallback } = await withCards('failover-card-midway');
    harness.openai.setBehaviour({ stream: { chunks: 8, intervalMs: 30, breakAfter: 5 } });
    const message = harness.message({ text: '半路', senderStaffId: 'midway-asker' });
    expect(await (await harness.send(message)).settled).toBe('completed');

    const cards = harness.dingtalk.cards();
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ finalized: true, params: { content: longAnswer('备用模型')({ messages: [{ role: 'user', content: '半路' }] }) } });
    // Its drafts had begun, so the call was not switched: the job was tried again at once (a delay of
    // no wait, not a retry after backoff), and the card, kept per job, was written over from the start.
    expect(harness.openai.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(1);
    expect(await metric(harness, 'dtbot_worker_jobs_total', { outcome: 'delayed' })).toBe(1);
    expect(await metric(harness, 'dtbot_worker_jobs_total', { outcome: 'retry' })).toBe(0);
    expect(harness.dingtalk.delivered().filter((delivered) => delivered.target === new URL(message.sessionWebhook).searchParams.get('session'))).toEqual([]);
  });
});
