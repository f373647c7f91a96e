import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, startFakeDify, type DingTalkCallbackPayload, type FakeDify } from '@dtbot/testkit';
import { apology } from '../src/replies/canned-replies.js';
import { messageJobFor } from './message-job-for.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// A Dify app answering through the real worker: real Redis, the fake Dify chat API and the fake DingTalk over
// real HTTP.
const TTL_SECONDS = 120;
const TEMPLATE = 'answer-card.schema';
const directory = mkdtempSync(join(tmpdir(), 'dtbot-dify-'));

let harness: WorkerHarness | undefined;
let dify: FakeDify | undefined;
afterEach(async () => {
  await harness?.close();
  await dify?.close();
  harness = undefined;
  dify = undefined;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The worker with the deployment answering through the fake Dify app (`OPENAI_PROVIDER=dify`). */
async function start(label: string, env: Record<string, string> = {}, options: Partial<HarnessOptions> = {}): Promise<{ h: WorkerHarness; app: FakeDify }> {
  const app = await startFakeDify();
  dify = app;
  const h = await startWorkerHarness({
    label,
    ...options,
    env: { OPENAI_PROVIDER: 'dify', DIFY_BASE_URL: app.baseUrl, DIFY_API_KEY: app.apiKey, SESSION_TTL_SECONDS: String(TTL_SECONDS), ...env },
  });
  harness = h;
  return { h, app };
}

const conversationOf = (request: FakeDify['requests'][number]) => request.body.conversation_id;
/** The key of the conversations of a message's memory thread (its job's order key). */
const keyOf = (h: WorkerHarness, message: DingTalkCallbackPayload) =>
  h.deps.keys.difyConversations(messageJobFor(message, 1, h.deps.robotOptions(message.robotCode ?? DEFAULT_ROBOT_CODE).memoryScope).orderKey);
const today = (h: WorkerHarness, robotCode = DEFAULT_ROBOT_CODE) => h.deps.usage.report(robotCode, 1).then((report) => report.today);

describe('Dify as the answering backend', () => {
  it('asks with the question alone and the asker as user, keeps the conversation per thread in Redis for SESSION_TTL_SECONDS, and continues it', async () => {
    const { h, app } = await start('dify-keep');
    const first = h.message({ text: '报销流程是什么？', senderStaffId: 'alice' });
    expect((await h.ask(first)).reply).toContain('Dify答复(0): 报销流程是什么？');
    const second = h.message({ text: '要几天？', senderStaffId: 'alice', conversationId: first.conversationId });
    expect((await h.ask(second)).reply).toContain('Dify答复(1): 要几天？');

    const [asked, continued] = app.requests;
    expect(asked!.body).toEqual({ inputs: {}, query: '报销流程是什么？', response_mode: 'streaming', conversation_id: '', user: 'alice' });
    expect(asked!.authorization).toBe(`Bearer ${app.apiKey}`);
    const id = [...app.conversations.keys()][0]!;
    expect(conversationOf(continued!)).toBe(id);
    expect(continued!.body.query).toBe('要几天？');
    expect(h.openai.requests).toHaveLength(0);

    const key = keyOf(h, second);
    expect(await h.deps.redis.hgetall(key)).toEqual({ alice: id });
    const ttl = await h.deps.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
  });

  it('/settings names the Dify app as the model', async () => {
    const { h } = await start('dify-settings');
    const { reply } = await h.ask(h.message({ text: '/settings', senderStaffId: 'ned' }));
    expect(reply).toContain('dify');
    expect(reply).not.toContain('fake-model');
  });

  it('/reset forgets the thread\'s conversation: the next question starts a new one', async () => {
    const { h, app } = await start('dify-reset');
    const message = (text: string) => h.message({ text, senderStaffId: 'bob', conversationId: 'cid-reset' });
    await h.ask(message('第一问'));
    const key = keyOf(h, message('x'));
    expect(await h.deps.redis.exists(key)).toBe(1);
    await h.ask(message('/reset'));
    expect(await h.deps.redis.exists(key)).toBe(0);
    expect((await h.ask(message('第二问'))).reply).toContain('Dify答复(0): 第二问');
    expect(app.requests.map(conversationOf)).toEqual(['', '']);
  });

  it('a conversation Dify no longer knows → a new one is started once, and kept', async () => {
    const { h, app } = await start('dify-unknown');
    const message = (text: string) => h.message({ text, senderStaffId: 'carol', conversationId: 'cid-lost' });
    await h.ask(message('一'));
    const lost = [...app.conversations.keys()][0]!;
    app.forget(lost);
    const { reply, outcome } = await h.ask(message('二'));
    expect([outcome, reply]).toEqual(['completed', expect.stringContaining('Dify答复(0): 二')]);
    expect(app.requests.map(conversationOf)).toEqual(['', lost, '']);
    const fresh = [...app.conversations.keys()][0]!;
    expect(await h.deps.redis.hgetall(keyOf(h, message('x')))).toEqual({ carol: fresh });
  });

  it('group memory: each asker in the thread continues a conversation of their own (Dify ties one to its user)', async () => {
    const { h, app } = await start('dify-group', { MEMORY_SCOPE: 'group' });
    const say = (text: string, senderStaffId: string) => h.groupMessage({ text, senderStaffId, conversationId: 'cid-team' });
    await h.ask(say('a1', 'amy'));
    await h.ask(say('b1', 'ben'));
    await h.ask(say('a2', 'amy'));
    expect(app.requests.map((request) => [request.body.user, request.body.query])).toEqual([['amy', 'a1'], ['ben', 'b1'], ['amy', 'a2']]);
    const amys = [...app.conversations.entries()].find(([, conversation]) => conversation.user === 'amy')![0];
    expect(app.requests.map(conversationOf)).toEqual(['', '', amys]);
    expect(await h.deps.redis.hkeys(keyOf(h, say('x', 'amy')))).toEqual(expect.arrayContaining(['amy', 'ben']));
  });

  it('memory off → every question starts a new conversation and nothing is kept', async () => {
    const { h, app } = await start('dify-none', { MEMORY_SCOPE: 'none' });
    const message = (text: string) => h.message({ text, senderStaffId: 'dan', conversationId: 'cid-none' });
    await h.ask(message('一'));
    await h.ask(message('二'));
    expect(app.requests.map(conversationOf)).toEqual(['', '']);
    expect(await h.deps.redis.keys(`${h.prefix}:dify:*`)).toEqual([]);
  });

  it('records Dify\'s usage and its own price in the ledger under the model name dify', async () => {
    const { h, app } = await start('dify-usage');
    app.setBehaviour({ usage: { promptTokens: 120, completionTokens: 30, totalPrice: '0.0021000', currency: 'USD' } });
    await h.ask(h.message({ text: 'abc', senderStaffId: 'erin' }));
    const figures = await today(h);
    expect(figures.models).toEqual([expect.objectContaining({ id: 'dify', tokensIn: 120, tokensOut: 30, calls: 1, unpriced: 0 })]);
    expect(figures.total.costUsd).toBeCloseTo(0.0021, 9);
    expect((await h.deps.usage.spentToday(DEFAULT_ROBOT_CODE)).robotUsd).toBeCloseTo(0.0021, 9);
  });

  it('a price in another currency → the call counts its tokens, unpriced', async () => {
    const { h, app } = await start('dify-rmb');
    app.setBehaviour({ usage: { promptTokens: 10, completionTokens: 5, totalPrice: '0.01', currency: 'RMB' } });
    await h.ask(h.message({ text: 'abc', senderStaffId: 'fay' }));
    expect((await today(h)).models).toEqual([expect.objectContaining({ id: 'dify', tokensIn: 10, tokensOut: 5, unpriced: 1 })]);
  });

  it('streams the answer into an AI card, several drafts, then the whole answer', async () => {
    const answer = `答复：${'知识库里的内容，'.repeat(30)}`;
    const { h, app } = await start(
      'dify-card',
      { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, DINGTALK_CARD_UPDATE_MS: '100' },
      { dingtalk: { cardTemplates: [TEMPLATE] } },
    );
    app.setBehaviour({ answer: () => answer, stream: { chunks: 8, intervalMs: 50 } });
    expect(await (await h.send(h.groupMessage({ text: 'card me', senderStaffId: 'gus' }))).settled).toBe('completed');
    const [card] = h.dingtalk.cards();
    expect(card).toMatchObject({ finalized: true, params: { content: answer, flowStatus: '3' } });
    expect(card!.updates.length).toBeGreaterThan(2);
    const drafts = card!.updates.map((update) => update.content);
    expect(drafts.every((draft) => answer.startsWith(draft))).toBe(true);
  });
});

describe('Dify failures', () => {
  it('401 → fatal: one try, the usual apology, none of Dify\'s text shown', async () => {
    const { h, app } = await start('dify-401', {}, { attempts: 3 });
    app.setBehaviour({ status: 401 });
    const { reply, jobId, outcome } = await h.ask(h.message({ text: 'q', senderStaffId: 'hal' }));
    expect([outcome, reply]).toEqual(['failed', apology(jobId)]);
    expect(app.requests).toHaveLength(1);
    expect(reply).not.toContain('fake Dify');
  });

  it('an error event in the stream (the app\'s model quota exhausted) → fatal: one try, the apology', async () => {
    const { h, app } = await start('dify-quota', {}, { attempts: 3 });
    app.setBehaviour({ streamError: { after: 1, status: 400, code: 'provider_quota_exceeded' } });
    const { reply, jobId, outcome } = await h.ask(h.message({ text: 'q', senderStaffId: 'ida' }));
    expect([outcome, reply]).toEqual(['failed', apology(jobId)]);
    expect(app.requests).toHaveLength(1);
  });

  it('5xx, then a connection cut mid-answer → retried, then answered', async () => {
    const { h, app } = await start('dify-5xx', {}, { attempts: 3 });
    let calls = 0;
    app.setBehaviour({ status: 503 });
    const sent = await h.send(h.message({ text: '再试', senderStaffId: 'jon' }));
    // The first try meets the 503; the second a stream that breaks off; the third is answered.
    const heal = setInterval(() => {
      if (app.requests.length > calls) {
        calls = app.requests.length;
        app.setBehaviour(calls === 1 ? { status: undefined, stream: { chunks: 4, breakAfter: 2 } } : { stream: undefined });
      }
    }, 5);
    try {
      expect(await sent.settled).toBe('completed');
    } finally {
      clearInterval(heal);
    }
    expect(app.requests.length).toBe(3);
  });

  it('429 → rate limited: every worker waits as Dify asked, then the question is answered', async () => {
    const { h, app } = await start('dify-429', {}, { attempts: 3 });
    app.setBehaviour({ status: 429, retryAfterSeconds: 1 });
    const sent = await h.send(h.message({ text: 'slow down', senderStaffId: 'kim' }));
    while (app.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const limitedAt = Date.now();
    app.setBehaviour({ status: undefined });
    expect(await sent.settled).toBe('completed');
    expect(app.requests.length).toBe(2);
    expect(app.requests[1]!.receivedAt - limitedAt).toBeGreaterThanOrEqual(800);
  });
});

describe('a robot with a Dify app of its own', () => {
  it('answers through its Dify app (counted under the app name) while another robot asks the deployment\'s model', async () => {
    const app = await startFakeDify();
    dify = app;
    const robotsFile = join(directory, 'robots.yaml');
    writeFileSync(
      robotsFile,
      ['robots:', `  - appKey: ${DEFAULT_ROBOT_CODE}`, '    name: kb', '    dify:', `      baseUrl: ${app.baseUrl}`, `      apiKey: ${app.apiKey}`, '      app: hr-kb', ''].join('\n'),
    );
    const h = await startWorkerHarness({ label: 'dify-robot', env: { ROBOTS_FILE: robotsFile } });
    harness = h;
    expect((await h.ask(h.message({ text: '年假几天？', senderStaffId: 'lee' }))).reply).toContain('Dify答复(0): 年假几天？');
    expect((await h.ask(h.message({ text: 'hello', senderStaffId: 'lee', robotCode: 'dingother' }))).reply).toContain('答复: hello');
    expect([app.requests.length, h.openai.requests.length]).toEqual([1, 1]);
    expect((await today(h)).models.map((row) => row.id)).toEqual(['hr-kb']);
    expect((await today(h, 'dingother')).models.map((row) => row.id)).toEqual(['fake-model']);
  });
});

