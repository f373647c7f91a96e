import { describe, expect, it } from 'vitest';
import { usd } from './usage-report.js';

describe('usd', () => {
  it.each([
    [0, '$0'],
    [12.5, '$12.50'],
    [1, '$1.00'],
    [0.042, '$0.0420'],
    [0.01, '$0.0100'],
    [0.0000063, '$0.0000063'],
    [0.00123, '$0.0012'],
  ])('writes %d as %s: two significant digits of a small figure, never "<"', (value, text) => {
    expect(usd(value)).toBe(text);
  });
});
