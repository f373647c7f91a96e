import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, dedupeIdFor, jobPriorityFor, orderKeyFor, PLAYGROUND_ROBOT_CODE, robotCodesOf, shardKeys, type Robot } from '@dtbot/shared';
import { buildCallback, signedHeaders } from '@dtbot/testkit';
import { buildApp } from '../src/app.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { buildMetricsApp } from '../src/metrics-app.js';
import { ALLOWED_ORIGIN, NOTICE_AFTER_MS, startAcceptStack, VIP_STAFF_ID, type AcceptStack } from './contract/accept-stack.js';

// The Koa app in-process (no main.ts), on a real Redis under its own prefix, answering for two robots.
const FIRST: Robot = { robotCode: 'dingtestrobot', appKey: 'dingtestrobot', appSecret: 'gateway-test-secret', options: { memoryScope: 'user' } };
const SECOND: Robot = { robotCode: 'dingsecondrobot', appKey: 'dingsecondrobot', appSecret: 'second-secret', options: { memoryScope: 'user' } };
const SECRET = FIRST.appSecret;
const webhook = `${ALLOWED_ORIGIN}/robot/sendBySession?session=gateway-test`;
let stack: AcceptStack;
let server: Server;
let metricsServer: Server;
let base: string;
let metricsBase: string;
let draining = false;
let streamUp = true;

beforeAll(async () => {
  stack = await startAcceptStack('gateway-app');
  const metrics = createGatewayMetrics();
  const app = buildApp({
    ...stack.accept,
    logger: createLogger('gateway-test', 'silent'),
    redis: stack.redis,
    metrics,
    robots: [FIRST, SECOND],
    maxBodyBytes: 64 * 1024,
    isDraining: () => draining,
    isStreamUp: () => streamUp,
  });
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  metricsServer = createServer(buildMetricsApp(metrics).callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => metricsServer.once('listening', resolve));
  metricsBase = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  metricsServer?.close();
  await stack?.close();
});

const post = (body: unknown, headers: Record<string, string> = signedHeaders(SECRET)) =>
  fetch(`${base}/dingtalk/callback`, { method: 'POST', headers, body: JSON.stringify(body) });

describe('gateway app', () => {
  it('stores a signed callback as one job and answers 200 {}', async () => {
    const message = buildCallback({ sessionWebhook: webhook, text: 'hello' });
    const response = await post(message);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const [job] = await stack.jobsOf(message.msgId);
    expect(job?.data).toMatchObject({ prompt: 'hello', seq: 1, robotCode: 'dingtestrobot' });
    expect(job?.opts.deduplication?.id).toMatch(/^d\./);
  });

  it('refuses an unsigned sender before reading its body: a 1 MB unsigned body gets 401, not 413', async () => {
    const response = await post({ padding: 'x'.repeat(1024 * 1024) }, { 'content-type': 'application/json' });
    expect(response.status).toBe(401);
  });

  it('answers a GET on the callback path with 405 and an unknown path with 404', async () => {
    const wrongMethod = await fetch(`${base}/dingtalk/callback`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ error: 'method_not_allowed' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('counts every answer by result in /metrics, served on the metrics port only: the callback port answers 404', async () => {
    await post(buildCallback({ sessionWebhook: webhook }), { 'content-type': 'application/json' });
    const onCallbackPort = await fetch(`${base}/metrics`);
    expect(onCallbackPort.status).toBe(404);
    expect(await onCallbackPort.text()).not.toContain('dtbot_');
    const text = await (await fetch(`${metricsBase}/metrics`)).text();
    expect(text).toMatch(/dtbot_gateway_callbacks_total\{result="stored"\} 1/);
    expect(text).toMatch(/dtbot_gateway_callbacks_total\{result="missing_signature"\} 2/);
    expect(text).toContain('dtbot_gateway_ack_seconds_bucket');
  });

  it('is healthy while running and ready while Redis answers, not while draining', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    draining = true;
    const answer = await fetch(`${base}/readyz`);
    draining = false;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: 'draining' });
  });

  it('is not ready while a robot\'s Stream connection is down', async () => {
    streamUp = false;
    const answer = await fetch(`${base}/readyz`);
    streamUp = true;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: 'stream disconnected' });
  });
  it('stores the file a message carries or quotes: its download code and name', async () => {
    const sent = buildCallback({ sessionWebhook: webhook, msgtype: 'file', content: { downloadCode: 'file-code', fileName: '报价单.xlsx', fileId: 'f', spaceId: 's' } });
    const quoting = buildCallback({
      sessionWebhook: webhook,
      text: { content: '多少钱', isReplyMsg: true, repliedMsg: { msgType: 'file', content: { downloadCode: 'quoted-code', fileName: '合同.pdf' } } } as never,
    });
    for (const message of [sent, quoting]) expect((await post(message)).status).toBe(200);
    const [sentJob, quotingJob] = await Promise.all([sent, quoting].map(async (m) => (await stack.jobsOf(m.msgId))[0]));
    expect(sentJob?.data).toMatchObject({ msgtype: 'file', prompt: '', file: { downloadCode: 'file-code', fileName: '报价单.xlsx' } });
    expect(quotingJob?.data).toMatchObject({ prompt: '多少钱', quote: '[文件] 合同.pdf', file: { downloadCode: 'quoted-code', fileName: '合同.pdf', quoted: true } });
  });

  it('stores the pictures and the quote a message carries, and no such field for a plain one', async () => {
    const rich = buildCallback({
      sessionWebhook: webhook,
      msgtype: 'richText',
      content: { richText: [{ text: '这张图' }, { type: 'picture', downloadCode: 'pic-code' }, { text: '是什么？' }] },
    });
    const quoting = buildCallback({ sessionWebhook: webhook, text: { content: '什么意思', isReplyMsg: true, repliedMsg: { msgType: 'text', content: { text: '原话' } } } as never });
    const plain = buildCallback({ sessionWebhook: webhook, text: 'plain' });
    for (const message of [rich, quoting, plain]) expect((await post(message)).status).toBe(200);
    const [richJob, quotingJob, plainJob] = await Promise.all([rich, quoting, plain].map(async (m) => (await stack.jobsOf(m.msgId))[0]));
    expect(richJob?.data).toMatchObject({ msgtype: 'richText', prompt: '这张图是什么？', pictures: ['pic-code'] });
    expect(quotingJob?.data).toMatchObject({ prompt: '什么意思', quote: '原话' });
    expect(Object.keys(plainJob!.data)).not.toContain('pictures');
    expect(Object.keys(plainJob!.data)).not.toContain('quote');
    expect(Object.keys(plainJob!.data)).not.toContain('file');
  });
});

describe('Stream-only mode', () => {
  it('takes no HTTP callbacks, and still serves health, readiness and metrics', async () => {
    const app = buildApp({
      ...stack.accept,
      logger: createLogger('gateway-test', 'silent'),
      redis: stack.redis,
      metrics: createGatewayMetrics(),
      robots: [FIRST],
      maxBodyBytes: 64 * 1024,
      isDraining: () => false,
      httpCallbacks: false,
      isStreamUp: () => true,
    });
    const streamOnly = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => streamOnly.once('listening', resolve));
    const origin = `http://127.0.0.1:${(streamOnly.address() as AddressInfo).port}`;
    try {
      const message = buildCallback({ sessionWebhook: webhook });
      const posted = await fetch(`${origin}/dingtalk/callback`, { method: 'POST', headers: signedHeaders(SECRET), body: JSON.stringify(message) });
      expect(posted.status).toBe(404);
      expect(await stack.jobsOf(message.msgId)).toHaveLength(0);
      for (const path of ['/healthz', '/readyz']) expect((await fetch(`${origin}${path}`)).status).toBe(200);
      expect((await fetch(`${origin}/metrics`)).status).toBe(404);
    } finally {
      streamOnly.close();
    }
  });
});

describe('several robots behind one callback URL', () => {
  it('stores a callback without robotCode, signed by the second robot, as the second robot\'s message', async () => {
    const { robotCode: _none, ...message } = buildCallback({ sessionWebhook: webhook, text: 'for the second robot' });
    expect((await post(message, signedHeaders(SECOND.appSecret))).status).toBe(200);
    const [job] = await stack.jobsOf(message.msgId);
    // Its dedupe, turns and memory are the second robot's.
    expect(job?.data.robotCode).toBe('dingsecondrobot');
    expect(job?.opts.deduplication?.id).toBe(dedupeIdFor('dingsecondrobot', message.msgId));
    expect(job?.data.orderKey).toBe(orderKeyFor({ ...message, robotCode: 'dingsecondrobot' }, 'user'));
  });

  it('takes the robot from the signature, not from the robotCode the payload claims', async () => {
    const message = buildCallback({ sessionWebhook: webhook, robotCode: 'dingtestrobot' });
    expect((await post(message, signedHeaders(SECOND.appSecret))).status).toBe(200);
    const jobs = await stack.jobsOf(message.msgId);
    expect(jobs.map((job) => job.data.robotCode)).toEqual(['dingsecondrobot']);
  });

  it('keeps one msgId of two robots apart: each robot stores it once', async () => {
    const message = buildCallback({ sessionWebhook: webhook });
    for (const robot of [FIRST, SECOND, FIRST, SECOND]) {
      expect((await post(message, signedHeaders(robot.appSecret))).status).toBe(200);
    }
    const jobs = await stack.jobsOf(message.msgId);
    expect(jobs.map((job) => job.data.robotCode).sort()).toEqual(['dingsecondrobot', 'dingtestrobot']);
  });
});

describe('a robot configured without an AppKey (secret only), beside robots that have one', () => {
  const SECRET_ONLY: Robot = { robotCode: undefined, appKey: undefined, appSecret: 'secret-only', options: { memoryScope: 'user' } };
  const robots = [FIRST, SECOND, SECRET_ONLY];
  let origin: string;
  let gateway: Server;

  beforeAll(async () => {
    const app = buildApp({
      ...stack.accept,
      enqueue: { ...stack.accept.enqueue, robotCodes: robotCodesOf(robots) },
      logger: createLogger('gateway-test', 'silent'),
      redis: stack.redis,
      metrics: createGatewayMetrics(),
      robots,
      maxBodyBytes: 64 * 1024,
      isDraining: () => false,
    });
    gateway = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => gateway.once('listening', resolve));
    origin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    gateway?.close();
  });

  const postSignedBySecretOnly = (message: unknown) =>
    fetch(`${origin}/dingtalk/callback`, { method: 'POST', headers: signedHeaders(SECRET_ONLY.appSecret), body: JSON.stringify(message) });

  it.each([
    ['another configured robot\'s code', 'dingsecondrobot'],
    ['the playground\'s code', PLAYGROUND_ROBOT_CODE],
  ])('refuses its callback claiming %s with 403 robot_code_taken, storing nothing', async (_, claimed) => {
    const message = buildCallback({ sessionWebhook: webhook, robotCode: claimed, text: 'borrowing a robot' });
    const response = await postSignedBySecretOnly(message);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'robot_code_taken' });
    expect(await stack.jobsOf(message.msgId)).toHaveLength(0);
  });

  it('stores its callback under the code it carries when no robot here has that code, as before', async () => {
    const message = buildCallback({ sessionWebhook: webhook, robotCode: 'dingitsowncode', text: 'its own code' });
    expect((await postSignedBySecretOnly(message)).status).toBe(200);
    expect((await stack.jobsOf(message.msgId)).map((job) => job.data.robotCode)).toEqual(['dingitsowncode']);
  });
});

describe("chatgpt-dingtalk's callback route", () => {
  it('answers POST / (chatgpt-dingtalk\'s route) exactly like /dingtalk/callback', async () => {
    const message = buildCallback({ sessionWebhook: webhook, text: 'posted to /' });
    const unsigned = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'missing_signature' });
    const signed = await fetch(`${base}/`, { method: 'POST', headers: signedHeaders(SECRET), body: JSON.stringify(message) });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({});
    expect((await stack.jobsOf(message.msgId)).map((job) => job.data.prompt)).toEqual(['posted to /']);
  });

  it('stores a VIP\'s message and anyone\'s command in the priority lane, ahead of every normal message', async () => {
    const chat = (senderStaffId: string, text: string) =>
      buildCallback({ sessionWebhook: webhook, text, senderStaffId, conversationId: `cid-lanes-${senderStaffId}` });
    const normalFirst = chat('lanes-normal', 'first');
    const normalSecond = chat('lanes-normal', 'second');
    const vipFirst = chat(VIP_STAFF_ID, 'important');
    const vipSecond = chat(VIP_STAFF_ID, 'also important');
    const command = chat('lanes-commander', '/help');
    for (const message of [normalFirst, normalSecond, vipFirst, vipSecond, command]) expect((await post(message)).status).toBe(200);
    const stored = async (message: { msgId: string }) => (await stack.jobsOf(message.msgId))[0]!;
    const laneAndPriority = async (message: { msgId: string }) => {
      const job = await stored(message);
      return [job.data.lane, job.opts.priority ?? 0];
    };
    expect(await Promise.all([normalFirst, normalSecond, vipFirst, vipSecond, command].map(laneAndPriority))).toEqual([
      ['normal', jobPriorityFor('normal', 1)],
      ['normal', jobPriorityFor('normal', 2)],
      // A lane's first message of a conversation goes to BullMQ's plain wait list (no priority), served first.
      ['priority', 0],
      ['priority', 2],
      ['priority', 0],
    ]);
    expect(await (await stored(vipFirst)).getState()).toBe('waiting');
    expect(await (await stored(normalFirst)).getState()).toBe('prioritized');
  });

  it('schedules a question for its queue notice as it stores it, and never a command or a redelivery twice', async () => {
    const question = buildCallback({ sessionWebhook: webhook, text: 'notice me', conversationId: 'cid-notice' });
    const command = buildCallback({ sessionWebhook: webhook, text: '/reset', conversationId: 'cid-notice' });
    const before = Date.now();
    for (const message of [question, command, question]) expect((await post(message)).status).toBe(200);
    const [job] = await stack.jobsOf(question.msgId);
    const [commandJob] = await stack.jobsOf(command.msgId);
    const due = shardKeys(stack.prefix).noticeDue();
    const dueAt = Number(await stack.redis.zscore(due, job!.id!));
    expect(dueAt).toBeGreaterThanOrEqual(before + NOTICE_AFTER_MS);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + NOTICE_AFTER_MS);
    expect(await stack.redis.zscore(due, commandJob!.id!)).toBeNull();
    // The redelivery took no number and scheduled nothing: it is told apart before either is kept.
    const scheduled = (await stack.redis.zrange(due, 0, -1)).filter((member) => member.startsWith(`${job!.data.orderKey}.`));
    expect(scheduled).toEqual([job!.id]);
  });
});
