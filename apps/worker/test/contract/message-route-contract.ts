import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, shardKeys, type BotError, type MessageJob } from '@dtbot/shared';
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

/** What the contract needs to know of one DingTalk message route. */
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

/** One route set up for the contract against real servers and Redis, and where to see what it did. */
export interface RouteFixture {
  route: MessageRoute;
  /** The job of a message from `asker` in a group of their own that this route carries. */
  groupJob(asker: string): Promise<MessageJob>;
  /** What the route delivered into `job`'s chat, oldest first (`kind`: the message's type there). */
  delivered(job: MessageJob): Promise<{ kind: string; title?: string; text: string }[]>;
  /** The far side refuses `job`'s next message for good, then fails the one after it in passing. */
  refuseNext(job: MessageJob): Promise<void>;
  /** The far side throttles `job`'s next message (routes whose contract says they can be throttled). */
  throttleNext(job: MessageJob): Promise<void>;
  /** The route's failure, as the worker settles it (a failure of any other kind fails the test). */
  failureOf(call: Promise<unknown>): Promise<BotError>;
  /** A job this route must refuse to carry anywhere, the route it is sent over, and why it is refused. */
  foreign(): Promise<{ route: MessageRoute; job: MessageJob; refusedBecause: string }>;
  /** How much reached the far side so far (requests, writes): a refusal changes nothing of it. */
  activity(): Promise<number>;
  close(): Promise<void>;
}

/** The fixture of a DingTalk route: the fake DingTalk over real HTTP, refusing in the route's dialect. */
function dingTalkFixture(subject: RouteUnderTest, redis: Redis, prefix: string): () => Promise<RouteFixture> {
  return async () => {
    const dingtalk = await startFakeDingTalk({ credentials: { [ROBOT_APP.appKey]: ROBOT_APP.appSecret } });
    const tokens = new AccessTokens(redis, redisKeys(prefix));
    const route = subject.over(new DingTalkClient(tokens, { apiBaseUrl: dingtalk.apiBaseURL, allowedOrigins: [dingtalk.origin], timeoutMs: 2000 }), dingtalk);
    return {
      route,
      groupJob: async (asker) => subject.groupJob(dingtalk, asker),
      delivered: async (job) => dingtalk.delivered().filter((m) => m.target === subject.target(job) && m.route === subject.door),
      refuseNext: async () => dingtalk.refuseNext(subject.door, subject.refusals.fatal, subject.refusals.transient),
      throttleNext: async () => dingtalk.refuseNext(subject.door, subject.refusals.throttled),
      failureOf: dingTalkFailureOf,
      foreign: async () => {
        const elsewhere = subject.over(
          new DingTalkClient(tokens, { apiBaseUrl: dingtalk.apiBaseURL, allowedOrigins: ['https://oapi.dingtalk.com'], timeoutMs: 2000 }),
          dingtalk,
        );
        await tokens.forget(ROBOT_APP.appKey);
        return { route: elsewhere, job: subject.groupJob(dingtalk, 'foreign'), refusedBecause: 'not an allowed DingTalk origin' };
      },
      activity: async () => dingtalk.requests,
      close: () => dingtalk.close(),
    };
  };
}

/** One suite every DingTalk message route passes (webhook, OpenAPI), against the fake DingTalk over real HTTP. */
export function messageRouteContract(subject: RouteUnderTest): void {
  routeContract(subject.name, (redis, prefix) => dingTalkFixture(subject, redis, prefix)(), { throttled: true });
}

/**
 * One suite every message route passes (webhook, OpenAPI, playground): all carry the same answers, so all must
 * deliver, fail and refuse alike, each against its real far side (the fake DingTalk over HTTP; Redis).
 */
export function routeContract(
  name: RouteName,
  setUp: (redis: Redis, prefix: string) => Promise<RouteFixture>,
  /** Whether its far side can throttle it (DingTalk can; Redis, the playground's, has no such answer). */
  { throttled }: { throttled: boolean },
): void {
  describe(`${name} route: the shared contract`, () => {
    const prefix = createTestPrefix(`route-${name}`);
    let redis: Redis;
    let fixture: RouteFixture;

    beforeAll(async () => {
      redis = new Redis(redisUrlForTests());
      fixture = await setUp(redis, prefix);
    });

    afterAll(async () => {
      await fixture?.close();
      await cleanupPrefix(redis, prefix);
      await redis?.quit();
    });

    it('delivers markdown to the chat, @-mentioning the asker in a group', async () => {
      const job = await fixture.groupJob('asker');
      await fixture.route.send(job, formatReply(job, '**答案**在这里'));
      expect(await fixture.delivered(job)).toMatchObject([
        { kind: expect.stringMatching(/^(markdown|sampleMarkdown)$/), title: '答案在这里', text: '**答案**在这里\n\n@asker' },
      ]);
    });

    it('delivers a long answer as ordered parts, each once, even when the job runs again', async () => {
      const job = await fixture.groupJob('long');
      const answer = Array.from({ length: 8 }, (_, i) => `第${i + 1}段：${'这是一个很长的回答。'.repeat(60)}`).join('\n\n');
      const deps = { redis, keys: shardKeys(prefix), metrics: createWorkerMetrics() };
      const delivery = () => messageDelivery(deps, `job-${name}`, job, 'answer', (m) => fixture.route.send(job, m).then(() => name));
      await delivery().finish(answer);
      await delivery().finish(answer);
      const parts = await fixture.delivered(job);
      expect(parts.length).toBe(splitAnswer(answer).length);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.map((p) => p.title)).toEqual(parts.map((_, i) => expect.stringMatching(new RegExp(`^\\(${i + 1}/${parts.length}\\) `))));
      expect(parts.map((p) => p.text.replace(/\n\n@long$/, '')).join('\n\n')).toBe(answer);
    });

    it('reports a message refused for good as fatal and a passing failure as retryable, delivering nothing', async () => {
      const job = await fixture.groupJob('refused');
      await fixture.refuseNext(job);
      expect((await fixture.failureOf(fixture.route.send(job, formatReply(job, 'refused')))).kind).toBe('fatal');
      expect((await fixture.failureOf(fixture.route.send(job, formatReply(job, 'transient')))).kind).toBe('retryable');
      expect(await fixture.delivered(job)).toEqual([]);
    });

    if (throttled) {
      it('reports throttling as rate_limited, waited out by this job alone', async () => {
      const job = await fixture.groupJob('throttled');
      await fixture.throttleNext(job);
      const failure = await fixture.failureOf(fixture.route.send(job, formatReply(job, 'too fast')));
      expect([failure.kind, failure.waitScope]).toEqual(['rate_limited', 'job']);
      await fixture.route.send(job, formatReply(job, 'later'));
      expect((await fixture.delivered(job)).map((m) => m.text)).toEqual(['later\n\n@throttled']);
      });
    }

    it('refuses a job it may not carry there without reaching anything', async () => {
      const { route, job, refusedBecause } = await fixture.foreign();
      const before = await fixture.activity();
      const failure = await fixture.failureOf(route.send(job, formatReply(job, 'never sent')));
      expect(failure.kind).toBe('fatal');
      expect(failure.message).toContain(refusedBecause);
      expect(await fixture.activity()).toBe(before);
    });
  });
}
