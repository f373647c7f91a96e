import { describe, expect, it } from 'vitest';
import { BotError, createLogger, type MessageJob } from '@dtbot/shared';
import { createWorkerMetrics } from '../metrics.js';
import { sendMessage } from './choose-route.js';
import type { ReplyMessage } from './format-reply.js';
import type { MessageRoute, RouteName } from './message-route.js';

const EXPIRY = 10_000;
const job = { msgId: 'm1', sessionWebhookExpiredTime: EXPIRY } as MessageJob;
const playgroundJob = { ...job, source: 'playground' } as MessageJob;
const message: ReplyMessage = { title: 't', text: 'answer', atUserIds: [] };

/** A route that records what it was asked to send, accepting what `accepts` says, failing with `failure`. */
function route(name: RouteName, accepts: (now: number) => boolean, failure?: BotError) {
  const sent: ReplyMessage[] = [];
  const subject: MessageRoute = {
    name,
    accepts: (_job, now) => accepts(now),
    send: async (_job, m) => {
      if (failure) throw failure;
      sent.push(m);
    },
  };
  return { subject, sent };
}

/** The clock reads each value in turn, then stays on the last. */
const clock = (...readings: number[]) => () => (readings.length > 1 ? readings.shift()! : readings[0]!);

function setup(webhookFailure?: BotError, openApiAccepts = true) {
  const webhook = route('webhook', (now) => now < EXPIRY, webhookFailure);
  const openapi = route('openapi', () => openApiAccepts);
  const playground = route('playground', (now) => now < EXPIRY);
  const metrics = createWorkerMetrics();
  const messageRoutes = { dingtalk: [webhook.subject, openapi.subject], playground: [playground.subject] };
  const deps = { metrics, logger: createLogger('choose-route-test', 'silent'), messageRoutes };
  const count = async (route: string, result: string) =>
    (await metrics.deliveries.get()).values.find((v) => v.labels.route === route && v.labels.result === result)?.value ?? 0;
  return { webhook, openapi, playground, deps, count };
}

describe('sendMessage', () => {
  it('uses the webhook while it is valid', async () => {
    const { webhook, openapi, deps } = setup();
    expect(await sendMessage(deps, job, message, clock(EXPIRY - 1))).toBe('webhook');
    expect([webhook.sent.length, openapi.sent.length]).toEqual([1, 0]);
  });

  it('uses the OpenAPI once the webhook has expired, without trying the webhook', async () => {
    const { webhook, openapi, deps } = setup();
    expect(await sendMessage(deps, job, message, clock(EXPIRY))).toBe('openapi');
    expect([webhook.sent.length, openapi.sent.length]).toEqual([0, 1]);
  });

  it('hands the message to the OpenAPI when the webhook fails at or after its expiry', async () => {
    const { openapi, deps, count } = setup(new BotError('retryable', 'webhook errcode 300001'));
    expect(await sendMessage(deps, job, message, clock(EXPIRY - 1, EXPIRY))).toBe('openapi');
    expect(openapi.sent).toEqual([message]);
    expect(await count('webhook', 'error')).toBe(1);
  });

  it('lets a webhook failure before expiry fail the attempt, so the job retries the webhook', async () => {
    const failure = new BotError('retryable', 'webhook answered HTTP 502');
    const { openapi, deps } = setup(failure);
    await expect(sendMessage(deps, job, message, clock(EXPIRY - 1))).rejects.toBe(failure);
    expect(openapi.sent).toEqual([]);
  });

  it('does not hand over a fatal webhook failure, even after expiry', async () => {
    const failure = new BotError('fatal', 'refused to call https://elsewhere.example: not an allowed DingTalk origin');
    const { openapi, deps } = setup(failure);
    await expect(sendMessage(deps, job, message, clock(EXPIRY - 1, EXPIRY))).rejects.toBe(failure);
    expect(openapi.sent).toEqual([]);
  });

  it('fails for good, counted as undeliverable, when no route can carry the message', async () => {
    const { deps, count } = setup(undefined, false);
    await expect(sendMessage(deps, job, message, clock(EXPIRY))).rejects.toMatchObject({ kind: 'fatal' });
    expect(await count('none', 'undeliverable')).toBe(1);
  });

  it('sends a playground job by the playground route alone, never the webhook or the OpenAPI', async () => {
    const { webhook, openapi, playground, deps } = setup();
    expect(await sendMessage(deps, playgroundJob, message, clock(EXPIRY - 1))).toBe('playground');
    expect([webhook.sent.length, openapi.sent.length, playground.sent.length]).toEqual([0, 0, 1]);
  });

  it('fails an expired playground job as undeliverable rather than hand it to the OpenAPI', async () => {
    const { openapi, deps } = setup();
    await expect(sendMessage(deps, playgroundJob, message, clock(EXPIRY))).rejects.toMatchObject({ kind: 'fatal' });
    expect(openapi.sent).toEqual([]);
  });

  it('never sends a DingTalk job (source dingtalk, or none as stored before sources) by the playground route', async () => {
    const { playground, deps } = setup(undefined, false);
    for (const dingtalkJob of [{ ...job, source: 'dingtalk' } as MessageJob, job]) {
      await expect(sendMessage(deps, dingtalkJob, message, clock(EXPIRY))).rejects.toMatchObject({ kind: 'fatal' });
    }
    expect(playground.sent).toEqual([]);
  });
});
