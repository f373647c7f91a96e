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
