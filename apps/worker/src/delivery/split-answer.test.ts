import { fenceLine, hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPLIT_LIMITS, splitAnswer, splitAnswerParts, type SplitLimits } from './split-answer.js';

const limits = { maxChars: 100, maxBytes: 300 };
/** Generous: a split of 100,000 characters takes a few milliseconds; a hang takes forever. */
const TIME_BOUND_MS = 1000;

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** Every promise splitAnswer makes, checked on one text (one expect for all parts: thousands of parts are common). */
function expectSoundSplit(text: string, splitLimits: SplitLimits): void {
  const { value: parts, ms } = timed(() => splitAnswerParts(text, splitLimits));
  expect(ms).toBeLessThan(TIME_BOUND_MS);
  // Joined: each part's body and the gap after it, in order, give back the text.
  expect(parts.map((part) => part.body + part.gap).join('')).toBe(text);
  expect(splitAnswer(text, splitLimits)).toEqual(parts.map((part) => part.reopen + part.body + part.close));
  const problems: string[] = [];
  let position = 0;
  for (const [index, part] of parts.entries()) {
    const shown = part.reopen + part.body + part.close;
    if (shown.length > splitLimits.maxChars) problems.push(`part ${index}: ${shown.length} characters`);
    if (Buffer.byteLength(shown) > splitLimits.maxBytes) problems.push(`part ${index}: ${Buffer.byteLength(shown)} bytes`);
    if (text !== '' && part.body === '') problems.push(`part ${index}: empty`);
    if (part.gap.trim() !== '') problems.push(`part ${index}: a gap that is not whitespace`);
    if (!/^(|(`{3,}|~{3,})[^\n]*\n)$/.test(part.reopen)) problems.push(`part ${index}: reopen ${JSON.stringify(part.reopen)}`);
    if (!/^(|\n(`{3,}|~{3,}))$/.test(part.close)) problems.push(`part ${index}: close ${JSON.stringify(part.close)}`);
    position += part.body.length;
    // Never between the two halves of a surrogate pair.
    if (isHigh(text.charCodeAt(position - 1)) && isLow(text.charCodeAt(position))) problems.push(`part ${index}: ends inside a surrogate pair`);
    position += part.gap.length;
  }
  expect(problems).toEqual([]);
}

/**
 * Inputs that once broke the split, kept as they were. The first two hung the worker: an opener line nearly as
 * long as a part left the old split no room, its cut became 0 and it pushed empty parts until V8 ran out of
 * array length, seconds later.
 */
const fixedCases: { name: string; text: string; limits: SplitLimits }[] = [
  { name: 'a ``` opener line of 1,990 characters, then code', text: `\`\`\`${'a'.repeat(1990)}\nconst a = 1;\n${'b'.repeat(100)}\n\`\`\``, limits: DEFAULT_SPLIT_LIMITS },
  { name: 'a ~~~ opener line as long as a part, never closed', text: `~~~${'中'.repeat(1997)}\n${'x'.repeat(3000)}`, limits: DEFAULT_SPLIT_LIMITS },
  { name: 'a ``` opener, then a line of 1,990 characters', text: `\`\`\`\n${'a'.repeat(1990)}\n\`\`\``, limits: DEFAULT_SPLIT_LIMITS },
  { name: 'emoji across a cut at the byte limit', text: '😀'.repeat(1600), limits: DEFAULT_SPLIT_LIMITS },
  { name: 'lone surrogates and control characters in a fence', text: `\`\`\`\n${'\ud800\u0000\udfff'.repeat(1000)}\n\`\`\``, limits: DEFAULT_SPLIT_LIMITS },
  { name: 'blank lines longer than a part', text: `a\n\n${'\n'.repeat(2500)}b`, limits: DEFAULT_SPLIT_LIMITS },
  { name: 'a fence of 40 backticks holding shorter ones', text: `${'`'.repeat(40)}\n${'```\ncode\n'.repeat(400)}${'`'.repeat(40)}`, limits: DEFAULT_SPLIT_LIMITS },
];

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

  it('cuts inside a code line longer than a part rather than after the opener: no part is an empty code block', () => {
    const parts = splitAnswer(`\`\`\`py\n${'x'.repeat(100)}\n\`\`\``, { maxChars: 60, maxBytes: 300 });
    expect(parts).toEqual([`\`\`\`py\n${'x'.repeat(50)}\n\`\`\``, `\`\`\`py\n${'x'.repeat(50)}\n\`\`\``]);
  });

  it('a paragraph cut drops the blank lines into the gap; a line cut drops the newline', () => {
    const parts = splitAnswerParts(`${'a'.repeat(60)}\n\n\n${'b'.repeat(60)}\n${'c'.repeat(60)}`, limits);
    expect(parts.map(({ body, gap }) => [body, gap])).toEqual([
      ['a'.repeat(60), '\n\n\n'],
      ['b'.repeat(60), '\n'],
      ['c'.repeat(60), ''],
    ]);
  });

  it('cuts an opener line too long to reopen as plain text: no fence added, every part within the limits', () => {
    const text = `\`\`\`${'a'.repeat(1990)}\ncode\n\`\`\``;
    const parts = splitAnswerParts(text);
    expect(parts.every((part) => part.reopen === '' && part.close === '')).toBe(true);
    expect(parts.map((part) => part.body + part.gap).join('')).toBe(text);
  });

  it('refuses limits with no room for a code point', () => {
    expect(() => splitAnswer('text', { maxChars: 2, maxBytes: 300 })).toThrow(RangeError);
  });

  describe('fixed cases that once broke it', () => {
    for (const { name, text, limits: caseLimits } of fixedCases) {
      it(`${name}: ends quickly, within the limits, nothing lost`, () => expectSoundSplit(text, caseLimits));
    }
  });

  describe('properties', () => {
    const anyLimits = fc.oneof(
      fc.constant(DEFAULT_SPLIT_LIMITS),
      fc.record({ maxChars: fc.integer({ min: 8, max: 3000 }), maxBytes: fc.integer({ min: 16, max: 9000 }) }),
    );

    it('on hostile text up to 100,000 characters: ends within a second, every part within the limits, the parts join to the text', () => {
      fc.assert(fc.property(hostileText(), anyLimits, (text, splitLimits) => expectSoundSplit(text, splitLimits)), { numRuns: 150 });
    });

    it('on fenced blocks whose opener line nears a part: the same', () => {
      const block = fc
        .tuple(fenceLine(2100), fc.array(fc.string({ unit: 'binary', maxLength: 2100 }), { maxLength: 4 }))
        .map(([opener, lines]) => [opener, ...lines].join('\n'));
      fc.assert(fc.property(block, anyLimits, (text, splitLimits) => expectSoundSplit(text, splitLimits)), { numRuns: 150 });
    });
  });
});
