import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '@dtbot/testkit';
import { APP_SECRET, System } from '../harness/start-system.js';

const HOUR = 3_600_000;

/**
 * Every bad input gets its 4xx (listed in the gateway's callback-errors.ts), is not stored, and
 * reaches neither the model nor the chat.
 */
describe('bad callbacks are refused and lose nothing', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({ label: 'bad-input', workers: 1 });
  });

  afterAll(async () => {
    await system?.close();
  });

  const cases: { name: string; send: (s: System) => Promise<{ status: number; body: unknown }>; status: number; error: string }[] = [
    {
      name: 'no signature headers get 401',
      send: (s) => s.post(s.message(), { 'content-type': 'application/json' }),
      status: 401,
      error: 'missing_signature',
    },
    {
      name: 'a wrong signature gets 401',
      send: (s) => s.post(s.message(), { ...signedHeaders(APP_SECRET), sign: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
      status: 401,
      error: 'bad_signature',
    },
    {
      name: 'a signature made with another secret gets 401',
      send: (s) => s.post(s.message(), signedHeaders('not-our-secret')),
      status: 401,
      error: 'bad_signature',
    },
    {
      name: 'a timestamp 61 minutes old gets 401',
      send: (s) => s.post(s.message(), signedHeaders(APP_SECRET, Date.now() - HOUR - 60_000)),
      status: 401,
      error: 'stale_timestamp',
    },
    {
      name: 'a timestamp 61 minutes ahead gets 401',
      send: (s) => s.post(s.message(), signedHeaders(APP_SECRET, Date.now() + HOUR + 60_000)),
      status: 401,
      error: 'stale_timestamp',
    },
    {
      name: 'malformed JSON gets 400',
      send: (s) => s.post('{"msgtype":"text",'),
      status: 400,
      error: 'malformed_json',
    },
    {
      name: 'a body missing msgId and sessionWebhook gets 400',
      send: (s) => {
        const { msgId: _m, sessionWebhook: _w, ...rest } = s.message();
        return s.post(rest);
      },
      status: 400,
      error: 'invalid_payload',
    },
    {
      name: 'a sessionWebhook pointing outside DingTalk gets 403',
      send: (s) => s.post(s.message({ sessionWebhook: 'https://evil.example/robot/sendBySession?session=x' })),
      status: 403,
      error: 'webhook_not_allowed',
    },
    {
      name: 'a sessionWebhook that expired 10 minutes before the callback arrived gets 403',
      send: (s) => s.post(s.message({ sessionWebhookExpiredTime: Date.now() - 10 * 60_000 })),
      status: 403,
      error: 'webhook_expired',
    },
    {
      name: 'a 5 MB body gets 413',
      send: (s) => s.post(JSON.stringify({ ...s.message(), padding: 'x'.repeat(5 * 1024 * 1024) })),
      status: 413,
      error: 'body_too_large',
    },
    {
      name: 'a body that is not JSON by its content type gets 415',
      send: (s) => s.post('msgtype=text', { ...signedHeaders(APP_SECRET), 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      error: 'unsupported_media_type',
    },
  ];

  it.each(cases)('$name', async ({ send, status, error }) => {
    const answer = await send(system);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error });
    expect(await system.jobCount()).toBe(0);
  });

  it('reached neither the model nor the chat with any refused input', () => {
    expect(system.openai.requests).toHaveLength(0);
    expect(system.dingtalk.delivered()).toHaveLength(0);
  });

  it('still answers a good message afterwards, signed 59 minutes ago (inside the one-hour window)', async () => {
    const answer = await system.post(system.message({ text: 'fifty-nine minutes' }), signedHeaders(APP_SECRET, Date.now() - 59 * 60_000));
    expect(answer).toEqual({ status: 200, body: {} });
    const delivered = await system.dingtalk.waitForDelivered(1, 10_000);
    expect(delivered.map((m) => m.text)).toEqual(['答复: fifty-nine minutes']);
    expect(system.openai.requests).toHaveLength(1);
  });
});
