import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SensitiveWords } from '../moderation/sensitive-words.js';
import { ECHO_CHARS, echoUserText } from './echo-user-text.js';

const none = new SensitiveWords([]);

describe('echoUserText', () => {
  it('says a short word back as inline code', () => {
    expect(echoUserText('海盗', none)).toBe('`海盗`');
  });

  it(`cuts a text longer than ${ECHO_CHARS} characters and ends it in an ellipsis`, () => {
    expect(echoUserText(`/w${'x'.repeat(5000)}`, none)).toBe(`\`/w${'x'.repeat(ECHO_CHARS - 2)}…\``);
  });

  it('masks a sensitive word, also one the cut goes through', () => {
    const words = new SensitiveWords(['机密']);
    expect(echoUserText('机密角色', words)).toBe('`**角色`');
    expect(echoUserText(`${'a'.repeat(ECHO_CHARS - 1)}机密`, words)).toBe(`\`${'a'.repeat(ECHO_CHARS - 1)}*…\``);
  });

  it('keeps markdown, line breaks, control characters and half emoji from getting out of the code', () => {
    expect(echoUserText('a`](x)\n\u0000\ud83d', none)).toBe('`aˋ](x)\ufffd\ufffd\ufffd`');
  });

  it('on hostile text up to 100,000 characters: quick, one line of inline code, within the bound, masked, well-formed', () => {
    const words = fc.array(fc.oneof(fc.constantFrom('机密', 'secret', '😀'), fc.string({ minLength: 1, maxLength: 4 })), { maxLength: 20 }).map((list) => list.filter((word) => !/[*`\ufffd…ˋ\p{Cc}\u2028\u2029\ud800-\udfff]/u.test(word)));
    fc.assert(
      fc.property(hostileText(), words, (text, list) => {
        const sensitive = new SensitiveWords(list);
        const { value: echo, ms } = timed(() => echoUserText(text, sensitive));
        expect(ms).toBeLessThan(1000);
        expect(echo.startsWith('`') && echo.endsWith('`')).toBe(true);
        const inner = echo.slice(1, -1);
        expect(inner).not.toMatch(/[`\p{Cc}\u2028\u2029]/u);
        expect(inner.length).toBeLessThanOrEqual(ECHO_CHARS + 1);
        expect(inner).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
        expect(sensitive.contains(inner)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
