import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, shardKeys, type MessageJob } from '@dtbot/shared';
import {
  cleanupPrefix,
  createTestPrefix,
  DEFAULT_ROBOT_CODE,
  redisUrlForTests,
  startFakeDingTalk,
  type FakeDingTalk,
  type FakeDingTalkApi,
  type FakeRefusal,
} from '@dtbot/testkit';
import { AccessTokens } from '../../src/dingtalk/access-tokens.js';
import { DingTalkClient, type RobotApp } from '../../src/dingtalk/dingtalk-client.js';
import { dingTalkFailureOf } from '../dingtalk-failure-of.js';
import { formatReply } from '../../src/delivery/format-reply.js';
import { messageDelivery } from '../../src/delivery/message-delivery.js';
import type { MessageRoute, RouteName } from '../../src/delivery/message-route.js';
import { splitAnswer } from '../../src/delivery/split-answer.js';
import { createWorkerMetrics } from '../../src/metrics.js';

export const ROBOT_APP: RobotApp = { appKey: DEFAULT_ROBOT_CODE, appSecret: 'route-contract-secret' };

/** What the contract needs to know of one message route. */
export interface RouteUnderTest {
  name: RouteName;
  /** The fake DingTalk's door this route knocks on (the route it files deliveries under). */
  door: Extract<FakeDingTalkApi, 'webhook' | 'openapi'>;
  /** The route, sending through `client` to `dingtalk`. */
  over(client: DingTalkClient, dingtalk: FakeDingTalk): MessageRoute;
  /** The job of a message from `asker` in a group of their own that this route carries, its webhook on `dingtalk`. */
  groupJob(dingtalk: FakeDingTalk, asker: string): MessageJob;
  /** Where the fake files what this route delivered for `job`. */
  target(job: MessageJob): string;
  /** DingTalk's answers in this route's dialect. */
  refusals: Record<'throttled' | 'fatal' | 'transient', FakeRefusal>;
}

/**
 * One suite every message route passes (webhook, OpenAPI, playground), against the fake DingTalk
 * over real HTTP: all carry the same answers, so all must deliver, fail and refuse alike. The
 * playground's webhook answers as a sessionWebhook does, so the fake's webhook stands in for it.
 */
export function messageRouteContract(subject: RouteUnderTest): void {
  describe(`${subject.name} route: the shared contract`, () => {
    const prefix = createTestPrefix(`route-${subject.name}`);
    let redis: Redis;
    let dingtalk: FakeDingTalk;
    let tokens: AccessTokens;
    let route: MessageRoute;

    beforeAll(async () => {
      redis = new Redis(redisUrlForTests());
      dingtalk = await startFakeDingTalk({ credentials: { [ROBOT_APP.appKey]: ROBOT_APP.appSecret } });
      tokens = new AccessTokens(redis, redisKeys(prefix));
      route = subject.over(new DingTalkClient(tokens, { apiBaseUrl: dingtalk.apiBaseURL, allowedOrigins: [dingtalk.origin], timeoutMs: 2000 }), dingtalk);
    });

    afterAll(async () => {
      await dingtalk?.close();
      await cleanupPrefix(redis, prefix);
      await redis?.quit();
    });

    const deliveredTo = (job: MessageJob) => dingtalk.delivered().filter((m) => m.target === subject.target(job));
    const failureOf = dingTalkFailureOf;

    it('delivers markdown to the chat, @-mentioning the asker in a group', async () => {
      const job = subject.groupJob(dingtalk, 'asker');
      await route.send(job, formatReply(job, '**答案**在这里'));
      expect(deliveredTo(job)).toMatchObject([
        { route: subject.door, kind: expect.stringMatching(/^(markdown|sampleMarkdown)$/), title: '答案在这里', text: '**答案**在这里\n\n@asker' },
      ]);
    });

    it('delivers a long answer as ordered parts, each once, even when the job runs again', async () => {
      const job = subject.groupJob(dingtalk, 'long');
      const answer = Array.from({ length: 8 }, (_, i) => `第${i + 1}段：${'这是一个很长的回答。'.repeat(60)}`).join('\n\n');
      const deps = { redis, keys: shardKeys(prefix), metrics: createWorkerMetrics() };
      const delivery = () => messageDelivery(deps, `job-${subject.name}`, job, 'answer', (m) => route.send(job, m).then(() => subject.name));
      await delivery().finish(answer);
      await delivery().finish(answer);
      const parts = deliveredTo(job);
      expect(parts.length).toBe(splitAnswer(answer).length);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.map((p) => p.title)).toEqual(parts.map((_, i) => expect.stringMatching(new RegExp(`^\\(${i + 1}/${parts.length}\\) `))));
      expect(parts.map((p) => p.text.replace(/\n\n@long$/, '')).join('\n\n')).toBe(answer);
    });

    it('reports a message DingTalk refused as fatal and a passing failure as retryable, delivering nothing', async () => {
      const job = subject.groupJob(dingtalk, 'refused');
      dingtalk.refuseNext(subject.door, subject.refusals.fatal, subject.refusals.transient);
      expect((await failureOf(route.send(job, formatReply(job, 'refused')))).kind).toBe('fatal');
      expect((await failureOf(route.send(job, formatReply(job, 'transient')))).kind).toBe('retryable');
      expect(deliveredTo(job)).toEqual([]);
    });

    it('reports throttling as rate_limited, waited out by this job alone', async () => {
      const job = subject.groupJob(dingtalk, 'throttled');
      dingtalk.refuseNext(subject.door, subject.refusals.throttled);
      const failure = await failureOf(route.send(job, formatReply(job, 'too fast')));
      expect([failure.kind, failure.waitScope]).toEqual(['rate_limited', 'job']);
      await route.send(job, formatReply(job, 'later'));
      expect(deliveredTo(job).map((m) => m.text)).toEqual(['later\n\n@throttled']);
    });

    it('refuses an origin outside the allow-list without sending a request', async () => {
      const elsewhere = subject.over(
        new DingTalkClient(tokens, { apiBaseUrl: dingtalk.apiBaseURL, allowedOrigins: ['https://oapi.dingtalk.com'], timeoutMs: 2000 }),
        dingtalk,
      );
      await tokens.forget(ROBOT_APP.appKey);
      const job = subject.groupJob(dingtalk, 'foreign');
      const requestsBefore = dingtalk.requests;
      const failure = await failureOf(elsewhere.send(job, formatReply(job, 'never sent')));
      expect(failure.kind).toBe('fatal');
      expect(failure.message).toContain('not an allowed DingTalk origin');
      expect(dingtalk.requests).toBe(requestsBefore);
    });
  });
}
