import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { apology, EMPTY_QUESTION, helpText, PICTURES_NOT_READ, RESET_DONE } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// The worker's steps in-process: real BullMQ worker, real Redis, fake model and fake DingTalk.
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({ label: 'worker' });
});

afterEach(() => {
  harness.openai.setBehaviour({ answer: undefined, status: undefined });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
const repliesTo = (webhook: string) => harness.dingtalk.delivered().filter((m) => m.target === sessionOf(webhook));
const userText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);
/** Model requests that asked `text` (as the latest message). */
const requestsAbout = (text: string) => harness.openai.requests.map((r) => r.body).filter((body) => userText(body) === text);

describe('worker', () => {
  it('answers a question once, through its session webhook', async () => {
    const message = harness.message({ text: 'what is a queue?', senderStaffId: 'once' });
    const { settled } = await harness.send(message);
    expect(await settled).toBe('completed');
    expect(repliesTo(message.sessionWebhook)).toMatchObject([{ route: 'webhook', kind: 'markdown', text: '答复: what is a queue?' }]);
    expect(requestsAbout('what is a queue?')).toHaveLength(1);
  });

  it('lets the second question of a thread see the first turn', async () => {
    const first = await harness.send(harness.message({ text: 'my name is Li', senderStaffId: 'thread' }));
    await first.settled;
    const second = await harness.send(harness.message({ text: 'what is my name?', senderStaffId: 'thread' }));
    expect(await second.settled).toBe('completed');
    const [request] = requestsAbout('what is my name?');
    expect(request?.messages).toEqual([
      { role: 'user', content: 'my name is Li' },
      { role: 'assistant', content: '答复: my name is Li' },
      { role: 'user', content: 'what is my name?' },
    ]);
  });

  it('clears memory on reset and shows usage on help, without asking the model', async () => {
    await (await harness.send(harness.message({ text: 'remember me', senderStaffId: 'reset' }))).settled;
    const reset = harness.message({ text: '/reset', senderStaffId: 'reset' });
    await (await harness.send(reset)).settled;
    const help = harness.message({ text: '帮助', senderStaffId: 'reset' });
    await (await harness.send(help)).settled;
    await (await harness.send(harness.message({ text: 'fresh start', senderStaffId: 'reset' }))).settled;

    expect(repliesTo(reset.sessionWebhook).map((m) => m.text)).toEqual([RESET_DONE]);
    // The help text's lines are sent as DingTalk markdown, each line kept.
    expect(repliesTo(help.sessionWebhook).map((m) => m.text)).toEqual([toDingTalkMarkdown(helpText(harness.deps.settings, harness.deps.personas))]);
    expect(requestsAbout('/reset')).toEqual([]);
    expect(requestsAbout('帮助')).toEqual([]);
    expect(requestsAbout('fresh start').map((body) => body.messages)).toEqual([[{ role: 'user', content: 'fresh start' }]]);
  });

  it('answers a picture with a note and an empty text with a hint, without asking the model', async () => {
    const requestsBefore = harness.openai.requests.length;
    const picture = harness.message({ msgtype: 'picture', content: { downloadCode: 'abc' }, senderStaffId: 'kinds' });
    const empty = harness.message({ text: '  ', senderStaffId: 'kinds' });
    await (await harness.send(picture)).settled;
    await (await harness.send(empty)).settled;
    expect(repliesTo(picture.sessionWebhook).map((m) => m.text)).toEqual([PICTURES_NOT_READ]);
    expect(repliesTo(empty.sessionWebhook).map((m) => m.text)).toEqual([EMPTY_QUESTION]);
    expect(harness.openai.requests.length).toBe(requestsBefore);
  });

  it('retries a model 5xx and then answers once', async () => {
    let calls = 0;
    harness.openai.setBehaviour({
      answer: (body) => {
        calls += 1;
        if (calls === 1) throw new Error('upstream hiccup'); // the fake turns this into a 500
        return `答复: ${userText(body)}`;
      },
    });
    const message = harness.message({ text: 'flaky model', senderStaffId: 'flaky' });
    const { jobId, settled } = await harness.send(message);
    expect(await settled).toBe('completed');
    expect(calls).toBe(2);
    expect(repliesTo(message.sessionWebhook).map((m) => m.text)).toEqual(['答复: flaky model']);
    // BullMQ counts the successful attempt too: one failed, one answered.
    expect((await harness.queue.getJob(jobId))?.attemptsMade).toBe(2);
  });

  it('apologises with the job id when the model fails for good, and leaves the job failed', async () => {
    harness.openai.setBehaviour({ status: 503 });
    const message = harness.message({ text: 'doomed question', senderStaffId: 'doomed' });
    const { jobId, settled } = await harness.send(message);
    expect(await settled).toBe('failed');
    expect(repliesTo(message.sessionWebhook).map((m) => m.text)).toEqual([apology(jobId)]);
    expect(await harness.queue.getJobState(jobId)).toBe('failed');
    // Every attempt asked the model (3 tries), and the upstream's words never reached the user.
    expect(requestsAbout('doomed question')).toHaveLength(3);
  });

  it('answers through the OpenAPI once the session webhook has expired', async () => {
    const message = harness.groupMessage({ text: 'late question', senderStaffId: 'late', sessionWebhookExpiredTime: Date.now() - 1000 });
    const { settled } = await harness.send(message);
    expect(await settled).toBe('completed');
    expect(repliesTo(message.sessionWebhook)).toEqual([]);
    const reply = harness.dingtalk.delivered().find((m) => m.text.startsWith('答复: late question'));
    expect(reply).toMatchObject({ route: 'openapi', kind: 'sampleMarkdown', target: message.conversationId, text: '答复: late question\n\n@late' });
  });

  it('sends nothing through the OpenAPI for a robot this deployment does not know, not even as another robot', async () => {
    const before = harness.dingtalk.requests;
    const message = harness.groupMessage({ text: 'orphan', robotCode: 'ding-removed-robot', sessionWebhookExpiredTime: Date.now() - 1000 });
    const { settled } = await harness.send(message);
    expect(await settled).toBe('failed');
    expect(harness.deps.robotApp('ding-removed-robot')).toBeUndefined();
    expect(harness.dingtalk.delivered().filter((m) => m.text.includes('orphan'))).toEqual([]);
    expect(harness.dingtalk.requests).toBe(before);
  });

  it('delays a job whose webhook post DingTalk throttled (130101), keeping its attempts and its turn', async () => {
    harness.dingtalk.refuseNext('webhook', { errcode: 130101, errmsg: 'send too fast' });
    const first = harness.message({ text: 'throttled first', senderStaffId: 'throttled' });
    const second = harness.message({ text: 'throttled second', senderStaffId: 'throttled' });
    const sentFirst = await harness.send(first);
    const sentSecond = await harness.send(second);
    expect(await Promise.all([sentFirst.settled, sentSecond.settled])).toEqual(['completed', 'completed']);

    const rejected = harness.dingtalk.webhookRejections.filter((r) => r.session === sessionOf(first.sessionWebhook));
    expect(rejected.map((r) => r.errcode)).toEqual([130101]);
    const answers = harness.dingtalk.delivered().filter((m) => m.text.startsWith('答复: throttled')).map((m) => m.text);
    expect(answers).toEqual(['答复: throttled first', '答复: throttled second']);
    // The model was asked once: only the delivery waited. The one attempt BullMQ counts is the answer.
    expect(requestsAbout('throttled first')).toHaveLength(1);
    expect((await harness.queue.getJob(sentFirst.jobId))?.attemptsMade).toBe(1);
  });

  it('resumes a split answer whose second part failed: the first part is not sent again', async () => {
    const paragraphs = [1, 2, 3, 4].map((n) => `第 ${n} 段：${'队列'.repeat(300)}`);
    harness.openai.setBehaviour({ answer: () => paragraphs.join('\n\n') });
    // The post after next (this answer's second part) gets a DingTalk errcode that is worth a retry.
    harness.dingtalk.setBehaviour({ errcodeEvery: { n: harness.dingtalk.deliverableWebhookPosts + 2, errcode: -1, errmsg: '系统繁忙' } });
    const message = harness.message({ text: 'a long answer, please', senderStaffId: 'parts' });
    const { jobId, settled } = await harness.send(message);
    expect(await settled).toBe('completed');
    harness.dingtalk.setBehaviour({ errcodeEvery: undefined });

    const rejected = harness.dingtalk.webhookRejections.filter((r) => r.session === sessionOf(message.sessionWebhook));
    expect(rejected.map((r) => r.errcode)).toEqual([-1]);
    const replies = repliesTo(message.sessionWebhook).map((reply) => reply.text);
    expect(replies).toHaveLength(2);
    for (const paragraph of paragraphs) expect(replies.filter((text) => text.includes(paragraph))).toHaveLength(1);
    expect((await harness.queue.getJob(jobId))?.attemptsMade).toBe(2);
  });

  it('answers two messages of one thread in order, the second after the first', async () => {
    let releaseFirst!: () => void;
    const firstMayAnswer = new Promise<void>((resolve) => (releaseFirst = resolve));
    harness.openai.setBehaviour({
      answer: async (body) => {
        if (userText(body) === 'first of two') await firstMayAnswer;
        return `答复: ${userText(body)}`;
      },
    });
    const first = await harness.send(harness.message({ text: 'first of two', senderStaffId: 'order' }));
    // The second message waits for its turn in the delayed set while the first is with the model.
    const secondParked = new Promise((resolve) => harness.events.once('delayed', resolve));
    const second = harness.message({ text: 'second of two', senderStaffId: 'order' });
    const sent = await harness.send(second);
    await secondParked;
    releaseFirst();
    expect(await Promise.all([first.settled, sent.settled])).toEqual(['completed', 'completed']);

    const answers = harness.dingtalk.delivered().filter((m) => m.text.endsWith('of two')).map((m) => m.text);
    expect(answers).toEqual(['答复: first of two', '答复: second of two']);
    expect(requestsAbout('second of two')[0]?.messages?.slice(0, 2)).toEqual([
      { role: 'user', content: 'first of two' },
      { role: 'assistant', content: '答复: first of two' },
    ]);
  });
});
