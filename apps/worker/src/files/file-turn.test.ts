import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenCounter } from '../tokens/token-counter.js';
import { displayFileName, fileTurn, MAX_FILE_NAME_CHARS } from './file-turn.js';

const tokens = createTokenCounter('gpt-4o-mini');

describe('displayFileName', () => {
  it('keeps an ordinary name as it is', () => {
    expect(displayFileName('2024 报价单 (终版).xlsx')).toBe('2024 报价单 (终版).xlsx');
  });

  it('puts a name with line breaks, controls and direction marks on one line', () => {
    expect(displayFileName('a\nb\r\n\tc\u202Egpj.exe')).toBe('a b c gpj.exe');
    expect(displayFileName(' \n ')).toBe('未命名文件');
  });

  it('cuts a long name in the middle, keeping its extension', () => {
    const name = displayFileName(`${'很长'.repeat(200)}.docx`);
    expect([...name]).toHaveLength(MAX_FILE_NAME_CHARS);
    expect(name.endsWith('….docx')).toBe(true);
  });

  it('on hostile names: quick, one line of at most MAX_FILE_NAME_CHARS characters, no lone surrogate', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 50_000 }), (fileName) => {
        const { value: name, ms } = timed(() => displayFileName(fileName));
        expect(ms).toBeLessThan(500);
        expect(name).not.toMatch(/[\n\r\u2028\u2029]/);
        expect([...name].length).toBeLessThanOrEqual(MAX_FILE_NAME_CHARS);
        expect(name).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(name.length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fileTurn', () => {
  it('shows the file by name, its text, then the question', () => {
    expect(fileTurn(tokens, { fileName: 'a.csv', text: 'x,y\n1,2', cut: false }, 100, '平均值？')).toBe('[文件] a.csv\nx,y\n1,2\n\n平均值？');
  });

  it('cuts the text to maxTokens with the tokenizer and says so; also when reading stopped early', () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const turn = fileTurn(tokens, { fileName: 'a.txt', text, cut: false }, 20, '');
    const kept = turn.split('\n')[1]!;
    expect(text.startsWith(kept)).toBe(true);
    expect(tokens.cut(text, 20)).toBe(kept);
    expect(turn.endsWith('（文件较长，以上只是开头部分，约 20 个 token，其余内容没有读取）')).toBe(true);
    expect(fileTurn(tokens, { fileName: 'a.txt', text: 'short', cut: true }, 20, '')).toContain('其余内容没有读取');
  });

  it('on hostile text: quick, the question whole at the end, the text\'s start kept within the budget', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 30_000 }), hostileText({ maxLength: 2000 }), fc.integer({ min: 1, max: 3000 }), (text, question, maxTokens) => {
        const { value: turn, ms } = timed(() => fileTurn(tokens, { fileName: 'f.txt', text, cut: false }, maxTokens, question));
        expect(ms).toBeLessThan(2000);
        expect(turn.startsWith('[文件] f.txt\n')).toBe(true);
        if (question) expect(turn.endsWith(`\n\n${question}`)).toBe(true);
        const kept = tokens.cut(text, maxTokens);
        expect(turn.startsWith(`[文件] f.txt\n${kept}`)).toBe(true);
        expect(turn.includes('其余内容没有读取')).toBe(kept.length < text.length);
      }),
      { numRuns: 60 },
    );
  });
});
