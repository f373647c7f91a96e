import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverPlaygroundAnswer,
  PLAYGROUND_WEBHOOK_ORIGIN,
  PLAYGROUND_WEBHOOK_PREFIX,
  playgroundWebhookOf,
  redisKeys,
  type BotError,
  type MessageJob,
  type RedisKeys,
} from '@dtbot/shared';
import { buildGroupCallback, cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { formatReply } from '../src/delivery/format-reply.js';
import { playgroundRoute, type DeliverPlaygroundAnswer } from '../src/delivery/playground-route.js';
import { webhookRoute } from '../src/delivery/webhook-route.js';
import { classifyError } from '../src/failures/classify-error.js';
import { routeContract } from './contract/message-route-contract.js';
import { messageJobFor } from './message-job-for.js';
import { openPlaygroundSession, playgroundAnswers } from './playground-sink.js';

const groupChat = (asker: string) => `g.${createHash('sha256').update(asker).digest('base64url').slice(0, 22)}`;
const playgroundJob = (sessionWebhook: string, asker = 'asker'): MessageJob => ({
  ...messageJobFor(buildGroupCallback({ sessionWebhook, senderStaffId: asker, conversationTitle: `group of ${asker}` })),
  source: 'playground',
});
const sessionOf = (job: MessageJob) => new URL(job.sessionWebhook).searchParams.get('session') ?? '';

/** The route's failure as the worker settles it: ours (`WorkerFailure`) or what the Redis client threw. */
const failureOf = (call: Promise<unknown>): Promise<BotError> =>
  call.then(
    () => expect.unreachable('the send should have failed'),
    (error: unknown) => classifyError(error),
  );

/** A Redis client that cannot connect: a Redis that is away. */
const awayRedis = () => new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });

// The playground route's far side is Redis: a session ends for good (fatal), Redis being away passes (retryable),
// and nothing throttles it.
routeContract(
  'playground',
  async (redis, prefix) => {
    const keys = redisKeys(prefix);
    const away = awayRedis();
    const next = new Map<string, ('ended' | 'away')[]>();
    let reached = 0;
    const deliver: DeliverPlaygroundAnswer = async (target, answer) => {
      reached += 1;
      const mode = next.get(target.sessionId)?.shift();
      if (mode === 'away') return deliverPlaygroundAnswer(away, keys, target, answer);
      if (mode !== 'ended') return deliverPlaygroundAnswer(redis, keys, target, answer);
      // Ended for real in Redis, and opened again for the next message.
      const expires = await redis.zscore(keys.playgroundSessions(), target.sessionId);
      await redis.zrem(keys.playgroundSessions(), target.sessionId);
      const outcome = await deliverPlaygroundAnswer(redis, keys, target, answer);
      await redis.zadd(keys.playgroundSessions(), expires ?? Date.now() + 3_600_000, target.sessionId);
      return outcome;
    };
    const groupJob = async (asker: string) => {
      const sessionId = await openPlaygroundSession(redis, keys);
      return playgroundJob(playgroundWebhookOf({ sessionId, chatId: groupChat(asker) }), asker);
    };
    return {
      route: playgroundRoute(deliver),
      groupJob,
      delivered: async (job) =>
        (await playgroundAnswers(redis, keys, sessionOf(job)))
          .filter((entry) => entry.chatId === new URL(job.sessionWebhook).pathname.split('/').at(-1))
          .map((entry) => ({ kind: entry.format, title: entry.title, text: entry.text })),
      refuseNext: async (job) => void next.set(sessionOf(job), ['ended', 'away']),
      throttleNext: () => Promise.reject(new Error('nothing throttles the playground route')),
      failureOf,
      foreign: async () => ({
        route: playgroundRoute(deliver),
        job: playgroundJob('https://oapi.dingtalk.com/robot/sendBySession?session=x', 'foreign'),
        refusedBecause: "not a playground session's webhook",
      }),
      activity: async () => reached,
      close: async () => away.disconnect(),
    };
  },
  { throttled: false },
);

describe('playground route', () => {
  const prefix = createTestPrefix('playground-route');
  let redis: Redis;
  let keys: RedisKeys;
  const route = () => playgroundRoute((target, answer) => deliverPlaygroundAnswer(redis, keys, target, answer));

  beforeAll(() => {
    redis = new Redis(redisUrlForTests());
    keys = redisKeys(prefix);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis?.quit();
  });

  it('carries a playground job only while its webhook is valid, as DingTalk\'s lasts', () => {
    const job = { ...playgroundJob(playgroundWebhookOf({ sessionId: 'S'.repeat(22), chatId: 'g.' + 'c'.repeat(22) })), sessionWebhookExpiredTime: 1_000_000 };
    expect([route().accepts(job, 999_999), route().accepts(job, 1_000_000)]).toEqual([true, false]);
  });

  it('refuses a webhook that names no playground session\'s chat as fatal, writing nothing', async () => {
    const sessionId = await openPlaygroundSession(redis, keys);
    for (const [webhook, origin] of [
      ['https://oapi.dingtalk.com/robot/sendBySession?session=s', 'https://oapi.dingtalk.com'],
      [`${PLAYGROUND_WEBHOOK_PREFIX}../../robot/sendBySession?session=${sessionId}`, PLAYGROUND_WEBHOOK_ORIGIN],
      [`${PLAYGROUND_WEBHOOK_PREFIX}not-a-chat?session=${sessionId}`, PLAYGROUND_WEBHOOK_ORIGIN],
      [`${PLAYGROUND_WEBHOOK_PREFIX}p.alice?session=short`, PLAYGROUND_WEBHOOK_ORIGIN],
      [`${PLAYGROUND_WEBHOOK_PREFIX}p.alice`, PLAYGROUND_WEBHOOK_ORIGIN],
    ] as const) {
      const job = playgroundJob(webhook);
      const failure = await failureOf(route().send(job, formatReply(job, 'escape')));
      expect([failure.kind, failure.message]).toEqual(['fatal', `refused to deliver to ${origin}: not a playground session's webhook`]);
    }
    expect(await playgroundAnswers(redis, keys, sessionId)).toEqual([]);
  });

  it('an ended session (idle past its life, or never opened) is final and gets nothing written', async () => {
    const idle = await openPlaygroundSession(redis, keys, Date.now() - 1);
    const never = randomBytes(16).toString('base64url');
    for (const sessionId of [idle, never]) {
      const job = playgroundJob(playgroundWebhookOf({ sessionId, chatId: 'p.alice' }));
      const failure = await failureOf(route().send(job, formatReply(job, 'too late')));
      expect([failure.kind, failure.message]).toEqual(['fatal', `playground session ${sessionId} has ended: nobody can see the answer`]);
      expect(await redis.exists(keys.playgroundTranscript(sessionId))).toBe(0);
    }
  });

  it('delivers into the transcript as markdown with the asker in atUserIds, and nudges the gateways with the session id', async () => {
    const sessionId = await openPlaygroundSession(redis, keys);
    const subscriber = new Redis(redisUrlForTests());
    const nudges: string[] = [];
    subscriber.on('message', (channel: string, message: string) => channel === keys.playgroundChannel() && nudges.push(message));
    await subscriber.subscribe(keys.playgroundChannel());
    try {
      const job = playgroundJob(playgroundWebhookOf({ sessionId, chatId: 'g.' + 'x'.repeat(22) }), 'alice');
      await route().send(job, formatReply(job, '答案'));
      expect(await playgroundAnswers(redis, keys, sessionId)).toEqual([
        { kind: 'answer', chatId: 'g.' + 'x'.repeat(22), title: '答案', format: 'markdown', text: '答案\n\n@alice', atUserIds: ['alice'], at: expect.any(Number) },
      ]);
      await expect.poll(() => nudges).toEqual([sessionId]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('keeps an answer no gateway listens for in the transcript, expiring with the session, for the page to read when it comes back', async () => {
    const expires = Date.now() + 60_000;
    const sessionId = await openPlaygroundSession(redis, keys, expires);
    const job = playgroundJob(playgroundWebhookOf({ sessionId, chatId: 'p.bob' }), 'bob');
    await route().send(job, formatReply(job, 'while away'));
    expect((await playgroundAnswers(redis, keys, sessionId)).map((entry) => entry.text)).toEqual(['while away\n\n@bob']);
    expect(await redis.pexpiretime(keys.playgroundTranscript(sessionId))).toBe(expires);
  });

  it('leaves the DingTalk client refusing the playground\'s webhooks even were their origin listed as DingTalk\'s', async () => {
    const tokens = new AccessTokens(redis, keys);
    const client = new DingTalkClient(tokens, {
      apiBaseUrl: 'https://api.dingtalk.com',
      allowedOrigins: [PLAYGROUND_WEBHOOK_ORIGIN],
      refusedPrefixes: [PLAYGROUND_WEBHOOK_PREFIX],
      timeoutMs: 2000,
    });
    const sessionId = await openPlaygroundSession(redis, keys);
    const dingtalkJob = messageJobFor(buildGroupCallback({ sessionWebhook: playgroundWebhookOf({ sessionId, chatId: 'p.sneak' }), senderStaffId: 'sneak' }));
    for (const webhook of [dingtalkJob.sessionWebhook, `${PLAYGROUND_WEBHOOK_ORIGIN}/elsewhere/../playground/webhook/p.sneak?session=${sessionId}`]) {
      const job = { ...dingtalkJob, sessionWebhook: webhook };
      await expect(webhookRoute(client).send(job, formatReply(job, 'sneak in'))).rejects.toMatchObject({
        kind: 'fatal',
        message: expect.stringContaining('not an allowed DingTalk origin'),
      });
    }
    expect(await playgroundAnswers(redis, keys, sessionId)).toEqual([]);
  });
});
