import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DingTalkCallbackPayload, FakeDingTalk, FakeOpenAI } from '@dtbot/testkit';
import { ADMINS_ONLY, apology } from '../src/replies/canned-replies.js';
import { picturesOnly } from './providers-file-for-tests.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Daily quotas through the real worker: real Redis, fake model and images, fake DingTalk.
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({
    label: 'quotas',
    env: ({ dingtalk }: { openai: FakeOpenAI; dingtalk: FakeDingTalk }) => ({
      MAX_REQUEST: '2', // chatgpt-dingtalk's name for QUOTA_USER_DAILY
      QUOTA_GROUP_DAILY: '3',
      QUOTA_TIMEZONE: 'Asia/Shanghai',
      VIP_USERS: 'vip',
      ADMIN_USERS: 'admin',
    }),
    // Pictures from an entry that only draws, on the same fake.
    providers: ({ openai }) => [picturesOnly(openai, 'gpt-image-1')],
  });
});

afterEach(() => {
  harness.openai.setBehaviour({ answer: undefined, status: undefined });
});

afterAll(async () => {
  await harness?.close();
});

const ask = (message: DingTalkCallbackPayload) => harness.ask(message);
const modelCalls = () => harness.openai.requests.length + harness.openai.imageRequests.length;

describe('daily quotas', () => {
  it('answers a user\'s questions up to the quota, then refuses saying when it resets; commands never count', async () => {
    const user = { senderStaffId: 'counted' };
    expect((await ask(harness.message({ text: 'first', ...user }))).reply).toContain('答复: first');
    expect((await ask(harness.message({ text: '/help', ...user }))).reply).toContain('使用说明');
    expect((await ask(harness.message({ text: '#翻译 你好', ...user }))).reply).toContain('答复:');
    const before = modelCalls();
    const refused = await ask(harness.message({ text: 'third', ...user }));
    expect(refused.reply).toMatch(/^你今天的提问次数已用完（每人每天 2 次）。次数将在 00:00（Asia\/Shanghai 时间）重置，约 \d+ (小时|分钟)/);
    expect(refused.outcome).toBe('completed');
    expect(modelCalls()).toBe(before);
    expect((await harness.deps.metrics.refusals.get()).values).toContainEqual(expect.objectContaining({ labels: { reason: 'quota_exceeded' } }));
    // A refusal is not counted either: settings still show none left, and reset still works.
    expect((await ask(harness.message({ text: '/settings', ...user }))).reply).toContain('今日剩余次数：0 次');
    expect((await ask(harness.message({ text: '/reset', ...user }))).reply).toContain('已清空');
  });

  it('counts pictures like answers', async () => {
    const user = { senderStaffId: 'painter' };
    await ask(harness.message({ text: '/image 一只猫', ...user }));
    await ask(harness.message({ text: '/image 一只狗', ...user }));
    const before = harness.openai.imageRequests.length;
    expect((await ask(harness.message({ text: '/image 一只鸟', ...user }))).reply).toContain('提问次数已用完');
    expect(harness.openai.imageRequests.length).toBe(before);
  });

  it('counts a group across its members and shows what is left in the group', async () => {
    const group = { conversationId: 'cid-quota-group' };
    for (const member of ['m1', 'm2', 'm3']) await ask(harness.groupMessage({ text: `from ${member}`, senderStaffId: member, ...group }));
    expect((await ask(harness.groupMessage({ text: '/settings', senderStaffId: 'm1', ...group }))).reply).toContain('今日剩余次数：1 次（本群今日还剩 0 次）');
    expect((await ask(harness.groupMessage({ text: 'from m4', senderStaffId: 'm4', ...group }))).reply).toContain('本群今天的提问次数已用完（每群每天 3 次）');
  });

  it('never limits VIPs and admins, in private or in a group that has used its quota', async () => {
    const group = { conversationId: 'cid-quota-group' };
    for (let i = 0; i < 3; i += 1) expect((await ask(harness.message({ text: `vip ${i}`, senderStaffId: 'vip' }))).reply).toContain('答复');
    expect((await ask(harness.groupMessage({ text: 'admin in a full group', senderStaffId: 'admin', ...group }))).reply).toContain('答复');
    expect((await ask(harness.message({ text: '/settings', senderStaffId: 'vip' }))).reply).toContain('今日剩余次数：不限（VIP）');
  });

  it('counts a retried job once', async () => {
    let calls = 0;
    harness.openai.setBehaviour({
      answer: (body) => {
        calls += 1;
        if (calls === 1) throw new Error('upstream hiccup');
        return `答复: ${String(body.messages?.at(-1)?.content)}`;
      },
    });
    const user = { senderStaffId: 'retried' };
    const { jobId, outcome } = await ask(harness.message({ text: 'flaky', ...user }));
    expect(outcome).toBe('completed');
    expect((await harness.queue.getJob(jobId))?.attemptsMade).toBe(2);
    expect((await ask(harness.message({ text: '/settings', ...user }))).reply).toContain('今日剩余次数：1 次');
  });

  it('gives back the question of an answer that failed for good', async () => {
    harness.openai.setBehaviour({ status: 503 });
    const user = { senderStaffId: 'refunded' };
    const failed = await ask(harness.message({ text: 'doomed', ...user }));
    expect(failed.outcome).toBe('failed');
    expect(failed.reply).toBe(apology(failed.jobId));
    harness.openai.setBehaviour({ status: undefined });
    expect((await ask(harness.message({ text: '/settings', ...user }))).reply).toContain('今日剩余次数：2 次');
  });

  it('gives back the question of a file that could not be read', async () => {
    const user = { senderStaffId: 'unread-file' };
    const file = harness.message({ msgtype: 'file', content: { downloadCode: 'zip-code', fileName: '资料.zip' }, ...user });
    const before = modelCalls();
    expect((await ask(file)).reply).toContain('没有读取文件 `资料.zip`');
    expect(modelCalls()).toBe(before);
    expect((await ask(harness.message({ text: '/settings', ...user }))).reply).toContain('今日剩余次数：2 次');
  });

  it('shows admins today\'s usage and who is near the quota, and refuses /usage to everyone else', async () => {
    const usage = (await ask(harness.message({ text: '/usage', senderStaffId: 'admin' }))).reply;
    expect(usage).toMatch(/^### 用量（\d{4}-\d{2}-\d{2}，Asia\/Shanghai）/);
    // The questions as the quotas count them: VIPs and admins spend tokens (shown above) but no quota.
    const questions = usage.slice(usage.indexOf('**今日提问次数**'));
    expect(questions).toMatch(/^\*\*今日提问次数\*\*（每人每天 2 次，每群每天 3 次；管理员和 VIP 不计）：\d+ 次/);
    expect(questions).toMatch(/张三（`counted`）：2 \/ 2 次（已达上限）/);
    expect(questions).toMatch(/群 测试群（`cid-quota-group`）：3 \/ 3 次（已达上限）/);
    expect(questions).toContain('**接近上限**');
    expect(questions).not.toContain('`vip`');
    const before = modelCalls();
    expect((await ask(harness.message({ text: '用量', senderStaffId: 'counted' }))).reply).toBe(ADMINS_ONLY);
    expect(modelCalls()).toBe(before);
  });
});
