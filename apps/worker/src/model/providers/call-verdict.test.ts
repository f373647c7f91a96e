import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../failures/classify-error.js';
import { DifyError } from '../dify/dify-error.js';
import { verdictOf } from './call-verdict.js';

const answered = (status: number, error: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  classifyError(APIError.generate(status, { error: { message: 'x', ...error } }, undefined, new Headers(headers)));

describe('verdictOf', () => {
  it.each([500, 502, 503, 504, 408])('counts a %i as a failure of the provider', (status) => {
    expect(verdictOf(answered(status), 10_000)).toEqual({ verdict: 'failure', openForMs: 0 });
  });

  it('counts refused connections and timeouts as failures', () => {
    expect(verdictOf(classifyError(new APIConnectionError({ message: 'ECONNREFUSED' })), 10_000).verdict).toBe('failure');
    expect(verdictOf(classifyError(new APIConnectionTimeoutError()), 10_000).verdict).toBe('failure');
  });

  it('opens at once for a 429 whose wait is longer than the bound, for that wait; a shorter one is the limiter\'s', () => {
    expect(verdictOf(answered(429, {}, { 'retry-after': '60' }), 10_000)).toEqual({ verdict: 'trip', openForMs: 60_000 });
    expect(verdictOf(answered(429, {}, { 'retry-after': '3' }), 10_000)).toEqual({ verdict: 'neutral', openForMs: 0 });
  });

  it.each([
    ['a refused key', 401, {}],
    ['a forbidden resource', 403, {}],
    ['a missing deployment or model', 404, {}],
    ['an exhausted quota', 429, { code: 'insufficient_quota' }],
  ])('opens at once for %s', (_what, status, error) => {
    expect(verdictOf(answered(status, error), 10_000)).toEqual({ verdict: 'trip', openForMs: 0 });
  });

  it.each([
    ['a refused key', new DifyError(401, 'unauthorized'), 'trip'],
    ['a forbidden app', new DifyError(403, 'forbidden'), 'trip'],
    ['a wrong base URL', new DifyError(404, 'not_found'), 'trip'],
    ['the app\'s model quota exhausted', new DifyError(400, 'provider_quota_exceeded'), 'trip'],
    ['a bad request', new DifyError(400, 'invalid_param'), 'neutral'],
    ['a 5xx', new DifyError(502, undefined), 'failure'],
    ['an unreachable app', DifyError.unreachable(new TypeError('fetch failed')), 'failure'],
  ])('a Dify app\'s %s → %s, as the model API\'s', (_what, error, verdict) => {
    expect(verdictOf(classifyError(error), 10_000).verdict).toBe(verdict);
  });

  it.each([400, 413, 422])('leaves the circuit alone for a %i: the request was at fault, not the provider', (status) => {
    expect(verdictOf(answered(status), 10_000).verdict).toBe('neutral');
  });
});
