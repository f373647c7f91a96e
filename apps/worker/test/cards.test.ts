import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { PLAYGROUND_ROBOT_CODE, playgroundWebhookOf } from '@dtbot/shared';
import { DEFAULT_ROBOT_CODE, type ChatCompletionRequest, type FakeCard } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { apology, helpText } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';
import { openPlaygroundSession, playgroundAnswers } from './playground-sink.js';

// AI-card answers in-process: real BullMQ worker(s), real Redis, the fake model streaming slowly
// enough for several drafts, and the fake DingTalk's card API.
const TEMPLATE = 'answer-card.schema';
const UPDATE_MS = 100;

let harness: WorkerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A harness with cards on; the test's own (closed after it) unless it joins another as a second worker. */
async function start(label: string, options: Partial<HarnessOptions> = {}): Promise<WorkerHarness> {
  const started = await startWorkerHarness({
    label,
    ...options,
    env: { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, DINGTALK_CARD_UPDATE_MS: String(UPDATE_MS), ...(options.env as Record<string, string>) },
    openai: { stream: { chunks: 8, intervalMs: 40 }, ...options.openai },
    dingtalk: { cardTemplates: [TEMPLATE], ...options.dingtalk },
  });
  if (!options.join) harness = started;
  return started;
}

const userText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);
const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
const messagesTo = (h: WorkerHarness, webhook: string) => h.dingtalk.delivered().filter((m) => m.target === sessionOf(webhook));
const gaps = (card: FakeCard) => card.updates.slice(1).map((update, index) => update.receivedAt - card.updates[index]!.receivedAt);
const longAnswer = (question: string) => `答复: ${question}。${'这是一个很长的回答，'.repeat(40)}`;

describe('AI-card answers', () => {
  it('stream the model\'s answer into one card, an update at most every DINGTALK_CARD_UPDATE_MS, then finalize it', async () => {
    const h = await start('card-stream', { openai: { answer: (body) => longAnswer(userText(body)) } });
    const message = h.groupMessage({ text: 'stream me', senderStaffId: 'asker', senderNick: '小李' });
    expect(await (await h.send(message)).settled).toBe('completed');

    const [card] = h.dingtalk.cards();
    expect(h.dingtalk.cards()).toHaveLength(1);
    expect(card).toMatchObject({
      cardTemplateId: TEMPLATE,
      spaceType: 'IM_GROUP',
      target: message.conversationId,
      robotCode: message.robotCode,
      atUserIds: { asker: '小李' },
      finalized: true,
      params: { content: longAnswer('stream me'), flowStatus: '3' },
    });
    expect(card!.updates.length).toBeGreaterThan(2);
    expect(Math.min(...gaps(card!))).toBeGreaterThanOrEqual(UPDATE_MS);
    // Every update carries the whole text so far; only the last one finalizes.
    expect(card!.updates.every((update) => update.isFull && update.key === 'content' && !update.isError)).toBe(true);
    expect(card!.updates.map((update) => update.isFinalize)).toEqual([...card!.updates.slice(1).map(() => false), true]);
    expect(card!.updates.at(-1)?.content).toBe(longAnswer('stream me'));
    // The model streamed (with its usage), and nothing went out as a message.
    expect(h.openai.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(messagesTo(h, message.sessionWebhook)).toEqual([]);
  });

  it('cost one create, its streaming updates and one finished state per card: no call of its own to start streaming', async () => {
    const h = await start('card-calls', { openai: { answer: (body) => longAnswer(userText(body)) } });
    expect(await (await h.send(h.groupMessage({ text: 'count my calls', senderStaffId: 'counted' }))).settled).toBe('completed');

    const [card] = h.dingtalk.cards();
    const calls = h.dingtalk.cardCalls.map((call) => `${call.method} ${call.path}`);
    expect(calls).toEqual([
      'POST /v1.0/card/instances/createAndDeliver',
      ...card!.updates.map(() => 'PUT /v1.0/card/streaming'),
      'PUT /v1.0/card/instances',
    ]);
    expect(card!.updates[0]?.content).not.toBe('');
  });

  it('go to the sender in a private chat, and the thread remembers the answer', async () => {
    const h = await start('card-private');
    const first = h.message({ text: 'my name is Li', senderStaffId: 'staff-7' });
    await (await h.send(first)).settled;
    await (await h.send(h.message({ text: 'who am I?', senderStaffId: 'staff-7' }))).settled;

    expect(h.dingtalk.cards().map((card) => [card.spaceType, card.target, card.params.content])).toEqual([
      ['IM_ROBOT', 'staff-7', '答复: my name is Li'],
      ['IM_ROBOT', 'staff-7', '答复: who am I?'],
    ]);
    expect(h.openai.requests.at(-1)?.body.messages?.slice(0, 2)).toEqual([
      { role: 'user', content: 'my name is Li' },
      { role: 'assistant', content: '答复: my name is Li' },
    ]);
    expect(messagesTo(h, first.sessionWebhook)).toEqual([]);
  });

  it('never show a sensitive word, not even while it is being written', async () => {
    const h = await start('card-sensitive', {
      env: { SENSITIVE_WORDS: 'topsecret' },
      // Two pieces, the first ending inside the word ("…TopSe"), a pause after it long enough to show it.
      openai: { answer: () => 'the password is TopSecret, keep it safe', stream: { chunks: 2, intervalMs: 3 * UPDATE_MS } },
    });
    await (await h.send(h.message({ text: 'tell me', senderStaffId: 'sensitive' }))).settled;
    const [card] = h.dingtalk.cards();
    expect(card!.updates.map((update) => update.content)).toContain('the password is ');
    // No update holds the word, nor any start of it of two letters or more.
    expect(card!.updates.filter((update) => /to(p(s(e(c(r(et?)?)?)?)?)?)?$/i.test(update.content) || /topsecret/i.test(update.content))).toEqual([]);
    expect(card!.params.content).toBe('the password is *********, keep it safe');
  });

  it('follow each robot\'s own template from ROBOTS_FILE: a robot without one answers with messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtbot-card-robots-'));
    const robotsFile = join(dir, 'robots.yaml');
    writeFileSync(
      robotsFile,
      ['robots:', `  - appKey: ${DEFAULT_ROBOT_CODE}`, `    cardTemplateId: ${TEMPLATE}`, '  - appKey: dingplain', '    appSecret: plain-secret', ''].join('\n'),
    );
    try {
      const h = await start('card-per-robot', { env: { ROBOTS_FILE: robotsFile, DINGTALK_CARD_TEMPLATE_ID: '' } });
      const carded = h.message({ text: 'card please', senderStaffId: 'per-robot' });
      const plain = h.message({ text: 'plain please', senderStaffId: 'per-robot', robotCode: 'dingplain' });
      await (await h.send(carded)).settled;
      await (await h.send(plain)).settled;
      expect(h.dingtalk.cards().map((card) => card.params.content)).toEqual(['答复: card please']);
      expect(messagesTo(h, carded.sessionWebhook)).toEqual([]);
      expect(messagesTo(h, plain.sessionWebhook).map((m) => m.text)).toEqual(['答复: plain please']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stream into the robot\'s cardContentKey from ROBOTS_FILE, and into `content` (CARD_CONTENT_KEY) without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtbot-card-key-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const robotsFile = join(dir, 'robots.yaml');
    writeFileSync(robotsFile, ['robots:', `  - appKey: ${DEFAULT_ROBOT_CODE}`, '    cardContentKey: msgContent', ''].join('\n'));
    const own = await start('card-content-key', { env: { ROBOTS_FILE: robotsFile } });
    await (await own.send(own.message({ text: 'own key', senderStaffId: 'keyed' }))).settled;
    const [card] = own.dingtalk.cards();
    expect(card!.params).toMatchObject({ msgContent: '答复: own key' });
    expect(card!.params).not.toHaveProperty('content');
    expect(new Set(card!.updates.map((update) => update.key))).toEqual(new Set(['msgContent']));
    await own.close();
    harness = undefined;

    const plain = await start('card-default-key');
    await (await plain.send(plain.message({ text: 'default key', senderStaffId: 'keyed' }))).settled;
    expect(plain.dingtalk.cards()[0]!.params).toMatchObject({ content: '答复: default key' });
    expect(new Set(plain.dingtalk.cards()[0]!.updates.map((update) => update.key))).toEqual(new Set(['content']));
  });

  it('are not used in the playground: its chats exist only there, so its answers go to its session\'s transcript', async () => {
    const h = await start('card-playground');
    const sessionId = await openPlaygroundSession(h.deps.redis, h.sharedKeys);
    const message = h.message({ text: 'from the playground', robotCode: PLAYGROUND_ROBOT_CODE, sessionWebhook: playgroundWebhookOf({ sessionId, chatId: 'p.c1' }) });
    expect(await (await h.send(message, { source: 'playground' })).settled).toBe('completed');
    expect(await playgroundAnswers(h.deps.redis, h.sharedKeys, sessionId)).toHaveLength(1);
    expect(h.dingtalk.requests).toBe(0);
  });

  it('are not used for commands and notes, which go out as plain messages', async () => {
    const h = await start('card-commands');
    const help = h.message({ text: '/help', senderStaffId: 'cmd' });
    const picture = h.message({ msgtype: 'picture', content: { downloadCode: 'x' }, senderStaffId: 'cmd' });
    await (await h.send(help)).settled;
    await (await h.send(picture)).settled;
    expect(messagesTo(h, help.sessionWebhook).map((m) => m.text)).toEqual([toDingTalkMarkdown(helpText(h.deps.settings, h.deps.personas))]);
    expect(messagesTo(h, picture.sessionWebhook)).toHaveLength(1);
    expect(h.dingtalk.cards()).toEqual([]);
  });

  it('fall back to one markdown reply when DingTalk refuses to create the card', async () => {
    const h = await start('card-refused', { dingtalk: { cardTemplates: ['another.schema'] } });
    const message = h.message({ text: 'no card for me', senderStaffId: 'refused' });
    const { jobId, settled } = await h.send(message);
    expect(await settled).toBe('completed');
    expect(h.dingtalk.cards()).toEqual([]);
    expect(messagesTo(h, message.sessionWebhook).map((m) => m.text)).toEqual(['答复: no card for me']);
    // Without a card to show drafts, the model was not asked to stream.
    expect(h.openai.requests.at(-1)?.body.stream).toBeUndefined();
    expect(await h.deps.redis.hget(h.deps.keys.card(jobId), 'state')).toBe('refused');
  });

  it('finish the same card when the job is retried after creating it', async () => {
    const h = await start('card-retried');
    let calls = 0;
    h.openai.setBehaviour({
      answer: (body) => {
        calls += 1;
        if (calls === 1) throw new Error('model hiccup'); // a 500: the attempt fails after the card was made
        return `答复: ${userText(body)}`;
      },
    });
    const message = h.message({ text: 'second time lucky', senderStaffId: 'retried' });
    expect(await (await h.send(message)).settled).toBe('completed');
    expect(calls).toBe(2);
    expect(h.dingtalk.cards()).toHaveLength(1);
    expect(h.dingtalk.cards()[0]).toMatchObject({ finalized: true, params: { content: '答复: second time lucky', flowStatus: '3' } });
    expect(messagesTo(h, message.sessionWebhook)).toEqual([]);
  });

  it('finish the card DingTalk made even when its answer to the creation was lost', async () => {
    const h = await start('card-lost-answer');
    h.dingtalk.refuseNext('card', { status: 504, body: { code: 'GatewayTimeout', message: 'lost' }, served: true });
    const message = h.groupMessage({ text: 'did it arrive?', senderStaffId: 'lost' });
    expect(await (await h.send(message)).settled).toBe('completed');
    expect(h.dingtalk.cards()).toHaveLength(1);
    expect(h.dingtalk.cards()[0]).toMatchObject({ finalized: true, params: { content: '答复: did it arrive?' } });
    expect(messagesTo(h, message.sessionWebhook)).toEqual([]);
  });

  it('create the card under the same outTrackId when the first creation never reached DingTalk', async () => {
    const h = await start('card-never-made');
    h.dingtalk.refuseNext('card', { status: 503, body: { code: 'ServiceUnavailable', message: 'down' } });
    const message = h.message({ text: 'made on retry', senderStaffId: 'never' });
    const { jobId, settled } = await h.send(message);
    expect(await settled).toBe('completed');
    expect(h.dingtalk.cards().map((card) => card.outTrackId)).toEqual([await h.deps.redis.hget(h.deps.keys.card(jobId), 'outTrackId')]);
    expect(h.dingtalk.cards()[0]?.params.content).toBe('答复: made on retry');
  });

  it('end in the error state with the apology when the model fails for good, and send no message', async () => {
    const h = await start('card-model-failed', { attempts: 2 });
    h.openai.setBehaviour({ status: 503 });
    const message = h.groupMessage({ text: 'doomed', senderStaffId: 'doomed' });
    const { jobId, settled } = await h.send(message);
    expect(await settled).toBe('failed');

    expect(h.dingtalk.cards()).toHaveLength(1);
    const [card] = h.dingtalk.cards();
    expect(card).toMatchObject({ finalized: true, params: { content: apology(jobId), flowStatus: '5' } });
    expect(card!.updates.at(-1)).toMatchObject({ isFinalize: true, isError: true, content: apology(jobId) });
    expect(messagesTo(h, message.sessionWebhook)).toEqual([]);
  });

  it('keep what was written and add the apology when the answer breaks off for good', async () => {
    // The whole stream must end within the model timeout (1 s here, MODEL_TIMEOUT_MS in production); the model
    // writes for longer.
    const h = await start('card-broken-off', {
      attempts: 1,
      tuning: { modelTimeoutMs: 1000 },
      openai: { answer: () => 'written part '.repeat(10), stream: { chunks: 20, intervalMs: 80 } },
    });
    const message = h.message({ text: 'cut short', senderStaffId: 'cut' });
    const { jobId, settled } = await h.send(message);
    expect(await settled).toBe('failed');
    const [card] = h.dingtalk.cards();
    const last = card!.updates.at(-1)!;
    expect(last).toMatchObject({ isFinalize: true, isError: true });
    expect(last.content).toMatch(new RegExp(`^written part.*\n\n${apology(jobId).replace(/[()（）]/g, '.')}$`, 's'));
    expect(card!.params.flowStatus).toBe('5');
    expect(messagesTo(h, message.sessionWebhook)).toEqual([]);
  });

  it('back off when DingTalk answers QpsLimit, and still finish every card', async () => {
    const h = await start('card-qps-limit', {
      dingtalk: { cardQps: 4 },
      settings: { card: { updateMs: UPDATE_MS, throttleBackoffMs: 200, maxWaitMs: 15_000 } },
    });
    // Every pause the refusals asked for, as the budget that all workers share was told.
    const pauses: number[] = [];
    const pause = h.deps.cardBudget.pause.bind(h.deps.cardBudget);
    h.deps.cardBudget.pause = (appKey, ms) => {
      pauses.push(ms);
      return pause(appKey, ms);
    };
    const messages = ['q1', 'q2'].map((text) => h.groupMessage({ text, senderStaffId: `qps-${text}` }));
    const sent = await Promise.all(messages.map((message) => h.send(message)));
    expect(await Promise.all(sent.map((one) => one.settled))).toEqual(['completed', 'completed']);

    const refused = h.dingtalk.cardCalls.filter((call) => call.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    // Each QpsLimit paused the shared budget for the back-off, rather than retrying at once.
    expect(pauses).toHaveLength(refused.length);
    expect(pauses.every((ms) => ms >= 200)).toBe(true);
    expect(h.dingtalk.cards().map((card) => [card.finalized, card.params.content]).sort()).toEqual([
      [true, '答复: q1'],
      [true, '答复: q2'],
    ]);
    expect(messages.flatMap((message) => messagesTo(h, message.sessionWebhook))).toEqual([]);
  }, 20_000);

  it('six cards at once under 20 card calls a second: each shows words before its final update', async () => {
    const h = await start('card-six', {
      concurrency: 6,
      tuning: { cardCallsPerSecond: 20 },
      // About 0.8 s of writing, a piece every 50 ms: the cards want far more updates than the budget has room for.
      openai: { answer: (body) => longAnswer(userText(body)), stream: { chunks: 16, intervalMs: 50 } },
    });
    const sent = await Promise.all(Array.from({ length: 6 }, (_, index) => h.send(h.groupMessage({ text: `six ${index}`, senderStaffId: `six-${index}` }))));
    expect(await Promise.all(sent.map((one) => one.settled))).toEqual(Array(6).fill('completed'));

    const cards = h.dingtalk.cards();
    expect(cards.map((card) => card.finalized)).toEqual(Array(6).fill(true));
    const wordsBeforeEnd = cards.map((card) => card.updates.some((update) => !update.isFinalize && update.content.trim() !== ''));
    expect(wordsBeforeEnd).toEqual(Array(6).fill(true));
  }, 20_000);

  it('share one card budget between two workers: never more calls in a second than the budget', async () => {
    const qps = 8;
    const first = await start('card-budget', { tuning: { cardCallsPerSecond: qps } });
    // A second worker on the same Redis and the same DingTalk, as another process would be (its own queue).
    const dingtalk = first.dingtalk;
    const second = await start('card-budget-2', {
      join: first,
      tuning: { cardCallsPerSecond: qps },
      env: { DINGTALK_API_BASE_URL: dingtalk.apiBaseURL, DINGTALK_WEBHOOK_ORIGINS: dingtalk.origin },
    });
    onTestFinished(() => second.close());
    const sent = await Promise.all(
      [first, second].flatMap((h, worker) =>
        [0, 1, 2].map((index) => h.send(first.groupMessage({ text: `b${worker}${index}`, senderStaffId: `budget-${worker}-${index}` }))),
      ),
    );
    expect(new Set(await Promise.all(sent.map((one) => one.settled)))).toEqual(new Set(['completed']));

    const arrivals = dingtalk.cardCalls.map((call) => call.receivedAt);
    const busiestSecond = Math.max(...arrivals.map((start) => arrivals.filter((at) => at >= start && at < start + 1000).length));
    expect(busiestSecond).toBeLessThanOrEqual(qps);
    expect(dingtalk.cards().filter((card) => card.finalized)).toHaveLength(6);
  }, 30_000);
});
