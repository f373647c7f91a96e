import { describe, expect, it } from 'vitest';
import { splitAnswer } from './split-answer.js';

const limits = { maxChars: 100, maxBytes: 300 };

describe('splitAnswer', () => {
  it('keeps a short answer whole', () => {
    expect(splitAnswer('short answer', limits)).toEqual(['short answer']);
  });

  it('cuts on paragraph boundaries, in order, each part within the limits', () => {
    const paragraphs = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} `.repeat(3).trim());
    const parts = splitAnswer(paragraphs.join('\n\n'), limits);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(limits.maxChars);
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(limits.maxBytes);
    }
    expect(parts.join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('counts bytes, not characters, for Chinese text', () => {
    const parts = splitAnswer('中'.repeat(250), limits);
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(300);
    expect(parts.join('')).toBe('中'.repeat(250));
  });

  it('never cuts inside a code fence that fits in one part', () => {
    const code = ['```ts', 'const a = 1;', '', 'const b = 2;', '```'].join('\n');
    const text = `${'intro '.repeat(12).trim()}\n\n${code}\n\n${'outro '.repeat(12).trim()}`;
    const parts = splitAnswer(text, limits);
    expect(parts.some((part) => part.includes(code))).toBe(true);
  });

  it('closes and reopens a fence that is too long for one part', () => {
    const code = ['```py', ...Array.from({ length: 30 }, (_, i) => `print(${i})`), '```'].join('\n');
    const parts = splitAnswer(code, limits);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.match(/```/g)?.length ?? 0).toBe(2);
      expect(part.length).toBeLessThanOrEqual(limits.maxChars);
    }
  });
});
