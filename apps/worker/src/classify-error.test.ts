import { describe, expect, it } from 'vitest';
import { APIConnectionTimeoutError, APIError } from 'openai';
import { BotError } from '@dtbot/shared';
import { classifyError } from './classify-error.js';

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
