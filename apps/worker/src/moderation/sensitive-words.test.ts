import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SensitiveWords } from './sensitive-words.js';

describe('SensitiveWords', () => {
  it.each<[string[], string, string]>([
    [['坏词'], '这是坏词，还是坏词', '这是**，还是**'],
    [['Secret'], 'a SECRET, a secret and a sEcReT', 'a ******, a ****** and a ******'],
    [['he', 'she', 'hers'], 'ushers', 'u*****'],
    [['ab', 'bc'], 'abc', '***'],
    [['aa'], 'aaa', '***'],
    [['机密', '机密文件'], '这份机密文件很机密', '这份****很**'],
    [['😀x'], 'a😀xb', 'a**b'],
    [['ÉCOLE'], 'une école', 'une *****'],
    [['word'], 'nothing here', 'nothing here'],
    [[], 'anything', 'anything'],
    [['  ', ''], 'blank words are ignored', 'blank words are ignored'],
  ])('masks %j in %j as %j', (words, text, masked) => {
    const matcher = new SensitiveWords(words);
    expect(matcher.mask(text)).toBe(masked);
    expect(matcher.contains(text)).toBe(masked !== text);
  });

  it('finds a word that only a failure link leads to', () => {
    const matcher = new SensitiveWords(['abcd', 'bce']);
    expect(matcher.mask('abce')).toBe('a***');
  });

  it('keeps positions when a letter lowers into two units', () => {
    expect(new SensitiveWords(['x']).mask('İxİ')).toBe('İ*İ');
  });

  it.each([
    [['secret'], 'the Secr', 'the '],
    [['secret'], 'the secret, ok', 'the ******, ok'],
    [['secret'], 'it is', 'it i'],
    [['secret'], 'the second', 'the second'],
    [['密码', 'abc'], '你的密', '你的'],
    [['ab', 'abc'], 'xab', 'x'],
    [['abcd', 'bce'], 'abc', ''],
    [['😀x'], 'hi 😀', 'hi '],
    [[], 'anything', 'anything'],
  ])('masks a draft against %j: %j shows as %j, holding back what may yet become a word', (words, draft, shown) => {
    expect(new SensitiveWords(words).maskDraft(draft)).toBe(shown);
  });
});

describe('SensitiveWords on hostile text', () => {
  const word = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.constantFrom('坏词', 'Secret', '😀x', 'a', '\ud83d', '\ude00', 'İ'));
  const words = fc.array(word, { maxLength: 60 }).map((list) => list.filter((entry) => !entry.includes('*')));
  const text = fc.tuple(words, hostileText({ maxLength: 50_000 }), hostileText({ maxLength: 50_000 })).map(([list, a, b]) => ({ list, text: a + list.join(' ') + b }));

  /** Whether `kept` is `text` with some characters taken out, the rest in order. */
  function isSubsequence(kept: string, whole: string): boolean {
    let at = 0;
    for (let index = 0; index < whole.length && at < kept.length; index += 1) if (whole[index] === kept[at]) at += 1;
    return at === kept.length;
  }

  it('masks within a second on up to 100,000 characters; the masked text contains no word and keeps all it did not mask', () => {
    fc.assert(
      fc.property(text, ({ list, text: said }) => {
        const sensitive = new SensitiveWords(list);
        const { value: masked, ms } = timed(() => sensitive.mask(said));
        expect(ms).toBeLessThan(1000);
        expect(sensitive.contains(masked)).toBe(false);
        expect(masked.length).toBeLessThanOrEqual(said.length);
        expect(isSubsequence(masked.replaceAll('*', ''), said)).toBe(true);
        if (!sensitive.contains(said)) expect(masked).toBe(said);
        const { value: draft, ms: draftMs } = timed(() => sensitive.maskDraft(said));
        expect(draftMs).toBeLessThan(1000);
        expect(sensitive.contains(draft)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
