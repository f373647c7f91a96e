import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText } from './decode-text.js';

describe('decodeText', () => {
  it('reads UTF-8 (dropping a BOM) and GB18030, and takes a NUL byte for binary', () => {
    expect(decodeText(Buffer.from('\uFEFFhello 你好'))).toBe('hello 你好');
    expect(decodeText(Buffer.from('\uFEFF\uFEFF\uFEFF'))).toBe('\uFEFF\uFEFF');
    expect(decodeText(Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x0a]))).toBe('你好\n');
    expect(decodeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toBeUndefined();
    expect(decodeText(Buffer.from([0xff, 0xff, 0xff]))).toBeUndefined();
    expect(decodeText(new Uint8Array(0))).toBe('');
  });

  it('on any well-formed text: quick, and the text back whole', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 100_000 }), (raw) => {
        // Only well-formed text can be written as UTF-8: lone surrogates become U+FFFD first, as Buffer.from makes them.
        const text = Buffer.from(raw, 'utf8').toString('utf8').replace(/\0/g, '');
        const { value, ms } = timed(() => decodeText(Buffer.from(text, 'utf8')));
        expect(ms).toBeLessThan(500);
        // One leading BOM is the encoding's mark, not text: exactly that one is dropped (a second one is kept).
        expect(value).toBe(text.replace(/^\uFEFF/, ''));
      }),
      { numRuns: 100 },
    );
  });

  it('on any bytes: quick, text or undefined, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50_000 }), (bytes) => {
        const { value, ms } = timed(() => decodeText(bytes));
        expect(ms).toBeLessThan(500);
        expect(value === undefined || typeof value === 'string').toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
