import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createRedis, deliverPlaygroundAnswer, PLAYGROUND_ROBOT_CODE, playgroundWebhookOf, redisKeys, type Robot } from '@dtbot/shared';
import { buildCallback, redisUrlForTests, signedHeaders, waitFor } from '@dtbot/testkit';
import type { AcceptDeps } from '../src/accept/accept-message.js';
import { buildApp } from '../src/app.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { buildPlayground } from '../src/playground/build-playground.js';
import type { Playground } from '../src/playground/playground-routes.js';
import { startAcceptStack, type AcceptStack } from './contract/accept-stack.js';

// The playground in-process: two gateways on one real Redis, each with its own playground, answering for one DingTalk
// robot too. A question sent through gateway A is stored as the playground robot's job; an answer a worker delivers
// through Redis (`deliverPlaygroundAnswer`, what the worker's playground route calls) reaches the page's event stream
// held by whichever gateway that is, or waits in the transcript for a page that comes later.
const ROBOT: Robot = { robotCode: 'dingtestrobot', appKey: 'dingtestrobot', appSecret: 'playground-test-secret', options: { memoryScope: 'user' } };
const logger = createLogger('playground-test', 'silent');
let stack: AcceptStack;
const servers: Server[] = [];
const playgrounds: Playground[] = [];
let gatewayA: string;
let gatewayB: string;
let off: string;

/** A server whose address is known before its app is built. */
async function listen(): Promise<{ server: Server; origin: string }> {
  const server = createServer().listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function serve(server: Server, accept: AcceptDeps, playground?: Playground): void {
  const app = buildApp({
    ...accept,
    logger,
    redis: stack.redis,
    metrics: createGatewayMetrics(),
    robots: [ROBOT],
    maxBodyBytes: 64 * 1024,
    isDraining: () => false,
    playground,
  });
  server.on('request', app.callback());
}

async function withPlayground(accept: AcceptDeps): Promise<Playground> {
  const playground = buildPlayground({
    config: { MEMORY_SCOPE: 'user', STOP_COMMANDS: ['/stop', '停止'], FEEDBACK_COMMANDS: ['/good', '/bad'] },
    redis: stack.redis,
    subscriber: createRedis({ url: redisUrlForTests(), failFast: false }),
    keys: redisKeys(stack.prefix),
    accept,
    logger,
    limits: { maxSessions: 3, questionsPerMinute: 4, transcriptEntries: 50 },
  });
  await playground.hub.start();
  playgrounds.push(playground);
  return playground;
}

beforeAll(async () => {
  stack = await startAcceptStack('playground');
  const [a, b, c] = [await listen(), await listen(), await listen()];
  gatewayA = a.origin;
  gatewayB = b.origin;
  off = c.origin;
  serve(a.server, stack.accept, await withPlayground(stack.accept));
  const acceptB = await stack.anotherGateway();
  serve(b.server, acceptB, await withPlayground(acceptB));
  serve(c.server, stack.accept);
});

afterAll(async () => {
  for (const playground of playgrounds) await playground.hub.close();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await stack?.close();
});

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Opens a session on a gateway; tests share the three the playground may keep, so they resume theirs. */
const sessionIds: string[] = [];
async function openSession(gateway = gatewayA): Promise<string> {
  const response = await postJson(`${gateway}/playground/api/sessions`, {});
  expect(response.status).toBe(200);
  const { session } = (await response.json()) as { session: string };
  sessionIds.push(session);
  return session;
}

const ask = (session: string, body: unknown, gateway = gatewayA) => postJson(`${gateway}/playground/api/sessions/${session}/questions`, body);
const alice = { staffId: 'alice', nick: 'Alice' };

/** The session's event stream: every `data:` line parsed, as it arrives. */
async function followEvents(gateway: string, session: string, lastEventId?: string) {
  const controller = new AbortController();
  const headers: Record<string, string> = lastEventId ? { 'last-event-id': lastEventId } : {};
  const response = await fetch(`${gateway}/playground/api/sessions/${session}/events`, { signal: controller.signal, headers });
  const events: Record<string, unknown>[] = [];
  const ids: string[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.find((line) => line.startsWith('data: '));
          const id = lines.find((line) => line.startsWith('id: '));
          if (data) events.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
          if (id) ids.push(id.slice(4));
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    response,
    events,
    ids,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe('playground off', () => {
  it('answers 404 at /playground and everything under it', async () => {
    expect((await fetch(`${off}/playground`)).status).toBe(404);
    expect((await fetch(`${off}/playground/assets/playground.js`)).status).toBe(404);
    expect((await postJson(`${off}/playground/api/sessions`, {})).status).toBe(404);
    expect((await postJson(`${off}/playground/webhook/p.alice?session=x`, {})).status).toBe(404);
  });
});

describe('playground', () => {
  it('serves the page and its assets under a policy that runs only its own script', async () => {
    const page = await fetch(`${gatewayA}/playground`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/playground/assets/playground.js');
    expect((await fetch(`${gatewayA}/playground/assets/playground.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${gatewayA}/playground/assets/../../package.json`)).status).toBe(404);
    expect((await fetch(`${gatewayA}/playground/assets/index.html`)).status).toBe(404);
  });

  it('stores a question as a DingTalk message of the playground robot, in its own namespace, answered through the playground', async () => {
    const session = await openSession();
    const response = await ask(session, { user: alice, chat: { type: 'group', title: '产品群' }, text: 'hello group' });
    expect(response.status).toBe(200);
    const { msgId, chatId } = (await response.json()) as { msgId: string; chatId: string };
    const [job] = await stack.jobsOf(msgId);
    expect(job?.data).toMatchObject({
      source: 'playground',
      robotCode: PLAYGROUND_ROBOT_CODE,
      msgtype: 'text',
      prompt: 'hello group',
      conversationType: '2',
      conversationTitle: '产品群',
      senderStaffId: 'alice',
      senderNick: 'Alice',
    });
    expect(job?.data.conversationId).toMatch(/^playground\./);
    expect(job?.data.sessionWebhook).toBe(`https://playground.invalid/playground/webhook/${chatId}?session=${session}`);
    expect(job?.data.sessionWebhook).toBe(playgroundWebhookOf({ sessionId: session, chatId }));
    expect(job?.data.sessionWebhookExpiredTime).toBeGreaterThan(Date.now() + 80 * 60_000);
    expect(job?.opts.deduplication?.id).toMatch(/^d\./);
  });

  it('keeps sessions apart: the same chat of two sessions is two conversations', async () => {
    const [one, two] = [sessionIds[0] ?? (await openSession()), await openSession()];
    const question = { user: alice, chat: { type: 'private' }, text: 'who am I' };
    const ids = [];
    for (const session of [one, two]) ids.push(((await (await ask(session, question)).json()) as { msgId: string }).msgId);
    const jobs = await Promise.all(ids.map(async (id) => (await stack.jobsOf(id))[0]?.data.conversationId));
    expect(jobs[0]).toMatch(/^playground\./);
    expect(jobs[0]).not.toBe(jobs[1]);
  });

  it('streams the transcript to the page on gateway A when a worker delivers the answer through Redis, the mention shown by nick', async () => {
    const session = sessionIds[0]!;
    const stream = await followEvents(gatewayA, session);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const asked = (await (await ask(session, { user: alice, chat: { type: 'group', title: '产品群' }, text: 'ping' })).json()) as { chatId: string };
    const answer = { title: 'pong', text: '**pong** <script>x</script>\n\n@alice', atUserIds: ['alice'] };
    expect(await deliverPlaygroundAnswer(stack.redis, redisKeys(stack.prefix), { sessionId: session, chatId: asked.chatId }, answer)).toBe('delivered');
    await waitFor(() => stream.events.some((event) => event.kind === 'answer'));
    const kinds = stream.events.map((event) => `${event.kind}:${String(event.text ?? '')}`);
    expect(kinds.indexOf('question:ping')).toBeLessThan(kinds.indexOf('answer:'));
    const html = String(stream.events.find((event) => event.kind === 'answer')?.html);
    expect(html).toContain('<strong>pong</strong>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<span class="mention" title="alice">@Alice</span>');
    await stream.close();
  });

  it('resumes a stream after the last event it got (Last-Event-ID), on any gateway', async () => {
    const session = sessionIds[0]!;
    const first = await followEvents(gatewayA, session);
    await waitFor(() => first.events.some((event) => event.kind === 'answer'));
    await first.close();
    const resumed = await followEvents(gatewayB, session, first.ids[1]);
    await waitFor(() => resumed.events.length === first.events.length - 2);
    expect(resumed.events).toEqual(first.events.slice(2));
    await resumed.close();
  });

  it('keeps an answer delivered while no gateway holds the page, and shows it when the page comes back, on any gateway', async () => {
    const session = sessionIds[0]!;
    const answer = { title: 'later', text: 'answered while away', atUserIds: [] };
    expect(await deliverPlaygroundAnswer(stack.redis, redisKeys(stack.prefix), { sessionId: session, chatId: 'p.alice' }, answer)).toBe('delivered');
    const stream = await followEvents(gatewayB, session);
    await waitFor(() => stream.events.some((event) => event.kind === 'answer' && String(event.html).includes('answered while away')));
    await stream.close();
  });

  it('resumes a live session and bounds how many live at once (503 past maxSessions)', async () => {
    const resumed = await postJson(`${gatewayA}/playground/api/sessions`, { resume: sessionIds[0] });
    // With the words the page's stop and 👍/👎 buttons send: the first stop word, the first pair of feedback words.
    expect(await resumed.json()).toEqual({ session: sessionIds[0], resumed: true, words: { stop: '/stop', good: '/good', bad: '/bad' } });
    while (sessionIds.length < 3) await openSession();
    const full = await postJson(`${gatewayB}/playground/api/sessions`, {});
    expect(full.status).toBe(503);
    expect(await full.json()).toEqual({ error: 'playground_full' });
    expect(full.headers.get('retry-after')).toBe('60');
  });
});

describe('playground bad input', () => {
  it('answers an unknown or malformed session with 404, for questions and events alike', async () => {
    for (const session of ['AAAAAAAAAAAAAAAAAAAAAA', 'not-a-session']) {
      const asked = await ask(session, { user: alice, chat: { type: 'private' }, text: 'hi' });
      expect(asked.status).toBe(404);
      expect(((await asked.json()) as { error: string }).error).toBe('session_not_found');
      expect((await fetch(`${gatewayA}/playground/api/sessions/${session}/events`)).status).toBe(404);
    }
  });

  it.each([
    ['user.staffId', { user: { staffId: 'has space', nick: 'A' }, chat: { type: 'private' }, text: 'x' }],
    ['chat.title', { user: alice, chat: { type: 'group', title: '' }, text: 'x' }],
    ['chat.type', { user: alice, chat: { type: 'channel' }, text: 'x' }],
    ['text', { user: alice, chat: { type: 'private' }, text: '   ' }],
    ['text', { user: alice, chat: { type: 'private' }, text: 'x'.repeat(2001) }],
    ['user.nick', { user: { staffId: 'a', nick: 'line\nbreak' }, chat: { type: 'private' }, text: 'x' }],
  ])('refuses a question with a bad %s: 400 naming it, nothing stored', async (field, body) => {
    const before = await stack.jobCount();
    const response = await ask(sessionIds[1]!, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; message: string };
    expect(answer.error).toBe('invalid_question');
    expect(answer.message).toContain(field);
    expect(await stack.jobCount()).toBe(before);
  });

  it('answers a body that is not JSON with 400, too large with 413, another type with 415', async () => {
    const session = sessionIds[1]!;
    expect((await ask(session, '{not json')).status).toBe(400);
    expect((await ask(session, { user: alice, chat: { type: 'private' }, text: 'x'.repeat(9000) })).status).toBe(413);
    const typed = await fetch(`${gatewayA}/playground/api/sessions/${session}/questions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(typed.status).toBe(415);
  });

  it('lets a session ask a bounded number of questions a minute (429 with retry-after)', async () => {
    const session = sessionIds[2]!;
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await ask(session, { user: alice, chat: { type: 'private' }, text: `q${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('takes no answer over HTTP: the old webhook path is 404 and puts nothing into the transcript', async () => {
    const session = sessionIds[1]!;
    const markdown = { msgtype: 'markdown', markdown: { title: 't', text: 'posted over HTTP' } };
    for (const gateway of [gatewayA, gatewayB]) {
      expect((await postJson(`${gateway}/playground/webhook/p.alice?session=${session}`, markdown)).status).toBe(404);
    }
    const stream = await followEvents(gatewayB, session);
    await waitFor(() => stream.events.some((event) => event.kind === 'question'));
    expect(stream.events.some((event) => event.text === 'posted over HTTP')).toBe(false);
    await stream.close();
  });

  it('a delivery for a session that is gone (or never was) is refused: nothing stored, no stream woken', async () => {
    const keys = redisKeys(stack.prefix);
    const gone = 'A'.repeat(22);
    expect(await deliverPlaygroundAnswer(stack.redis, keys, { sessionId: gone, chatId: 'p.alice' }, { title: 't', text: 'x', atUserIds: [] })).toBe('session_gone');
    expect(await stack.redis.exists(keys.playgroundTranscript(gone))).toBe(0);
  });

  it('refuses a DingTalk callback whose sessionWebhook points at the playground with 403', async () => {
    const message = buildCallback({ sessionWebhook: playgroundWebhookOf({ sessionId: sessionIds[0]!, chatId: 'p.alice' }) });
    const response = await fetch(`${gatewayA}/dingtalk/callback`, { method: 'POST', headers: signedHeaders(ROBOT.appSecret), body: JSON.stringify(message) });
    expect(response.status).toBe(403);
    expect(await stack.jobsOf(message.msgId)).toHaveLength(0);
  });

  it('does not take a callback signed with anything but a DingTalk robot\'s secret on the callback route', async () => {
    const message = buildCallback({ robotCode: PLAYGROUND_ROBOT_CODE, sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x' });
    const response = await fetch(`${gatewayA}/dingtalk/callback`, { method: 'POST', headers: signedHeaders('guessed-secret'), body: JSON.stringify(message) });
    expect(response.status).toBe(401);
  });
});
