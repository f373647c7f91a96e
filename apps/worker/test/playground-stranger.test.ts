import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_ROBOT_CODE, playgroundWebhookOf } from '@dtbot/shared';
import { ADMINS_ONLY } from '../src/replies/canned-replies.js';
import { openPlaygroundSession, playgroundAnswers } from './playground-sink.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// A playground visitor types their own staff id: the worker must not take it for an admin's or a VIP's,
// whatever it says. Real worker, real Redis, the answers read from the session's transcript as a gateway reads them.
describe('a playground visitor who types an admin\'s staff id', () => {
  let harness: WorkerHarness;
  let sessionId: string;

  beforeAll(async () => {
    harness = await startWorkerHarness({
      label: 'playground-stranger',
      env: { ADMIN_USERS: 'boss01', VIP_USERS: 'vip01', QUOTA_USER_DAILY: '1' },
      attempts: 1,
    });
    sessionId = await openPlaygroundSession(harness.deps.redis, harness.sharedKeys);
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** Asks as a playground visitor calling themselves `staffId`, in the playground chat `p.<chat>`; gives the answers delivered there. */
  async function askFromPlayground(text: string, staffId: string, chat: string): Promise<string[]> {
    const sessionWebhook = playgroundWebhookOf({ sessionId, chatId: `p.${chat}` });
    const message = harness.message({ text, robotCode: PLAYGROUND_ROBOT_CODE, senderStaffId: staffId, sessionWebhook });
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('completed');
    return (await playgroundAnswers(harness.deps.redis, harness.sharedKeys, sessionId)).filter((entry) => entry.chatId === `p.${chat}`).map((entry) => entry.text);
  }

  it('/usage from the playground as "boss01" → the ordinary admins-only reply; from DingTalk as boss01 → the report', async () => {
    expect(await askFromPlayground('/usage', 'boss01', 'usage')).toEqual([ADMINS_ONLY]);
    expect((await harness.ask(harness.message({ text: '/usage', senderStaffId: 'boss01' }))).reply).toContain('### 用量');
  });

  it('questions from the playground as "boss01" → counted against the daily quota, the second refused without a model call', async () => {
    expect(await askFromPlayground('first question', 'boss01', 'quota')).toEqual(['答复: first question']);
    const modelCalls = harness.openai.requests.length;
    const answers = await askFromPlayground('second question', 'boss01', 'quota');
    expect(answers[1]).toMatch(/^你今天的提问次数已用完（每人每天 1 次）/);
    expect(harness.openai.requests.length).toBe(modelCalls);
  });

  it('questions from DingTalk as boss01 → exempt from the quota, so the lists themselves are in force', async () => {
    const boss = { senderStaffId: 'boss01' };
    await harness.ask(harness.message({ text: 'boss one', ...boss }));
    expect((await harness.ask(harness.message({ text: 'boss two', ...boss }))).reply).toContain('答复: boss two');
  });

  it('/settings from the playground as "boss01" or "vip01" → a member\'s quota, never "unlimited"', async () => {
    const [asBoss] = await askFromPlayground('/settings', 'boss01', 'settings-boss');
    const [asVip] = await askFromPlayground('/settings', 'vip01', 'settings-vip');
    for (const text of [asBoss, asVip]) {
      expect(text).toContain('今日剩余次数：');
      expect(text).not.toContain('不限');
    }
  });
});
