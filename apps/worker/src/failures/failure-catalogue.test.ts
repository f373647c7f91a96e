import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { BotError } from '@dtbot/shared';
import { DINGTALK_ERRORS } from '../dingtalk/dingtalk-error-codes.js';
import { DingTalkError, type DingTalkAnswer, type DingTalkApi } from '../dingtalk/dingtalk-error.js';
import { DEFAULT_DELAY_POLICY, queueActionFor } from '../queue-action.js';
import { classifyError } from './classify-error.js';
import { FAILURE_CODES, FAILURES, type FailureCode } from './failure-catalogue.js';
import { failureCodeOf, WorkerFailure } from './worker-failure.js';

const docs = readFileSync(new URL('../../../../docs/failures.md', import.meta.url), 'utf8');
const fresh = { attemptsMade: 0, attempts: 3, delays: 0 };

const modelError = (status: number, code?: string) =>
  APIError.generate(status, { error: { message: 'upstream said no', ...(code ? { code } : {}) } }, 'upstream said no', new Headers());
const dingtalk = (answer: DingTalkAnswer) => new DingTalkError(answer, 'DingTalk did not deliver');
const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });

describe('failure catalogue', () => {
  it.each(FAILURE_CODES)('lists %s in docs/failures.md with its kind, queue action and reply', (code) => {
    const row = FAILURES[code];
    expect(docs).toContain(`| \`${code}\` | \`${row.kind}\` | \`${row.action}\` | ${row.reply} |`);
  });

  it('docs/failures.md lists no row the catalogue does not have, and none twice', () => {
    const listed = [...docs.matchAll(/^\| `([a-z_]+)` \| `(?:retryable|rate_limited|fatal)` \|/gm)].map((match) => match[1]);
    expect(listed).toEqual(FAILURE_CODES);
  });

  it.each(FAILURE_CODES)('%s, thrown on a fresh attempt, gets the queue action its row names', (code) => {
    const decided = queueActionFor(new WorkerFailure(code, 'x'), fresh, DEFAULT_DELAY_POLICY, () => 0.5);
    expect(decided.action).toBe(FAILURES[code].action);
  });

  it('takes the kind, who waits and the retry-at-once from the row, the wait and the cause from the thrower', () => {
    const cause = new Error('raw');
    const failure = new WorkerFailure('card_budget_exhausted', 'no room', { cause, retryAfterMs: 900 });
    expect(failure).toMatchObject({ kind: 'rate_limited', waitScope: 'job', retryNow: false, retryAfterMs: 900, cause, message: 'no room' });
    expect(new WorkerFailure('provider_failed_mid_answer', 'x')).toMatchObject({ kind: 'retryable', retryNow: true });
  });

  it('counts a BotError built outside the catalogue as unexpected', () => {
    expect(failureCodeOf(new BotError('fatal', 'no'))).toBe('unexpected');
    expect(failureCodeOf(new WorkerFailure('no_staff_id', 'x'))).toBe('no_staff_id');
  });
});

describe('classifyError: what each raw failure becomes', () => {
  const examples: [string, unknown, FailureCode][] = [
    ['model 429 with a wait', modelError(429), 'model_rate_limited'],
    ['model 429 insufficient_quota', modelError(429, 'insufficient_quota'), 'model_quota_exhausted'],
    ['model 503', modelError(503), 'model_unavailable'],
    ['model 408', modelError(408), 'model_unavailable'],
    ['model unreachable', new APIConnectionError({ message: 'ECONNREFUSED' }), 'model_unreachable'],
    ['model timeout', new APIConnectionTimeoutError(), 'model_unreachable'],
    ['model 401', modelError(401), 'model_auth_refused'],
    ['model 403', modelError(403), 'model_auth_refused'],
    ['model 400 (context too long)', modelError(400, 'context_length_exceeded'), 'model_bad_request'],
    ['model 404', modelError(404), 'model_bad_request'],
    ['DingTalk webhook errcode 130101', dingtalk({ api: 'webhook', status: 200, errcode: 130101 }), 'dingtalk_throttled'],
    ['DingTalk OpenAPI QpsLimit', dingtalk({ api: 'card', status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi' }), 'dingtalk_throttled'],
    ['DingTalk webhook expired (300001)', dingtalk({ api: 'webhook', status: 200, errcode: 300001 }), 'dingtalk_transient'],
    ['DingTalk no answer', dingtalk({ api: 'openapi' }), 'dingtalk_transient'],
    ['DingTalk robot not in the group', dingtalk({ api: 'webhook', status: 200, errcode: 400106 }), 'dingtalk_refused'],
    ['DingTalk redirect', dingtalk({ api: 'token', status: 307, redirected: true }), 'dingtalk_refused'],
    ['an aborted fetch', timeout, 'timed_out'],
    ['Redis unavailable', new Error('Connection is closed.'), 'unexpected'],
    ['a thrown string', 'boom', 'unexpected'],
  ];

  it.each(examples)('%s is %s', (_, error, code) => {
    const failure = classifyError(error);
    expect(failureCodeOf(failure)).toBe(code);
    expect(failure.kind).toBe(FAILURES[code].kind);
  });

  it('keeps a failure the catalogue already named', () => {
    const named = new WorkerFailure('undeliverable', 'no route');
    expect(classifyError(named)).toBe(named);
  });
});

describe('classifyError on anything', () => {
  const API: DingTalkApi[] = ['webhook', 'openapi', 'token', 'legacy_token', 'media', 'download', 'card'];
  const answer = fc.record(
    {
      api: fc.constantFrom(...API),
      status: fc.integer({ min: 0, max: 599 }),
      errcode: fc.oneof(fc.constantFrom(0, 130101, 300001, 400106, 40014, 90018), fc.integer()),
      code: fc.string({ maxLength: 40 }),
      flowControlled: fc.nat(3),
      invalidRecipients: fc.nat(3),
      filteredRecipients: fc.nat(3),
      malformed: fc.boolean(),
      redirected: fc.boolean(),
    },
    { requiredKeys: ['api'] },
  );

  it('ends on any thrown value with a row of the catalogue, whose kind it carries', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        const failure = classifyError(thrown);
        expect(failure.kind).toBe(FAILURES[failureCodeOf(failure)].kind);
      }),
      { numRuns: 200 },
    );
  });

  it('gives any DingTalk answer the kind its DingTalk row names, and keeps DingTalk\'s words as the cause', () => {
    fc.assert(
      fc.property(answer, fc.string({ maxLength: 200 }), (answered, words) => {
        const raw = new DingTalkError(answered, words);
        const failure = classifyError(raw);
        const row = DINGTALK_ERRORS.find((candidate) => candidate.matches(answered));
        expect(failure.kind).toBe(row?.kind ?? 'retryable');
        expect(failureCodeOf(failure)).toMatch(/^dingtalk_/);
        expect(failure.cause).toBe(raw);
        expect(failure.message.startsWith(words)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
