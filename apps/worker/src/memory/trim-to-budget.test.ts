import { describe, expect, it } from 'vitest';
import { trimToBudget, type Turn } from './trim-to-budget.js';

const turn = (role: Turn['role'], content: string, tokens: number): Turn => ({ role, content, tokens });

describe('trimToBudget', () => {
  const turns = [
    turn('user', 'first question', 50),
    turn('assistant', 'first answer', 40),
    turn('user', 'second question', 10),
    turn('assistant', 'second answer', 20),
  ];

  it('keeps everything that fits', () => {
    expect(trimToBudget(turns, 120)).toEqual(turns);
  });

  it('drops the oldest turns first', () => {
    expect(trimToBudget(turns, 30)).toEqual(turns.slice(2));
    expect(trimToBudget(turns, 69)).toEqual(turns.slice(2));
  });

  it('never keeps an answer without its question', () => {
    expect(trimToBudget(turns, 70)).toEqual(turns.slice(2));
  });

  it('keeps nothing when even the newest pair is too large', () => {
    expect(trimToBudget(turns, 25)).toEqual([]);
  });
});
