import { describe, expect, it } from 'vitest';
import { answerResult } from './dingtalk-error.js';

describe('answerResult', () => {
  it.each([
    [{ api: 'webhook' as const }, 'unreachable'],
    [{ api: 'webhook' as const, status: 200, errcode: 130101 }, 'errcode_130101'],
    [{ api: 'openapi' as const, status: 200, flowControlled: 1 }, 'unreached'],
    [{ api: 'token' as const, status: 200, malformed: true }, 'malformed'],
    [{ api: 'openapi' as const, status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi' }, 'http_403'],
  ])('%j is counted as %s: a few fixed words, never a message or an id', (answer, result) => {
    expect(answerResult(answer)).toBe(result);
  });
});
