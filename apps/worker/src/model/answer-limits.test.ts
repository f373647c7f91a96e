import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { BotError } from '@dtbot/shared';
import { answerLimitByName, refusesMaxTokens } from './answer-limits.js';

const badRequest = (error: { message: string; param: string | null; code: string | null }) =>
  APIError.generate(400, { error: { type: 'invalid_request_error', ...error } }, undefined, new Headers());

describe('answerLimitByName', () => {
  it.each(['o1', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini', 'gpt-5.1-chat-latest', 'openai/o3'])(
    '%s takes max_completion_tokens',
    (model) => expect(answerLimitByName(model)).toBe('max_completion_tokens'),
  );
  it.each(['gpt-4o-mini', 'gpt-4.1', 'gpt-3.5-turbo', 'deepseek-chat', 'qwen-plus', 'llama3.1:8b', 'omni-moderation-latest'])(
    '%s takes max_tokens',
    (model) => expect(answerLimitByName(model)).toBe('max_tokens'),
  );
});

describe('refusesMaxTokens', () => {
  it('recognises OpenAI\'s and Azure\'s unsupported_parameter answer, also inside a classified error', () => {
    const refusal = badRequest({
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: 'max_tokens',
      code: 'unsupported_parameter',
    });
    expect(refusesMaxTokens(refusal)).toBe(true);
    expect(refusesMaxTokens(new BotError('fatal', 'model API answered 400', { cause: refusal }))).toBe(true);
  });

  it('recognises a compatible server that says so only in words', () => {
    expect(refusesMaxTokens(badRequest({ message: 'max_tokens is not supported, use max_completion_tokens', param: null, code: null }))).toBe(true);
  });

  it('does not take a max_tokens that is merely too large, or another 400, for a refusal', () => {
    const tooLarge = badRequest({
      message: 'max_tokens is too large: 100000. This model supports at most 16384 completion tokens, whereas you provided 100000.',
      param: 'max_tokens',
      code: null,
    });
    expect(refusesMaxTokens(tooLarge)).toBe(false);
    expect(refusesMaxTokens(badRequest({ message: 'Invalid request.', param: null, code: null }))).toBe(false);
    expect(refusesMaxTokens(new Error("Unsupported parameter: 'max_tokens'"))).toBe(false);
  });
});
