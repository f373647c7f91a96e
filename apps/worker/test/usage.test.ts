import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, type DingTalkCallbackPayload, type FakeDingTalk, type FakeOpenAI } from '@dtbot/testkit';
import { robotMetricLabel } from '@dtbot/shared';
import { localDay } from '../src/counting/local-day.js';
import { ADMINS_ONLY } from '../src/replies/canned-replies.js';
import { MESSAGE_FRAMING_TOKENS, REPLY_PRIMING_TOKENS } from '../src/tokens/token-counter.js';
import { picturesOnly } from './providers-file-for-tests.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Usage and cost accounting through the real worker: real Redis, the fake model and images API, the fake DingTalk.
let harness: WorkerHarness;
const directory = mkdtempSync(join(tmpdir(), 'dtbot-usage-'));
const HOUSE_ROBOT = 'dinghouse';

beforeAll(async () => {
  // A second robot answers with a model no price table has: MODEL_PRICES prices it.
  const robotsFile = join(directory, 'robots.yaml');
  writeFileSync(robotsFile, `robots:\n  - appKey: ${HOUSE_ROBOT}\n    appSecret: house-secret\n    model: house-model\n`);
  harness = await startWorkerHarness({
    label: 'usage',
    env: ({ dingtalk }: { openai: FakeOpenAI; dingtalk: FakeDingTalk }) => ({
      OPENAI_MODEL: 'gpt-4o-mini',
      // No memory: each prompt is the question alone, so its tokens are easy to tell.
      MEMORY_SCOPE: 'none',
      ADMIN_USERS: 'admin',
      ROBOTS_FILE: robotsFile,
      MODEL_PRICES: 'house-model=1000/2000,dall-e-3=0.04/image',
    }),
    // Pictures from an entry that only draws, on the same fake.
    providers: ({ openai }) => [picturesOnly(openai, 'dall-e-3')],
  });
});

afterEach(() => {
  harness.openai.setBehaviour({ answer: undefined, omitUsage: undefined, usage: undefined });
});

afterAll(async () => {
  await harness?.close();
  rmSync(directory, { recursive: true, force: true });
});

const ask = (message: DingTalkCallbackPayload) => harness.ask(message);
const today = (robotCode = DEFAULT_ROBOT_CODE) => harness.deps.usage.report(robotCode, 7).then((report) => report.today);
const user = (today: Awaited<ReturnType<typeof harness.deps.usage.report>>['today'], id: string) => today.users.find((row) => row.id === id);
/** gpt-4o-mini's price in the bundled table, in dollars per token. */
const MINI = { input: 0.15 / 1e6, output: 0.6 / 1e6 };
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await harness.deps.metrics.registry.getSingleMetric(name)!.get();
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0);
}

// Metrics name a robot without a ROBOTS_FILE name by a digest of its code, never by its AppKey.
const ROBOT_LABEL = robotMetricLabel(DEFAULT_ROBOT_CODE);

describe('usage and cost', () => {
  it("counts each answer's tokens for its user, its group and its robot from the model's usage, priced from the bundled table", async () => {
    const group = { conversationId: 'cid-usage-team', conversationTitle: '研发群' };
    const tokensBefore = await metric('dtbot_worker_model_tokens_total', { robot: ROBOT_LABEL, model: 'gpt-4o-mini', direction: 'in' });
    // The fake counts 4 per message plus a token per CJK character or four ASCII ones: "abcd" = 4 + 1 in,
    // "答复: abcd" = 2 + 2 out.
    await ask(harness.message({ text: 'abcd', senderStaffId: 'alice', senderNick: '爱丽丝' }));
    await ask(harness.groupMessage({ text: 'abcd', senderStaffId: 'alice', senderNick: '爱丽丝', ...group }));
    await ask(harness.groupMessage({ text: 'abcd', senderStaffId: 'bob', senderNick: '鲍勃', ...group }));

    const figures = await today();
    expect(user(figures, 'alice')).toMatchObject({ name: '爱丽丝', tokensIn: 10, tokensOut: 8, calls: 2 });
    expect(user(figures, 'bob')).toMatchObject({ name: '鲍勃', tokensIn: 5, tokensOut: 4, calls: 1 });
    expect(user(figures, 'alice')?.costUsd).toBeCloseTo(10 * MINI.input + 8 * MINI.output, 12);
    expect(figures.groups.find((row) => row.id === 'cid-usage-team')).toMatchObject({ name: '研发群', tokensIn: 10, tokensOut: 8, calls: 2 });
    expect(figures.models.find((row) => row.id === 'gpt-4o-mini')).toMatchObject({ unpriced: 0 });
    // Prometheus sees the robot and the model, never the user.
    expect(await metric('dtbot_worker_model_tokens_total', { robot: ROBOT_LABEL, model: 'gpt-4o-mini', direction: 'in' })).toBe(tokensBefore + 15);
    expect(await metric('dtbot_worker_model_cost_usd_total', { robot: ROBOT_LABEL, model: 'gpt-4o-mini' })).toBeGreaterThan(0);
    const series = (await harness.deps.metrics.registry.getSingleMetric('dtbot_worker_model_tokens_total')!.get()).values;
    expect(new Set(series.flatMap((value) => Object.keys(value.labels)))).toEqual(new Set(['robot', 'model', 'direction']));
    expect(await harness.deps.metrics.registry.metrics()).not.toContain(DEFAULT_ROBOT_CODE);
  });

  it('counts a call with the tokenizer when the provider sends no usage', async () => {
    harness.openai.setBehaviour({ omitUsage: true });
    await ask(harness.message({ text: '你好，今天天气怎么样？', senderStaffId: 'carol' }));
    const { tokens } = harness.deps;
    expect(user(await today(), 'carol')).toMatchObject({
      tokensIn: tokens.message('你好，今天天气怎么样？') + REPLY_PRIMING_TOKENS,
      tokensOut: tokens.message('答复: 你好，今天天气怎么样？') - MESSAGE_FRAMING_TOKENS,
      calls: 1,
    });
  });

  it('prices a model the table lacks from MODEL_PRICES, per robot, and pictures per image', async () => {
    await ask(harness.message({ text: 'abcd', senderStaffId: 'dave', robotCode: HOUSE_ROBOT }));
    const house = await today(HOUSE_ROBOT);
    expect(house.models.map((row) => [row.id, row.tokensIn, row.tokensOut])).toEqual([['house-model', 5, 4]]);
    expect(house.total.costUsd).toBeCloseTo((5 * 1000 + 4 * 2000) / 1e6, 12);

    const { reply } = await ask(harness.message({ text: '/image 一只猫', senderStaffId: 'dave' }));
    expect(reply).toMatch(/^!\[\]\(/);
    const dave = user(await today(), 'dave');
    expect(dave).toMatchObject({ images: 1, calls: 0, costUsd: 0.04 });
    expect(await metric('dtbot_worker_images_total', { robot: ROBOT_LABEL, model: 'dall-e-3' })).toBe(1);
  });

  it('counts a retried job once: the retry re-sends the kept answer and asks no model', async () => {
    harness.dingtalk.refuseNext('webhook', { status: 503 });
    const requests = harness.openai.requests.length;
    const { jobId, outcome } = await ask(harness.message({ text: 'abcd', senderStaffId: 'erin' }));
    expect(outcome).toBe('completed');
    expect((await harness.queue.getJob(jobId))?.attemptsMade).toBe(2);
    expect(harness.openai.requests.length).toBe(requests + 1);
    expect(user(await today(), 'erin')).toMatchObject({ tokensIn: 5, tokensOut: 4, calls: 1 });
  });

  it('counts the call that answered when an earlier attempt failed at the model', async () => {
    let calls = 0;
    harness.openai.setBehaviour({
      answer: (body) => {
        calls += 1;
        if (calls === 1) throw new Error('upstream hiccup');
        return `答复: ${String(body.messages?.at(-1)?.content)}`;
      },
    });
    const { jobId, outcome } = await ask(harness.message({ text: 'abcd', senderStaffId: 'frank' }));
    expect(outcome).toBe('completed');
    expect((await harness.queue.getJob(jobId))?.attemptsMade).toBe(2);
    expect(user(await today(), 'frank')).toMatchObject({ tokensIn: 5, calls: 1 });
  });

  it('sets every key of a day to expire by itself USAGE_RETENTION_DAYS (30) after the day ends', async () => {
    const { day, msToMidnight } = localDay('Asia/Shanghai', Date.now());
    const endOfDay = Math.ceil((Date.now() + msToMidnight) / 1000);
    const { redis } = harness.deps;
    const keys = harness.sharedKeys;
    for (const key of [keys.usageDay(DEFAULT_ROBOT_CODE, day), keys.usageSpent(day)]) {
      const expiresAt = Number(await redis.call('EXPIRETIME', key));
      expect(Math.abs(expiresAt - (endOfDay + 30 * 86_400)), key).toBeLessThanOrEqual(2);
    }
  });

  it('shows an admin today and the last 7 days (totals, top users and groups, cost) and refuses everyone else', async () => {
    const { reply } = await ask(harness.message({ text: '/usage', senderStaffId: 'admin' }));
    const [todayPart, weekPart] = reply.split('**近 7 天**');
    expect(reply).toMatch(/^### 用量（\d{4}-\d{2}-\d{2}，Asia\/Shanghai）/);
    expect(todayPart).toMatch(/\*\*今日\*\*：模型 6 次、图片 1 张；tokens 输入 39 \/ 输出 31；估算费用 \$0\.04\d\d/);
    // The picture's user spent most; alice's 18 tokens cost 10 × 0.15 + 8 × 0.6 millionths of a dollar.
    expect(todayPart).toMatch(/\*\*今日用量最多的用户\*\*\s+1\. 张三（`dave`）：\$0\.0400，0 tokens，图片 1 张\s+2\. /);
    expect(todayPart).toContain('爱丽丝（`alice`）：$0.0000063，18 tokens');
    expect(todayPart).toMatch(/\*\*今日用量最多的群\*\*\s+1\. 研发群（`cid-usage-team`）：\$0\.00000\d\d，18 tokens/);
    expect(weekPart).toMatch(/^（\d{2}-\d{2} 至 \d{2}-\d{2}）：模型 6 次、图片 1 张/);
    expect(weekPart).toMatch(/- 模型：dall-e-3 \$0\.0400（图片 1 张）；gpt-4o-mini \$0\.0000\d+（6 次）/);
    expect(weekPart).toContain('**近 7 天用量最多的用户**');
    expect(reply).toContain('**今日提问次数**');

    const requests = harness.openai.requests.length;
    expect((await ask(harness.message({ text: '/usage', senderStaffId: 'alice' }))).reply).toBe(ADMINS_ONLY);
    expect(harness.openai.requests.length).toBe(requests);
  });

  it('tells an admin which models have no price', async () => {
    // A robot the robots file does not list answers with the deployment's model; this one has no price.
    await harness.deps.usage.record('unpriced-job', 'unpriced-call', { ...harness.message({ senderStaffId: 'gina' }), robotCode: DEFAULT_ROBOT_CODE }, {
      model: 'mystery-model',
      tokensIn: 10,
      tokensOut: 10,
      images: 0,
      costUsd: undefined,
    });
    const { reply } = await ask(harness.message({ text: '用量', senderStaffId: 'admin' }));
    expect(reply).toContain('- 未计价：mystery-model（1 次）。费用和预算不含它们，请在 MODEL_PRICES 中设置价格。');
  });

  // Last: the figures above are the day's totals, which these calls would change.
  it('answers, and counts the call with the tokenizer, when the usage the provider sends is not counts', async () => {
    const { tokens } = harness.deps;
    const question = '你好，今天天气怎么样？';
    const poisons = [
      { prompt_tokens: -5, completion_tokens: 3, total_tokens: -2 },
      { prompt_tokens: '12', completion_tokens: '3', total_tokens: '15' },
      { prompt_tokens: 1e300, completion_tokens: 3, total_tokens: 1e300 },
      { completion_tokens: 3 },
    ];
    for (const [index, usage] of poisons.entries()) {
      harness.openai.setBehaviour({ usage });
      const asker = `poisoned-usage-${index}`;
      const { reply } = await ask(harness.message({ text: question, senderStaffId: asker }));
      expect(reply).toBe(`答复: ${question}`);
      expect(user(await today(), asker)).toMatchObject({
        tokensIn: tokens.message(question) + REPLY_PRIMING_TOKENS,
        tokensOut: tokens.message(`答复: ${question}`) - MESSAGE_FRAMING_TOKENS,
        calls: 1,
      });
    }
  });
});
