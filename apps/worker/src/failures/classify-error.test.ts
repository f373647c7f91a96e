import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APIConnectionTimeoutError, APIError } from 'openai';
import { BotError, type ErrorKind } from '@dtbot/shared';
import { classifyError } from './classify-error.js';
import { DINGTALK_ERRORS } from '../dingtalk/dingtalk-error-codes.js';
import { DingTalkError, type DingTalkAnswer } from '../dingtalk/dingtalk-error.js';

const apiError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: 'upstream said no' } }, 'upstream said no', new Headers(headers));

describe('classifyError', () => {
  it('makes a 429 rate_limited with the wait the upstream named', () => {
    const error = classifyError(apiError(429, { 'retry-after-ms': '750' }));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(750);
  });

  it('gives up on a 429 that says the quota is exhausted: waiting will not help', () => {
    const error = APIError.generate(429, { error: { message: 'quota', code: 'insufficient_quota' } }, 'quota', new Headers());
    expect(classifyError(error).kind).toBe('fatal');
  });

  it.each([500, 502, 503, 408])('retries a %s', (status) => {
    expect(classifyError(apiError(status)).kind).toBe('retryable');
  });

  it.each([400, 401, 403, 404])('gives up at once on a %s', (status) => {
    expect(classifyError(apiError(status)).kind).toBe('fatal');
  });

  it('retries timeouts and unknown failures, and keeps BotErrors as they are', () => {
    expect(classifyError(new APIConnectionTimeoutError()).kind).toBe('retryable');
    expect(classifyError(new Error('socket hang up')).kind).toBe('retryable');
    const fatal = new BotError('fatal', 'no');
    expect(classifyError(fatal)).toBe(fatal);
  });

  it('never puts the upstream body into the message users could see', () => {
    expect(classifyError(apiError(400)).message).toBe('model API answered 400');
  });
});

describe('classifyError: DingTalk', () => {
  // One example per catalogue row, in the catalogue's order: [example, kind it gets].
  const examples: [DingTalkAnswer, ErrorKind][] = [
    [{ api: 'webhook' }, 'retryable'],
    [{ api: 'token', status: 307, redirected: true }, 'fatal'],
    [{ api: 'webhook', status: 200, errcode: 130101 }, 'rate_limited'],
    [{ api: 'webhook', status: 200, errcode: 410100 }, 'rate_limited'],
    [{ api: 'webhook', status: 200, errcode: 300001 }, 'retryable'],
    [{ api: 'webhook', status: 200, errcode: 400106 }, 'fatal'],
    [{ api: 'webhook', status: 200, errcode: 430103 }, 'fatal'],
    [{ api: 'webhook', status: 200, errcode: 40035 }, 'fatal'],
    [{ api: 'webhook', status: 200, errcode: 123456 }, 'retryable'],
    [{ api: 'webhook', status: 429 }, 'rate_limited'],
    [{ api: 'webhook', status: 500 }, 'retryable'],
    [{ api: 'media', status: 200, errcode: 40014 }, 'retryable'],
    [{ api: 'media', status: 200, errcode: 90018 }, 'rate_limited'],
    [{ api: 'legacy_token', status: 200, errcode: 40089 }, 'fatal'],
    [{ api: 'media', status: 200, errcode: 40006 }, 'fatal'],
    [{ api: 'media', status: 502 }, 'retryable'],
    [{ api: 'download', status: 403 }, 'retryable'],
    [{ api: 'openapi', status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi' }, 'rate_limited'],
    [{ api: 'token', status: 429 }, 'rate_limited'],
    [{ api: 'openapi', status: 200, flowControlled: 1 }, 'rate_limited'],
    [{ api: 'openapi', status: 200, invalidRecipients: 1 }, 'fatal'],
    [{ api: 'openapi', status: 401, code: 'InvalidAuthentication' }, 'retryable'],
    [{ api: 'openapi', status: 503 }, 'retryable'],
    [{ api: 'token', status: 400, code: 'invalidClientIdOrSecret' }, 'fatal'],
  ];
  const classify = (answer: DingTalkAnswer) => classifyError(new DingTalkError(answer, 'DingTalk did not deliver'));

  it.each(examples)('classifies %j as %s', (answer, kind) => {
    expect(classify(answer).kind).toBe(kind);
  });

  it('has an example for every catalogue row, each reaching its own row', () => {
    const rows = examples.map(([answer]) => DINGTALK_ERRORS.findIndex((row) => row.matches(answer)));
    expect(rows).toEqual(DINGTALK_ERRORS.map((_, index) => index));
  });

  it.each<[DingTalkAnswer, ErrorKind]>([
    [{ api: 'card', status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' }, 'rate_limited'],
    [{ api: 'card', status: 400, code: 'invalidParameter.cardTemplateId.notExist' }, 'fatal'],
    [{ api: 'card', status: 503 }, 'retryable'],
    [{ api: 'card', status: 200, malformed: true }, 'retryable'],
  ])('takes the card API as the new OpenAPI: %j is %s', (answer, kind) => {
    expect(classify(answer).kind).toBe(kind);
  });

  it('makes DingTalk throttling wait per job, and the model\'s 429 wait for every worker', () => {
    for (const [answer, kind] of examples) if (kind === 'rate_limited') expect(classify(answer).waitScope).toBe('job');
    expect(classifyError(apiError(429)).waitScope).toBe('queue');
  });

  it('keeps what DingTalk answered as the cause, and says what it means', () => {
    const error = classify({ api: 'webhook', status: 200, errcode: 130101 });
    expect(error.cause).toBeInstanceOf(DingTalkError);
    expect(error.message).toBe('DingTalk did not deliver: sending too fast (about 20 messages a minute per conversation)');
  });

  it('is documented row by row in docs/dingtalk-errors.md', () => {
    const docs = readFileSync(new URL('../../../../docs/dingtalk-errors.md', import.meta.url), 'utf8');
    for (const row of DINGTALK_ERRORS) expect(docs, row.answer).toContain(`| ${row.answer} | \`${row.kind}\` |`);
  });
});
