import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, redisKeys, robotCodesOf, writeCardAnswer, type CardAnswerRecord, type Robot } from '@dtbot/shared';
import {
  CARD_CALLBACK_TOPIC,
  cardCallbackData,
  cleanupPrefix,
  createTestPrefix,
  redisUrlForTests,
  signedHeaders,
  waitFor,
  type CardPressFrame,
  type FakeDingTalkStream,
} from '@dtbot/testkit';
import { buildApp } from '../src/app.js';
import type { CardPressDeps } from '../src/cards/card-presses.js';
import { createGatewayMetrics, type GatewayMetrics } from '../src/metrics.js';
import { startStreamIngress, type StreamIngress } from '../src/stream/stream-ingress.js';
import { ROBOT, startAcceptStack, type AcceptStack } from './contract/accept-stack.js';
import { metricValue, QUICK, startFake } from './stream-harness.js';

// Presses of AI-card buttons, over HTTP and over Stream, against a real Redis: a stop is published for the worker
// writing the answer (the gateway never calls the model), a rating is recorded once per person.
const OTHER: Robot = { robotCode: 'dingotherrobot', appKey: 'dingotherrobot', appSecret: 'other-secret', options: { memoryScope: 'user' } };
const prefix = createTestPrefix('card-callbacks');
const keys = redisKeys(prefix);
let redis: Redis;
let listener: Redis;
/** Job ids published on the stop channel, as a worker would hear them. */
let heard: string[];
/** The gateway's accept path for robot messages, beside the card route: presses never go through it. */
let stack: AcceptStack;

beforeAll(async () => {
  stack = await startAcceptStack('card-callbacks-accept');
  redis = new Redis(redisUrlForTests());
  listener = new Redis(redisUrlForTests());
  listener.on('message', (_channel: string, jobId: string) => heard.push(jobId));
  await listener.subscribe(keys.stopChannel());
});
afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await Promise.all([redis.quit(), listener.quit(), stack.close()]);
});
beforeEach(() => {
  heard = [];
});

const card = (outTrackId: string, record: Partial<CardAnswerRecord> = {}) =>
  writeCardAnswer(redis, keys, outTrackId, { jobId: `job-${outTrackId}`, robotCode: ROBOT.robotCode, asker: 'asker', group: true, state: 'writing', ...record });

function cardDeps(metrics: GatewayMetrics, admins: string[] = ['boss']): CardPressDeps {
  return { redis, keys, admins: new Set(admins), robotCodes: robotCodesOf([ROBOT, OTHER]), metrics, logger: createLogger('card-test', 'silent') };
}

/**
 * The stop reaches any subscriber at once; give the channel a moment to deliver before saying nothing came. Each
 * test asks about its own job ids only: a busy machine may deliver an earlier test's announcement late.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const heardOf = (...jobIds: string[]) => heard.filter((jobId) => jobIds.includes(jobId));
const marked = async (jobId: string) => (await redis.exists(keys.stopMark(jobId))) === 1;

describe('card callbacks over HTTP (POST /dingtalk/card-callback)', () => {
  let server: Server;
  let url: string;
  let metrics: GatewayMetrics;

  beforeEach(async () => {
    metrics = createGatewayMetrics();
    const app = buildApp({
      ...stack.accept,
      logger: createLogger('card-test', 'silent'),
      redis,
      metrics,
      robots: [ROBOT, OTHER],
      maxBodyBytes: 64 * 1024,
      isDraining: () => false,
      cards: cardDeps(metrics),
    });
    server = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dingtalk/card-callback`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const press = async (frame: CardPressFrame, secret = ROBOT.appSecret, headers: Record<string, string> = signedHeaders(secret)) => {
    const response = await fetch(url, { method: 'POST', headers, body: cardCallbackData(frame) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('a bad, missing or stale signature → 401, and no stop is published', async () => {
    await card('h-sig');
    const frame = { outTrackId: 'h-sig', userId: 'asker', actionId: 'stop' };
    expect(await press(frame, 'not-the-secret')).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
    expect(await press(frame, ROBOT.appSecret, { 'content-type': 'application/json' })).toMatchObject({ status: 401, body: { error: 'missing_signature' } });
    expect(await press(frame, ROBOT.appSecret, signedHeaders(ROBOT.appSecret, Date.now() - 2 * 3600_000))).toMatchObject({
      status: 401,
      body: { error: 'stale_timestamp' },
    });
    await settle();
    expect(heardOf('job-h-sig')).toEqual([]);
    expect(await marked('job-h-sig')).toBe(false);
    expect(await metricValue(metrics, 'cardCallbacks', { outcome: 'bad_signature' })).toBe(1);
  });

  it('the asker\'s stop → 200 stopped: the mark is set and the job id published', async () => {
    await card('h-asker');
    expect(await press({ outTrackId: 'h-asker', userId: 'asker', actionId: 'stop' })).toEqual({ status: 200, body: { outcome: 'stopped' } });
    expect(await marked('job-h-asker')).toBe(true);
    await waitFor(() => heardOf('job-h-asker').length === 1);
    await settle();
    expect(heardOf('job-h-asker')).toEqual(['job-h-asker']);
  });

  it('in a group, a stranger\'s stop is refused and an admin\'s accepted; in a private chat the card is the asker\'s alone', async () => {
    await card('h-group');
    expect(await press({ outTrackId: 'h-group', userId: 'stranger', actionId: 'stop' })).toEqual({ status: 200, body: { outcome: 'stop_refused' } });
    await settle();
    expect(heardOf('job-h-group')).toEqual([]);
    expect(await marked('job-h-group')).toBe(false);
    expect(await press({ outTrackId: 'h-group', userId: 'boss', actionId: 'stop' })).toEqual({ status: 200, body: { outcome: 'stopped' } });
    await card('h-private', { group: false });
    expect(await press({ outTrackId: 'h-private', userId: 'someone', actionId: 'stop', spaceType: 'IM_ROBOT' })).toMatchObject({ body: { outcome: 'stopped' } });
  });

  it('a stop after the answer finished, of an unknown card, or of another robot\'s card changes nothing', async () => {
    await card('h-done', { state: 'done', model: 'gpt-4o' });
    await card('h-other', { robotCode: OTHER.robotCode });
    expect(await press({ outTrackId: 'h-done', userId: 'asker', actionId: 'stop' })).toMatchObject({ body: { outcome: 'already_finished' } });
    expect(await press({ outTrackId: 'h-missing', userId: 'asker', actionId: 'stop' })).toMatchObject({ body: { outcome: 'unknown_card' } });
    // Signed by ROBOT, naming OTHER's card.
    expect(await press({ outTrackId: 'h-other', userId: 'asker', actionId: 'stop' })).toMatchObject({ body: { outcome: 'unknown_card' } });
    await settle();
    expect(heardOf('job-h-done', 'job-h-missing', 'job-h-other')).toEqual([]);
  });

  it('feedback is recorded once per person: the same press again changes nothing, the other button changes the vote', async () => {
    await card('h-vote', { state: 'done', model: 'gpt-4o', persona: 'default' });
    await card('h-writing');
    const vote = (userId: string, actionId: string) => press({ outTrackId: 'h-vote', userId, actionId });
    expect((await vote('asker', 'feedback_up')).body).toEqual({ outcome: 'voted' });
    expect((await vote('asker', 'feedback_up')).body).toEqual({ outcome: 'vote_unchanged' });
    expect((await vote('member', 'feedback_up')).body).toEqual({ outcome: 'voted' });
    expect((await vote('asker', 'feedback_down')).body).toEqual({ outcome: 'voted' });
    expect((await press({ outTrackId: 'h-writing', userId: 'asker', actionId: 'feedback_up' })).body).toEqual({ outcome: 'not_finished' });
    expect(await redis.hgetall(keys.feedbackTally(ROBOT.robotCode!))).toEqual({ 'up|gpt-4o|default': '1', 'down|gpt-4o|default': '1' });
    expect(await redis.hgetall(keys.feedbackVotes('job-h-vote'))).toEqual({ asker: 'down', member: 'up' });
  });

  it('Redis unable to take the press → 503 card_callback_unavailable, so that DingTalk may send it again', async () => {
    // A connection that never connects and queues nothing: every command fails at once.
    const away = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const app = buildApp({
      ...stack.accept,
      logger: createLogger('card-test', 'silent'),
      redis,
      metrics,
      robots: [ROBOT],
      maxBodyBytes: 64 * 1024,
      isDraining: () => false,
      cards: { ...cardDeps(metrics), redis: away },
    });
    const down = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => down.once('listening', resolve));
    try {
      const port = (down.address() as AddressInfo).port;
      const body = cardCallbackData({ outTrackId: 'h-away', userId: 'asker', actionId: 'stop' });
      const response = await fetch(`http://127.0.0.1:${port}/dingtalk/card-callback`, { method: 'POST', headers: signedHeaders(ROBOT.appSecret), body });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'card_callback_unavailable' });
    } finally {
      await new Promise<void>((resolve) => down.close(() => resolve()));
      away.disconnect();
    }
  });

  it('a body that is no card callback → 400; a button that is none of ours → 200 ignored', async () => {
    const post = (body: string) => fetch(url, { method: 'POST', headers: signedHeaders(ROBOT.appSecret), body });
    for (const body of ['not json', '{}', JSON.stringify({ type: 'actionCallback', outTrackId: 'x', userId: 'u', content: 'not json' })]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_card_callback' });
    }
    expect((await press({ outTrackId: 'h-any', userId: 'asker', actionId: 'open_link' })).body).toEqual({ outcome: 'ignored' });
  });
});

describe('card callbacks over Stream', () => {
  let fake: FakeDingTalkStream;
  let ingress: StreamIngress;
  let metrics: GatewayMetrics;

  beforeEach(async () => {
    fake = await startFake([ROBOT]);
    metrics = createGatewayMetrics();
    const logger = createLogger('card-stream-test', 'silent');
    ingress = startStreamIngress([ROBOT], { accept: stack.accept, cards: cardDeps(metrics), logger, metrics, apiBaseUrl: fake.apiBaseURL }, QUICK);
  });
  afterEach(async () => {
    await ingress.stop();
    await fake.close();
  });

  it('subscribe to the card topic, ACK a press once the stop is published, and refuse a stranger\'s stop in a group', async () => {
    const connection = await fake.connection(ROBOT.appKey!);
    expect(fake.openRequests.at(-1)?.callbackTopics).toContain(CARD_CALLBACK_TOPIC);
    await card('s-stop');
    const refused = await fake.pushCardPress(connection, { outTrackId: 's-stop', userId: 'stranger', actionId: 'stop' });
    expect(refused.ack).toMatchObject({ code: 200 });
    expect(await marked('job-s-stop')).toBe(false);
    const stopped = await fake.pushCardPress(connection, { outTrackId: 's-stop', userId: 'asker', actionId: 'stop' });
    expect(stopped.ack).toMatchObject({ code: 200 });
    expect(await marked('job-s-stop')).toBe(true);
    await waitFor(() => heardOf('job-s-stop').length === 1);
    expect(await metricValue(metrics, 'cardCallbacks', { outcome: 'stop_refused' })).toBe(1);
    expect(fake.protocolErrors).toEqual([]);
  });

  it('ACK an unreadable press with 400 so that it is not pushed again', async () => {
    const connection = await fake.connection(ROBOT.appKey!);
    const delivery = await fake.pushCallback(connection, CARD_CALLBACK_TOPIC, 'not json');
    expect(delivery.ack).toMatchObject({ code: 400 });
  });
});
