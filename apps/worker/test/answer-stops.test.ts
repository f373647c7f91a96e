import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { readCardAnswer, requestStop } from '@dtbot/shared';
import { DEFAULT_ROBOT_CODE, redisUrlForTests, waitFor, type ChatCompletionRequest } from '@dtbot/testkit';
import { NOTHING_TO_STOP, STOP_DONE } from '../src/replies/canned-replies.js';
import { STOPPED_MARK } from '../src/steps/watch-stop.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Stopping an answer while the model writes it: real BullMQ workers and Redis, the fake model streaming slowly,
// the fake DingTalk's card API. The stop comes over a Redis connection of its own, as a gateway's would.
const TEMPLATE = 'answer-card.schema';
const LONG = Array.from({ length: 60 }, (_, index) => `第${index}句。`).join('');

const harnesses: WorkerHarness[] = [];
const connections: Redis[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).reverse().map((h) => h.close()));
  await Promise.all(connections.splice(0).map((connection) => connection.quit()));
});

async function start(label: string, options: Partial<HarnessOptions> = {}): Promise<WorkerHarness> {
  const h = await startWorkerHarness({
    label,
    ...options,
    env: { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, DINGTALK_CARD_UPDATE_MS: '50', ...(options.env as Record<string, string>) },
    // Slow enough to stop in the middle, no usage: the partial answer is counted by the tokenizer.
    openai: { answer: () => LONG, stream: { chunks: 60, intervalMs: 50 }, omitUsage: true, ...options.openai },
    dingtalk: { cardTemplates: [TEMPLATE], ...options.dingtalk },
  });
  harnesses.push(h);
  return h;
}

function connection(): Redis {
  const redis = new Redis(redisUrlForTests());
  connections.push(redis);
  return redis;
}

const lastUser = (body: ChatCompletionRequest) => body.messages?.at(-1);

describe('stopping an answer', () => {
  it('a stop from another connection aborts the model stream within a second; the card keeps what was shown, marked stopped', async () => {
    const h = await start('stop-card');
    const gateway = connection();
    const message = h.groupMessage({ text: 'write a lot', senderStaffId: 'asker' });
    const sent = await h.send(message);
    await waitFor(() => (h.dingtalk.cards()[0]?.updates.length ?? 0) >= 2, { message: 'the card shows drafts' });
    const card = h.dingtalk.cards()[0]!;
    const record = await readCardAnswer(gateway, h.sharedKeys, card.outTrackId);
    expect(record).toMatchObject({ jobId: sent.jobId, asker: 'asker', group: true, state: 'writing' });

    const pressed = Date.now();
    await requestStop(gateway, h.sharedKeys, sent.jobId);
    await waitFor(() => h.openai.abandoned === 1, { timeoutMs: 1000, message: 'the model stream is closed within a second' });
    expect(Date.now() - pressed).toBeLessThan(1000);
    expect(await sent.settled).toBe('completed');

    const text = card.params.content!;
    expect(text.endsWith(`\n\n${STOPPED_MARK}`)).toBe(true);
    const written = text.slice(0, -`\n\n${STOPPED_MARK}`.length);
    expect(written.length).toBeGreaterThan(0);
    expect(LONG.startsWith(written)).toBe(true);
    expect(written.length).toBeLessThan(LONG.length);
    // Its presses come back over Stream; the template may show that it was stopped.
    expect(card).toMatchObject({ callbackType: 'STREAM', finalized: true, params: { flowStatus: '3', stopped: 'true' } });
    expect(card.updates.at(-1)).toMatchObject({ isFinalize: true, isError: false, content: text });
    expect(await readCardAnswer(gateway, h.sharedKeys, card.outTrackId)).toMatchObject({ state: 'done', model: expect.any(String) });

    // What was written was paid for: counted by the tokenizer, less than the whole answer would have been.
    const { today } = await h.deps.usage.report(message.robotCode ?? '', 1);
    expect(today.total.calls).toBe(1);
    expect(today.total.tokensOut).toBeGreaterThan(0);
    expect(today.total.tokensOut).toBeLessThan(h.deps.tokens.message(LONG));

    // The thread remembers the stopped answer as shown.
    h.openai.setBehaviour({ answer: () => 'ok', stream: { chunks: 1 } });
    expect(await (await h.send(h.groupMessage({ text: 'and then?', senderStaffId: 'asker' }))).settled).toBe('completed');
    const history = h.openai.requests.at(-1)!.body.messages!;
    expect(history.at(-2)).toEqual({ role: 'assistant', content: text });
    expect(lastUser(h.openai.requests.at(-1)!.body)).toEqual({ role: 'user', content: 'and then?' });
  });

  it('cards ask for their presses by HTTP under the robot\'s cardCallbackRouteKey when ROBOTS_FILE gives one, else over Stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtbot-card-route-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const robotsFile = join(dir, 'robots.yaml');
    writeFileSync(robotsFile, ['robots:', `  - appKey: ${DEFAULT_ROBOT_CODE}`, '    cardCallbackRouteKey: dtbot-cards', ''].join('\n'));
    const http = await start('stop-http', { env: { ROBOTS_FILE: robotsFile }, openai: { stream: { chunks: 2 } } });
    expect(await (await http.send(http.groupMessage({ text: 'hi', senderStaffId: 'asker' }))).settled).toBe('completed');
    expect(http.dingtalk.cards()[0]).toMatchObject({ callbackType: 'HTTP', callbackRouteKey: 'dtbot-cards' });
    // The same robot without the option: CARD_CALLBACK_ROUTE_KEY, none.
    const stream = await start('stop-stream', { openai: { stream: { chunks: 2 } } });
    expect(await (await stream.send(stream.groupMessage({ text: 'hi', senderStaffId: 'asker' }))).settled).toBe('completed');
    expect(stream.dingtalk.cards()[0]).toMatchObject({ callbackType: 'STREAM', callbackRouteKey: undefined });
  });

  it('a stop after the answer finished changes nothing', async () => {
    const h = await start('stop-late', { openai: { stream: { chunks: 4 } } });
    const gateway = connection();
    const sent = await h.send(h.groupMessage({ text: 'short', senderStaffId: 'asker' }));
    expect(await sent.settled).toBe('completed');
    const card = h.dingtalk.cards()[0]!;
    const record = await readCardAnswer(gateway, h.sharedKeys, card.outTrackId);
    expect(record?.state).toBe('done');
    expect(card.params.stopped).toBe('false');
    const calls = h.dingtalk.cardCalls.length;

    await requestStop(gateway, h.sharedKeys, sent.jobId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(card.params.content).toBe(LONG);
    expect(h.dingtalk.cardCalls).toHaveLength(calls);
    expect(h.openai.abandoned).toBe(0);
  });

  it('a stop word stops the asker\'s answer without a card before its own turn, and says so after it', async () => {
    // Without a card the answer is asked in one piece: the model takes its time before answering.
    const h = await start('stop-word', { env: { DINGTALK_CARD_TEMPLATE_ID: '' }, openai: { latencyMs: 3000 } });
    const question = h.message({ text: 'write a lot', senderStaffId: 'writer' });
    const sent = await h.send(question);
    await waitFor(() => h.openai.requests.length === 1, { message: 'the model is asked' });
    // Not streamed without a card: nothing was produced when it stops, and nothing is sent for it but the reply.
    // The model is asked only once the answer is watched: a stop word finds it from then on.

    const word = await h.send(h.message({ text: '/stop', senderStaffId: 'writer', conversationId: question.conversationId }));
    const stoppedAt = Date.now();
    expect(await sent.settled).toBe('completed');
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    expect(await word.settled).toBe('completed');
    expect(h.openai.served).toBe(0);
    const texts = h.dingtalk.delivered().map((delivered) => delivered.text);
    expect(texts).toEqual([STOP_DONE]);
    // The thread remembers the question, answered with the mark alone.
    h.openai.setBehaviour({ latencyMs: undefined });
    expect(await (await h.send(h.message({ text: 'again', senderStaffId: 'writer' }))).settled).toBe('completed');
    expect(h.openai.requests.at(-1)!.body.messages?.slice(-3)).toEqual([
      { role: 'user', content: 'write a lot' },
      { role: 'assistant', content: STOPPED_MARK },
      { role: 'user', content: 'again' },
    ]);
  });

  it('a stop word with no answer being written says there is nothing to stop', async () => {
    const h = await start('stop-nothing', { env: { DINGTALK_CARD_TEMPLATE_ID: '' } });
    const { reply } = await h.ask(h.message({ text: '停止', senderStaffId: 'idle' }));
    expect(reply).toBe(NOTHING_TO_STOP);
    expect(h.openai.requests).toHaveLength(0);
  });
});
