import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_ROBOT_CODE, playgroundWebhookPrefix } from '@dtbot/shared';
import { startPlaygroundSink, type PlaygroundSink } from './playground-sink.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// The worker's side of the playground: a playground message is answered through the playground's webhook and
// nowhere else, and no DingTalk message is ever answered there.
describe('playground answers', () => {
  let sink: PlaygroundSink;
  let harness: WorkerHarness;
  let webhookOf: (chat: string) => string;

  beforeAll(async () => {
    sink = await startPlaygroundSink();
    harness = await startWorkerHarness({ label: 'playground-answers', env: { PLAYGROUND_URL: sink.origin }, attempts: 1 });
    webhookOf = (chat) => `${playgroundWebhookPrefix(sink.origin)}${chat}?session=test-session`;
  });

  afterAll(async () => {
    await harness?.close();
    sink?.server.close();
  });

  const failedReason = async (jobId: string) => (await harness.queue.getJob(jobId))?.failedReason;
  const playgroundMessage = (text: string, chat: string) =>
    harness.groupMessage({ text, robotCode: PLAYGROUND_ROBOT_CODE, senderStaffId: 'alice', sessionWebhook: webhookOf(chat) });

  it('posts a playground answer to its playground webhook, the asker @-mentioned, and nothing to DingTalk', async () => {
    const sent = await harness.send(playgroundMessage('hello playground', 'g1'), { source: 'playground' });
    expect(await sent.settled).toBe('completed');
    const post = sink.posts.find((p) => p.path.startsWith('/playground/webhook/g1'));
    expect(post?.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { text: '答复: hello playground\n\n@alice' },
      at: { atUserIds: ['alice'] },
    });
    expect(harness.dingtalk.requests).toBe(0);
  });

  it('refuses a playground message whose webhook points anywhere else, DingTalk included', async () => {
    const before = harness.dingtalk.requests;
    const message = harness.message({ text: 'escape', robotCode: PLAYGROUND_ROBOT_CODE });
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/^refused to call http:\/\/127\.0\.0\.1:\d+: not the playground's webhook/);
    expect(harness.dingtalk.requests).toBe(before);
  });

  it('refuses a DingTalk message whose webhook points at the playground', async () => {
    const posted = sink.posts.length;
    const sent = await harness.send(harness.message({ text: 'sneak in', sessionWebhook: webhookOf('p1') }));
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/not an allowed DingTalk origin/);
    expect(sink.posts).toHaveLength(posted);
  });

  it('never hands a playground answer to the OpenAPI, and lends it no robot\'s credentials', async () => {
    const before = harness.dingtalk.requests;
    const message = { ...playgroundMessage('too late', 'g2'), sessionWebhookExpiredTime: Date.now() - 1000 };
    const sent = await harness.send(message, { source: 'playground' });
    expect(await sent.settled).toBe('failed');
    expect(await failedReason(sent.jobId)).toMatch(/^no route can deliver/);
    expect(harness.dingtalk.requests).toBe(before);
    expect(harness.deps.robotApp(PLAYGROUND_ROBOT_CODE)).toBeUndefined();
  });
});
