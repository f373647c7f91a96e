import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@dtbot/shared';
import { buildCallback, buildGroupCallback, redisUrlForTests, startFakeDingTalk, type FakeDingTalk } from '@dtbot/testkit';
import { Redis } from 'ioredis';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { formatReply } from '../src/delivery/format-reply.js';
import { webhookRoute } from '../src/delivery/webhook-route.js';
import { messageRouteContract } from './contract/message-route-contract.js';
import { messageJobFor } from './message-job-for.js';

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session') ?? '';

messageRouteContract({
  name: 'webhook',
  door: 'webhook',
  over: (client) => webhookRoute(client),
  groupJob: (dingtalk, asker) => messageJobFor(buildGroupCallback({ sessionWebhook: dingtalk.sessionWebhook(), senderStaffId: asker, conversationTitle: `group of ${asker}` })),
  target: (job) => sessionOf(job.sessionWebhook),
  refusals: {
    throttled: { errcode: 130101, errmsg: 'send too fast' },
    fatal: { errcode: 400106, errmsg: 'robot not in the group' },
    transient: { status: 502 },
  },
});

describe('webhook route', () => {
  let dingtalk: FakeDingTalk;
  let redis: Redis;

  beforeAll(async () => {
    dingtalk = await startFakeDingTalk();
    // Webhook posts need no token; the cache is never touched.
    redis = new Redis(redisUrlForTests(), { lazyConnect: true });
  });

  afterAll(async () => {
    await dingtalk?.close();
    redis?.disconnect();
  });

  it('carries a job only while its webhook is valid', () => {
    const route = webhookRoute(new DingTalkClient(new AccessTokens(redis, redisKeys('{unused}')), { apiBaseUrl: 'https://api.dingtalk.com', allowedOrigins: [], timeoutMs: 1 }));
    const job = messageJobFor(buildCallback({ sessionWebhookExpiredTime: 1_000_000 }));
    expect(route.accepts(job, 999_999)).toBe(true);
    expect(route.accepts(job, 1_000_000)).toBe(false);
  });

  it('puts the asker in at.atUserIds too, which makes DingTalk notify them', async () => {
    const client = new DingTalkClient(new AccessTokens(redis, redisKeys('{unused}')), { apiBaseUrl: dingtalk.apiBaseURL, allowedOrigins: [dingtalk.origin], timeoutMs: 2000 });
    const job = messageJobFor(buildGroupCallback({ sessionWebhook: dingtalk.sessionWebhook(), senderStaffId: 'asker' }));
    await webhookRoute(client).send(job, formatReply(job, '答案'));
    expect(dingtalk.delivered()).toMatchObject([{ route: 'webhook', atUserIds: ['asker'], text: '答案\n\n@asker' }]);
  });
});
