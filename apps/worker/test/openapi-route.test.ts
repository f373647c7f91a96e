import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@dtbot/shared';
import { buildCallback, cleanupPrefix, createTestPrefix, redisUrlForTests, startFakeDingTalk, type FakeDingTalk } from '@dtbot/testkit';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { formatReply } from '../src/delivery/format-reply.js';
import { openApiRoute } from '../src/delivery/openapi-route.js';
import { messageRouteContract, ROBOT_APP } from './contract/message-route-contract.js';
import { dingTalkFailureOf } from './dingtalk-failure-of.js';
import { messageJobFor } from './message-job-for.js';
import { buildGroupCallback } from '@dtbot/testkit';

/** Expired: the OpenAPI is the route of a message whose webhook is gone. */
const EXPIRED = 1000;

messageRouteContract({
  name: 'openapi',
  door: 'openapi',
  over: (client) => openApiRoute(client, () => ROBOT_APP),
  groupJob: (dingtalk, asker) =>
    messageJobFor(buildGroupCallback({ sessionWebhook: dingtalk.sessionWebhook(), senderStaffId: asker, conversationTitle: `group of ${asker}`, sessionWebhookExpiredTime: EXPIRED })),
  target: (job) => job.conversationId,
  refusals: {
    throttled: { status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'too many calls' } },
    fatal: { status: 400, body: { code: 'invalidParameter.robotCode.auth', message: 'robot not owned by this app' } },
    transient: { status: 503, body: { code: 'ServiceUnavailable', message: 'try later' } },
  },
});

describe('OpenAPI route', () => {
  const prefix = createTestPrefix('openapi-route');
  let dingtalk: FakeDingTalk;
  let redis: Redis;
  let client: DingTalkClient;

  beforeAll(async () => {
    dingtalk = await startFakeDingTalk({ credentials: { [ROBOT_APP.appKey]: ROBOT_APP.appSecret } });
    redis = new Redis(redisUrlForTests());
    client = new DingTalkClient(new AccessTokens(redis, redisKeys(prefix)), {
      apiBaseUrl: dingtalk.apiBaseURL,
      allowedOrigins: [dingtalk.origin],
      timeoutMs: 2000,
    });
  });

  afterAll(async () => {
    await dingtalk?.close();
    await cleanupPrefix(redis, prefix);
    await redis?.quit();
  });

  const privateJob = (staffId: string | undefined) =>
    messageJobFor(buildCallback({ sessionWebhook: dingtalk.sessionWebhook(), senderStaffId: staffId, sessionWebhookExpiredTime: EXPIRED }));

  it('sends a private answer to the sender with batchSend, reusing one access token from Redis', async () => {
    const route = openApiRoute(client, () => ROBOT_APP);
    const tokensBefore = dingtalk.tokenRequests;
    for (const text of ['first', 'second']) {
      const job = privateJob('reader');
      await route.send(job, formatReply(job, text));
    }
    expect(dingtalk.openApiMessages.map((m) => [m.path, m.body.userIds])).toEqual([
      ['/v1.0/robot/oToMessages/batchSend', ['reader']],
      ['/v1.0/robot/oToMessages/batchSend', ['reader']],
    ]);
    expect(dingtalk.tokenRequests - tokensBefore).toBe(1);
  });

  it('forgets a token DingTalk refused, so the retry gets a new one', async () => {
    const route = openApiRoute(client, () => ROBOT_APP);
    const job = privateJob('renewed');
    dingtalk.expireAccessTokens();
    expect(await dingTalkFailureOf(route.send(job, formatReply(job, 'refused token')))).toMatchObject({ kind: 'retryable' });
    const tokensBefore = dingtalk.tokenRequests;
    await route.send(job, formatReply(job, 'new token'));
    expect(dingtalk.tokenRequests - tokensBefore).toBe(1);
    expect(dingtalk.delivered().at(-1)).toMatchObject({ route: 'openapi', target: 'renewed', text: 'new token' });
  });

  it('reports a flow-controlled recipient as rate_limited for this job, and an unknown one as fatal', async () => {
    const route = openApiRoute(client, () => ROBOT_APP);
    const job = privateJob('busy');
    dingtalk.refuseNext(
      'openapi',
      { status: 200, body: { processQueryKey: 'q', flowControlledStaffIdList: ['busy'], invalidStaffIdList: [], filteredStaffIdList: [] } },
      { status: 200, body: { processQueryKey: 'q', flowControlledStaffIdList: [], invalidStaffIdList: ['busy'], filteredStaffIdList: [] } },
    );
    const throttled = await dingTalkFailureOf(route.send(job, formatReply(job, 'x')));
    expect(throttled).toMatchObject({ kind: 'rate_limited', waitScope: 'job' });
    expect(await dingTalkFailureOf(route.send(job, formatReply(job, 'x')))).toMatchObject({ kind: 'fatal' });
  });

  it('takes a 200 that says success: false as a failure to retry, not as delivered', async () => {
    const route = openApiRoute(client, () => ROBOT_APP);
    const job = privateJob('unsure');
    dingtalk.refuseNext('openapi', { status: 200, body: { success: false, processQueryKey: 'q' } });
    expect(await dingTalkFailureOf(route.send(job, formatReply(job, 'x')))).toMatchObject({ kind: 'retryable' });
  });

  it('carries nothing for a robot without AppKey/AppSecret, nor a private answer to a sender without a staff id', () => {
    const group = messageJobFor(buildGroupCallback({ sessionWebhook: dingtalk.sessionWebhook(), sessionWebhookExpiredTime: EXPIRED }));
    expect(openApiRoute(client, () => ROBOT_APP).accepts(group, Date.now())).toBe(true);
    expect(openApiRoute(client, () => undefined).accepts(group, Date.now())).toBe(false);
    expect(openApiRoute(client, () => ROBOT_APP).accepts(privateJob(undefined), Date.now())).toBe(false);
  });
});
