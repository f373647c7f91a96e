import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostileText } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDify, startRedirectTrap, type FakeDify, type RedirectTrap } from '@dtbot/testkit';
import { classifyError } from '../../failures/classify-error.js';
import { failureCodeOf } from '../../failures/worker-failure.js';
import { askDify } from './dify-chat.js';
import { DifyError } from './dify-error.js';

const KEY = 'app-never-logged-5f2c';
const question = { query: '你好', user: 'u1', conversationId: undefined };
let dify: FakeDify | undefined;
let trap: RedirectTrap | undefined;
afterEach(async () => {
  await dify?.close();
  await trap?.close();
  dify = undefined;
  trap = undefined;
});

const appAt = (baseUrl: string, apiKey = KEY) => ({ baseUrl, apiKey, fetch: globalThis.fetch });
const ask = (baseUrl: string, apiKey = KEY) => askDify(appAt(baseUrl, apiKey), question, AbortSignal.timeout(5000), undefined);

async function failureOf(call: Promise<unknown>): Promise<DifyError> {
  const error = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DifyError);
  return error as DifyError;
}

/** What a log line of the error would carry: message, stack, and every cause's. */
function loggable(error: unknown): string {
  const parts: string[] = [];
  for (let at: unknown = error; at instanceof Error; at = at.cause) parts.push(at.message, at.stack ?? '', JSON.stringify(at));
  return parts.join('\n');
}

describe('askDify', () => {
  it('a trailing slash on the base URL → the same chat-messages path; the answer and its conversation', async () => {
    dify = await startFakeDify({ apiKey: KEY });
    const answered = await ask(`${dify.baseUrl}/`);
    expect(answered).toMatchObject({ answer: 'Dify答复(0): 你好', conversationId: [...dify.conversations.keys()][0] });
  });

  it('a redirect → not followed (the key would go with it): a DifyError with the 3xx status, classified fatal', async () => {
    trap = await startRedirectTrap({ answer: 'stolen' });
    const failure = await failureOf(ask(`${trap.origin}/v1`));
    expect(failure.status).toBe(307);
    expect(trap.reached).toEqual([]);
    expect(classifyError(failure).kind).toBe('fatal');
  });

  it('nobody listening → unreachable, retryable; the key is in no error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const failure = await failureOf(ask(`http://127.0.0.1:${port}/v1`));
    expect(failure.code).toBe('unreachable');
    expect(failureCodeOf(classifyError(failure))).toBe('model_unreachable');
    expect(loggable(classifyError(failure))).not.toContain(KEY);
  });

  it('a 200 that is not an event stream (a web page at the base URL) → fatal, not read as an answer', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const failure = await failureOf(ask(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`));
      expect([failure.status, failure.code]).toEqual([200, 'not_an_event_stream']);
      expect(classifyError(failure).kind).toBe('fatal');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('each refusal → its catalogue row; Dify\'s message and the key appear in none', async () => {
    dify = await startFakeDify({ apiKey: KEY });
    const cases: Array<[number, string | undefined, string, string]> = [
      [400, undefined, 'model_bad_request', 'fatal'],
      [401, undefined, 'model_auth_refused', 'fatal'],
      [403, undefined, 'model_auth_refused', 'fatal'],
      [429, undefined, 'model_rate_limited', 'rate_limited'],
      [500, undefined, 'model_unavailable', 'retryable'],
      [503, undefined, 'model_unavailable', 'retryable'],
      [400, 'provider_quota_exceeded', 'model_quota_exhausted', 'fatal'],
    ];
    for (const [status, code, row, kind] of cases) {
      dify.setBehaviour({ status, code, retryAfterSeconds: status === 429 ? 7 : undefined });
      const failure = classifyError(await failureOf(ask(dify.baseUrl)));
      expect([status, failureCodeOf(failure), failure.kind]).toEqual([status, row, kind]);
      if (status === 429) expect(failure.retryAfterMs).toBe(7000);
      expect(loggable(failure)).not.toMatch(new RegExp(`${KEY}|fake Dify refuses`));
    }
  });

  it('the stop signal mid-answer → the words written so far, no error', async () => {
    dify = await startFakeDify({ apiKey: KEY, answer: () => 'one two three four', stream: { chunks: 4, intervalMs: 200 } });
    const stop = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(5000), stop.signal]);
    const answered = await askDify(appAt(dify.baseUrl), question, signal, stop.signal, () => stop.abort());
    expect(answered.answer.length).toBeGreaterThan(0);
    expect('one two three four'.startsWith(answered.answer)).toBe(true);
    expect(answered.answer).not.toBe('one two three four');
  });

  it('any question (hostile text) → sent as it is, and the app\'s answer back as it wrote it, nothing lost', async () => {
    dify = await startFakeDify({ apiKey: KEY, stream: { chunks: 7 } });
    const app = dify;
    await fc.assert(
      fc.asyncProperty(hostileText({ maxLength: 5_000 }), async (query) => {
        const answered = await askDify(appAt(app.baseUrl), { ...question, query }, AbortSignal.timeout(5000), undefined);
        expect(app.requests.at(-1)!.body.query).toBe(query);
        expect(answered.answer).toBe(`Dify答复(0): ${query}`);
      }),
      { numRuns: 25 },
    );
  });
});
