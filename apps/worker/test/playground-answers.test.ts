import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_ROBOT_CODE, playgroundWebhookOf } from '@dtbot/shared';
import { openPlaygroundSession, playgroundAnswers } from './playground-sink.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// The worker's side of the playground: a playground message is answered into its session's transcript in Redis and
// nowhere else, and no DingTalk message is ever answered there.
describe('playground answers', () => {
  let harness: WorkerHarness;
  let sessionId: string;
  let webhookOf: (chat: string) => string;

  beforeAll(async () => {
    harness = await startWorkerHarness({ label: 'playground-answers', attempts: 1 });
    sessionId = await openPlaygroundSession(harness.deps.redis, harness.sharedKeys);
    webhookOf = (chat) => playgroundWebhookOf({ sessionId, chatId: chat });
  });

  afterAll(async () => {
    await harness?.close();
  });

  const failedReason = async (jobId: string) => (await harness.queue.getJob(jobId))?.failedReason;
  const answers = () => playgroundAnswers(harness.deps.redis, harness.sharedKeys, sessionId);
  const playgroundMessage = (text: string, chat: string) =>
    harness.groupMessage({ text, robotCode: PLAYGROUND_ROBOT_CODE, senderStaffId: 'alice', sessionWebhook: webhookOf(chat) });

  it('delivers a playground answer into its session\'s transcript, the asker @-mentioned, and nothing to DingTalk', async () => {
    const chat = 'g.' + 'a'.repeat(22);
    const sent = await harness.send(playgroundMessage('hello playground', chat), { source: 'playground' });
    expect(await sent.settled).toBe('completed');
    expect((await answers()).find((entry) => entry.chatId === chat)).toMatchObject({
      format: 'markdown',
      text: '答复: hello playground\n\n@alice',
      atUserIds: ['alice'],
    });
    expect(harness.dingtalk.requests).toBe(0);
  });

  it('refuses a playground message whose webhook points anywhere else, DingTalk included', async () => {
    const before = harness.dingtalk.requests;
    const message = harness.message({ text: 'escape', robotCode: PLAYGROUND_ROBOT_CODE });
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/^refused to deliver to http:\/\/127\.0\.0\.1:\d+: not a playground session's webhook/);
    expect(harness.dingtalk.requests).toBe(before);
  });

  it('refuses a DingTalk message whose webhook points at the playground', async () => {
    const before = (await answers()).length;
    const sent = await harness.send(harness.message({ text: 'sneak in', sessionWebhook: webhookOf('p.p1') }));
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/not an allowed DingTalk origin/);
    expect(await answers()).toHaveLength(before);
  });

  it('never hands a playground answer to the OpenAPI, and lends it no robot\'s credentials', async () => {
    const before = harness.dingtalk.requests;
    const message = { ...playgroundMessage('too late', 'g.' + 'b'.repeat(22)), sessionWebhookExpiredTime: Date.now() - 1000 };
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/^no route can deliver/);
    expect(harness.dingtalk.requests).toBe(before);
    expect(harness.deps.robotApp(PLAYGROUND_ROBOT_CODE)).toBeUndefined();
  });

  it('gives up on an answer whose session has ended (playground_session_gone), writing nothing and asking DingTalk nothing', async () => {
    const ended = await openPlaygroundSession(harness.deps.redis, harness.sharedKeys, Date.now() - 1);
    const message = harness.groupMessage({ text: 'nobody left', robotCode: PLAYGROUND_ROBOT_CODE, sessionWebhook: playgroundWebhookOf({ sessionId: ended, chatId: 'p.alice' }) });
    const before = harness.dingtalk.requests;
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toBe(`playground session ${ended} has ended: nobody can see the answer`);
    expect(await harness.deps.redis.exists(harness.sharedKeys.playgroundTranscript(ended))).toBe(0);
    expect(harness.dingtalk.requests).toBe(before);
  });
});
