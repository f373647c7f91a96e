import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Daily budgets through the real worker: real Redis, the fake model and DingTalk, a clock the test moves.
let harness: WorkerHarness | undefined;
const directory = mkdtempSync(join(tmpdir(), 'dtbot-budget-'));

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** 2026-12-dd at hh:mm in Shanghai (UTC+8). */
const shanghai = (day: number, hour: number, minute = 0, second = 0) => Date.UTC(2026, 11, day, hour - 8, minute, second);

// The fake model counts "abcd" as 5 tokens in and its answer "答复: abcd" as 4 out: at $1,000 per million
// tokens each way, one answer costs $0.009.
const PRICED = { OPENAI_MODEL: 'house-model', MODEL_PRICES: 'house-model=1000/1000', MEMORY_SCOPE: 'none', ADMIN_USERS: 'admin' };
const ONE_ANSWER_USD = 0.009;

async function start(options: Omit<HarnessOptions, 'label'> & { label: string }) {
  harness = await startWorkerHarness(options);
  return harness;
}

async function ask(message: DingTalkCallbackPayload): Promise<string> {
  const { reply, outcome } = await harness!.ask(message);
  expect(outcome).toBe('completed');
  return reply;
}

async function gauge(robot: string): Promise<number | undefined> {
  const { values } = await harness!.deps.metrics.registry.getSingleMetric('dtbot_worker_budget_used_ratio')!.get();
  return values.find((value) => value.labels.robot === robot)?.value;
}

describe('daily budget', () => {
  it('once the day\'s spend reaches BUDGET_DAILY_USD, users get a short notice instead of the model, admins still get answers, and it resumes at local midnight', async () => {
    const clock = { now: shanghai(1, 21, 30) };
    const { openai, deps } = await start({ label: 'budget', env: { ...PRICED, BUDGET_DAILY_USD: '0.015' }, now: () => clock.now });

    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u1' }))).toBe('答复: abcd');
    expect(await gauge('all')).toBeCloseTo(ONE_ANSWER_USD / 0.015, 9);
    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u2' }))).toBe('答复: abcd');
    // $0.018 spent of $0.015: the budget is spent.
    expect(await gauge('all')).toBeGreaterThanOrEqual(1);

    const calls = openai.requests.length;
    const notice = await ask(harness!.message({ text: 'abcd', senderStaffId: 'u3' }));
    expect(notice).toBe('抱歉，今天的 AI 用量已达上限，暂停回答。将在 00:00（Asia/Shanghai 时间）恢复，约 2 小时 30 分钟后。如有急事，请联系管理员。');
    expect(openai.requests.length).toBe(calls);
    const refusals = (await deps.metrics.refusals.get()).values.find((value) => value.labels.reason === 'budget_reached');
    expect(refusals?.value).toBe(1);
    // Commands never spend, so they still work; admins are answered.
    expect(await ask(harness!.message({ text: '/help', senderStaffId: 'u3' }))).toContain('使用说明');
    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'admin' }))).toBe('答复: abcd');
    expect(await ask(harness!.message({ text: '/usage', senderStaffId: 'admin' }))).toContain(
      '- 今日预算：全部机器人 $0.0270 / $0.0150（180.0%）。**已用完**：只回答管理员，00:00 恢复',
    );

    clock.now = shanghai(2, 0, 0, 1);
    expect(await gauge('all')).toBe(0);
    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u3' }))).toContain('答复: abcd');
  });

  it('holds a robot to its own budget from ROBOTS_FILE while other robots go on', async () => {
    const robotsFile = join(directory, 'robots.yaml');
    writeFileSync(robotsFile, `robots:\n  - appKey: ${DEFAULT_ROBOT_CODE}\n    name: 经费机器人\n    budgetDailyUsd: 0.005\n`);
    const clock = { now: shanghai(5, 9) };
    await start({ label: 'budget-robot', env: { ...PRICED, ROBOTS_FILE: robotsFile }, now: () => clock.now });

    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u1' }))).toBe('答复: abcd');
    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u1' }))).toMatch(/^抱歉，今天的 AI 用量已达上限/);
    // Labelled by its name in ROBOTS_FILE, not by its AppKey.
    expect(await gauge('经费机器人')).toBeCloseTo(ONE_ANSWER_USD / 0.005, 9);
    expect(await gauge(DEFAULT_ROBOT_CODE)).toBeUndefined();
    expect(await gauge('all')).toBeUndefined();
    // A robot without a budget of its own is not held back by this one's.
    expect(await ask(harness!.message({ text: 'abcd', senderStaffId: 'u1', robotCode: 'dingother' }))).toBe('答复: abcd');
  });

  it('lets no more calls past the budget than were already in flight when it was reached', async () => {
    const clock = { now: shanghai(7, 10) };
    // Every call takes 100 ms, so the worker's 4 slots fill before the first answer is counted.
    const { openai } = await start({
      label: 'budget-race',
      env: { ...PRICED, BUDGET_DAILY_USD: '0.001' },
      openai: { latencyMs: 100 },
      now: () => clock.now,
    });
    const sent = await Promise.all(Array.from({ length: 12 }, (_, index) => harness!.send(harness!.message({ text: 'abcd', senderStaffId: `racer${index}` }))));
    await Promise.all(sent.map((message) => message.settled));
    const answered = harness!.dingtalk.delivered().filter((message) => message.text === '答复: abcd').length;
    // One call was enough to spend the budget; the others that ran were those already admitted with it.
    expect(openai.requests.length).toBeLessThanOrEqual(4);
    expect(answered).toBe(openai.requests.length);
    expect(harness!.dingtalk.delivered().filter((message) => message.text.startsWith('抱歉，今天的 AI 用量已达上限')).length).toBe(12 - answered);
  });
});
