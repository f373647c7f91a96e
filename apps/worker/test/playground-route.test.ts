import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_WEBHOOK_ANSWERS, playgroundWebhookPrefix, redisKeys, type MessageJob } from '@dtbot/shared';
import { buildGroupCallback, redisUrlForTests, startFakeDingTalk, type FakeDingTalk } from '@dtbot/testkit';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { formatReply } from '../src/delivery/format-reply.js';
import { playgroundRoute } from '../src/delivery/playground-route.js';
import { webhookRoute } from '../src/delivery/webhook-route.js';
import { messageRouteContract } from './contract/message-route-contract.js';
import { dingTalkFailureOf } from './dingtalk-failure-of.js';
import { messageJobFor } from './message-job-for.js';
import { startPlaygroundSink, type PlaygroundSink } from './playground-sink.js';

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session') ?? '';
/** The fake DingTalk's webhooks stand in for the playground's: the route takes them as its own. */
const webhooksOf = (dingtalk: FakeDingTalk) => `${dingtalk.origin}/robot/sendBySession?`;
const playgroundJob = (sessionWebhook: string, asker = 'asker'): MessageJob => ({
  ...messageJobFor(buildGroupCallback({ sessionWebhook, senderStaffId: asker, conversationTitle: `group of ${asker}` })),
  source: 'playground',
});

messageRouteContract({
  name: 'playground',
  door: 'webhook',
  over: (client, dingtalk) => playgroundRoute(client, webhooksOf(dingtalk)),
  groupJob: (dingtalk, asker) => playgroundJob(dingtalk.sessionWebhook(), asker),
  target: (job) => sessionOf(job.sessionWebhook),
  refusals: {
    throttled: { errcode: 130101, errmsg: 'send too fast' },
    fatal: PLAYGROUND_WEBHOOK_ANSWERS.sessionGone,
    transient: { status: 502 },
  },
});

describe('playground route', () => {
  let dingtalk: FakeDingTalk;
  let sink: PlaygroundSink;
  let redis: Redis;
  let tokens: AccessTokens;

  beforeAll(async () => {
    dingtalk = await startFakeDingTalk();
    sink = await startPlaygroundSink();
    // Webhook posts need no token; the cache is never touched.
    redis = new Redis(redisUrlForTests(), { lazyConnect: true });
    tokens = new AccessTokens(redis, redisKeys('{unused}'));
  });

  afterAll(async () => {
    await dingtalk?.close();
    sink?.server.close();
    redis?.disconnect();
  });

  const clientFor = (allowedOrigins: string[], refusedPrefixes?: string[]) =>
    new DingTalkClient(tokens, { apiBaseUrl: allowedOrigins[0] ?? 'https://api.dingtalk.com', allowedOrigins, refusedPrefixes, timeoutMs: 2000 });

  it('carries a playground job only while its webhook is valid, as DingTalk\'s lasts', () => {
    const route = playgroundRoute(clientFor([]), playgroundWebhookPrefix(sink.origin));
    const job = { ...playgroundJob(`${playgroundWebhookPrefix(sink.origin)}g1?session=s`), sessionWebhookExpiredTime: 1_000_000 };
    expect([route.accepts(job, 999_999), route.accepts(job, 1_000_000)]).toEqual([true, false]);
  });

  it('refuses a webhook outside the playground\'s as fatal without a request, its origin allowed or not', async () => {
    const prefix = playgroundWebhookPrefix(sink.origin);
    const route = playgroundRoute(clientFor([dingtalk.origin, sink.origin]), prefix);
    const [requests, posts] = [dingtalk.requests, sink.posts.length];
    for (const [webhook, origin] of [
      [dingtalk.sessionWebhook(), dingtalk.origin],
      [`${prefix}../../robot/sendBySession?session=s`, sink.origin],
    ] as const) {
      const job = playgroundJob(webhook);
      await expect(route.send(job, formatReply(job, 'escape'))).rejects.toMatchObject({
        kind: 'fatal',
        message: `refused to call ${origin}: not the playground's webhook (PLAYGROUND_URL)`,
      });
    }
    expect([dingtalk.requests, sink.posts.length]).toEqual([requests, posts]);
  });

  it('reads the gateway\'s "session gone" and "refused" answers as fatal, so the job is not retried', async () => {
    const route = playgroundRoute(clientFor([dingtalk.origin]), webhooksOf(dingtalk));
    const job = playgroundJob(dingtalk.sessionWebhook());
    dingtalk.refuseNext('webhook', PLAYGROUND_WEBHOOK_ANSWERS.sessionGone, PLAYGROUND_WEBHOOK_ANSWERS.refused);
    expect(await dingTalkFailureOf(route.send(job, formatReply(job, 'gone')))).toMatchObject({ kind: 'fatal' });
    expect(await dingTalkFailureOf(route.send(job, formatReply(job, 'refused')))).toMatchObject({ kind: 'fatal' });
  });

  it('posts to the playground sink as markdown with the asker in at.atUserIds', async () => {
    const prefix = playgroundWebhookPrefix(sink.origin);
    const route = playgroundRoute(clientFor([sink.origin]), prefix);
    const job = playgroundJob(`${prefix}g2?session=s`, 'alice');
    await route.send(job, formatReply(job, '答案'));
    expect(sink.posts.at(-1)).toEqual({
      path: '/playground/webhook/g2?session=s',
      body: { msgtype: 'markdown', markdown: { title: '答案', text: '答案\n\n@alice' }, at: { atUserIds: ['alice'], isAtAll: false } },
    });
  });

  it('leaves the DingTalk client refusing the playground\'s webhooks even were their origin listed as DingTalk\'s', async () => {
    const prefix = playgroundWebhookPrefix(sink.origin);
    const client = clientFor([sink.origin], [prefix]);
    const dingtalkJob = messageJobFor(buildGroupCallback({ sessionWebhook: `${prefix}p1?session=s`, senderStaffId: 'sneak' }));
    const posted = sink.posts.length;
    for (const webhook of [dingtalkJob.sessionWebhook, `${sink.origin}/elsewhere/../playground/webhook/p1?session=s`]) {
      const job = { ...dingtalkJob, sessionWebhook: webhook };
      await expect(webhookRoute(client).send(job, formatReply(job, 'sneak in'))).rejects.toMatchObject({
        kind: 'fatal',
        message: expect.stringContaining('not an allowed DingTalk origin'),
      });
    }
    expect(sink.posts).toHaveLength(posted);
  });
});
