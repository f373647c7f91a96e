import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { estimateTokens } from './estimate-tokens.js';
import { createTokenCounter, encodingForModel, MESSAGE_FRAMING_TOKENS } from './token-counter.js';

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o-mini', 'o200k_base'],
    ['gpt-4.1', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini-2099-01-01', 'o200k_base'],
    ['gpt-4o-2099-01-01', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['GPT-4o', 'o200k_base'],
    ['gpt-oss-20b', 'o200k_harmony'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
  ])('%s is counted with %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });

  it.each(['deepseek-chat', 'deepseek-reasoner', 'qwen-plus', 'llama3.1:8b', 'glm-4', 'moonshot-v1-8k'])(
    '%s has no OpenAI tokenizer',
    (model) => {
      expect(encodingForModel(model)).toBeUndefined();
    },
  );
});

describe('createTokenCounter', () => {
  it('counts an OpenAI model\'s messages with its tokenizer, framing included', () => {
    const counter = createTokenCounter('gpt-4o-mini');
    expect(counter.method).toBe('o200k_base');
    // o200k_base: "hello" + " world"; the Chinese sentence is 9 tokens where the estimate says 14.
    expect(counter.message('hello world')).toBe(2 + MESSAGE_FRAMING_TOKENS);
    expect(counter.message('请帮我总结一下今天的会议内容')).toBe(9 + MESSAGE_FRAMING_TOKENS);
    expect(estimateTokens('请帮我总结一下今天的会议内容')).toBe(14);
    expect(counter.message('')).toBe(MESSAGE_FRAMING_TOKENS);
  });

  it('counts special-token text a user typed as plain text instead of throwing', () => {
    const counter = createTokenCounter('gpt-4o');
    expect(counter.message('a <|endoftext|> b')).toBeGreaterThan(MESSAGE_FRAMING_TOKENS + 3);
  });

  it('uses the older encoding for gpt-4 and gpt-3.5', () => {
    const counter = createTokenCounter('gpt-3.5-turbo');
    expect(counter.method).toBe('cl100k_base');
    expect(counter.message('hello world')).toBe(2 + MESSAGE_FRAMING_TOKENS);
  });

  it('estimates for a model whose tokenizer is unknown', () => {
    const counter = createTokenCounter('deepseek-chat');
    expect(counter.method).toBe('estimate');
    expect(counter.message('你好世界')).toBe(4 + MESSAGE_FRAMING_TOKENS);
    expect(counter.message('abcdefgh')).toBe(2 + MESSAGE_FRAMING_TOKENS);
  });
});

describe('TokenCounter.cut', () => {
  const exact = createTokenCounter('gpt-4o-mini');
  const estimate = createTokenCounter('deepseek-chat');

  it('keeps text that fits, and the start of text that does not, within the tokens', () => {
    expect(exact.cut('hello world', 2)).toBe('hello world');
    expect(exact.cut('hello world', 1)).toBe('hello');
    expect(exact.cut('hello world', 0)).toBe('');
    expect(estimate.cut('你好世界', 2)).toBe('你好');
    expect(estimate.cut('abcdefgh', 1)).toBe('abcd');
  });

  it('counts and cuts a long run without spaces in milliseconds, not seconds', () => {
    const run = '你好世界'.repeat(12_000);
    const { value: count, ms } = timed(() => exact.message(run));
    expect(ms).toBeLessThan(2000);
    // o200k_base: about two characters a token for this text, counted whole or in pieces.
    expect(count - MESSAGE_FRAMING_TOKENS).toBeGreaterThan(20_000);
    const { value: kept, ms: cutMs } = timed(() => exact.cut(run, 8000));
    expect(cutMs).toBeLessThan(2000);
    expect(run.startsWith(kept)).toBe(true);
    expect(exact.message(kept) - MESSAGE_FRAMING_TOKENS).toBeLessThanOrEqual(8000);
  });

  it('counts long prose within half a percent of what the tokenizer counts in it whole, and cuts it in milliseconds', () => {
    const words = ['revenue', 'quarter', 'growth,', '合同', '交付。', 'invoice', 'report.\n', 'market'];
    const prose = Array.from({ length: 20_000 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    const whole = o200k.countTokens(prose, { disallowedSpecial: new Set() });
    const counted = exact.message(prose) - MESSAGE_FRAMING_TOKENS;
    // 35,054 counted in segments against 35,001 whole: a cut keeps a little less than it might, never more.
    expect(Math.abs(counted - whole)).toBeLessThanOrEqual(Math.ceil(whole / 200));
    const { value: kept, ms } = timed(() => exact.cut(prose, 8000));
    expect(ms).toBeLessThan(1000);
    expect(exact.message(kept) - MESSAGE_FRAMING_TOKENS).toBe(8000);
  });

  it.each([
    ['the tokenizer', exact],
    ['the estimate', estimate],
  ])('with %s, on hostile text: quick, a start of the text, within the budget, all of it when it fits', (_, counter) => {
    fc.assert(
      fc.property(hostileText({ maxLength: 50_000 }), fc.integer({ min: 0, max: 5000 }), (text, maxTokens) => {
        const { value: kept, ms } = timed(() => counter.cut(text, maxTokens));
        expect(ms).toBeLessThan(2000);
        expect(text.startsWith(kept)).toBe(true);
        const used = counter.message(kept) - MESSAGE_FRAMING_TOKENS;
        expect(used).toBeLessThanOrEqual(maxTokens);
        if (counter.message(text) - MESSAGE_FRAMING_TOKENS <= maxTokens) expect(kept).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});
