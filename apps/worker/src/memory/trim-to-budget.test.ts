import { describe, expect, it } from 'vitest';
import { estimateTokens } from './estimate-tokens.js';
import { trimToBudget, type Turn } from './trim-to-budget.js';

const turn = (role: Turn['role'], content: string): Turn => ({ role, content });

describe('trimToBudget', () => {
  const turns = [
    turn('user', 'first question '.repeat(20)),
    turn('assistant', 'first answer '.repeat(20)),
    turn('user', 'second question'),
    turn('assistant', 'second answer'),
  ];

  it('keeps everything that fits', () => {
    expect(trimToBudget(turns, 10_000)).toEqual(turns);
  });

  it('drops the oldest turns first', () => {
    const budget = estimateTokens('second question') + estimateTokens('second answer');
    expect(trimToBudget(turns, budget)).toEqual(turns.slice(2));
  });

  it('never keeps an answer without its question', () => {
    const budget = estimateTokens('first answer '.repeat(20)) + estimateTokens('second question') + estimateTokens('second answer');
    expect(trimToBudget(turns, budget)[0]?.role).toBe('user');
    expect(trimToBudget(turns, budget)).toEqual(turns.slice(2));
  });

  it('keeps nothing when even the newest pair is too large', () => {
    expect(trimToBudget(turns, 3)).toEqual([]);
  });
});

describe('estimateTokens', () => {
  it('counts CJK characters about one token each and Latin text about four characters a token', () => {
    expect(estimateTokens('你好世界')).toBe(4 + 4);
    expect(estimateTokens('abcdefgh')).toBe(2 + 4);
  });
});
