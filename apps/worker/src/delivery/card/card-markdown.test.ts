import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCardMarkdown } from './card-markdown.js';

describe('toCardMarkdown', () => {
  it.each([
    ['a table right under text gets a blank line before it', '结果如下：\n| a | b |\n|---|---|\n| 1 | 2 |', '结果如下：\n\n| a | b |\n|---|---|\n| 1 | 2 |'],
    ['a table after a blank line stays as it is', 'text\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |', 'text\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |'],
    ['a table at the start stays as it is', 'a | b\n--|--\n1 | 2', 'a | b\n--|--\n1 | 2'],
    ['a table inside a code block is code', '```\ntext\n| a | b |\n|---|---|\n```', '```\ntext\n| a | b |\n|---|---|\n```'],
    ['a table still being written (no delimiter yet) is left for the next draft', 'text\n| a | b |', 'text\n| a | b |'],
    ['single newlines, HTML and indentation are the card\'s to render', 'line one\nline two\n  - nested <b>x</b>', 'line one\nline two\n  - nested <b>x</b>'],
  ])('%s', (_case, model, sent) => {
    expect(toCardMarkdown(model)).toBe(sent);
  });

  // Inputs that once held the event loop for 20 s and more: the table patterns backtracked on long whitespace.
  it.each([
    ['80,000 tabs before a command word', `${'\t'.repeat(80_000)}/persona `],
    ['a pipe line over 80,000 spaces and a dash', `a | b\n${' '.repeat(80_000)}-x`],
  ])('%s: ends within a second, unchanged', (_case, model) => {
    const { value: sent, ms } = timed(() => toCardMarkdown(model));
    expect(ms).toBeLessThan(1000);
    expect(sent).toBe(model);
  });
});

describe('toCardMarkdown on hostile text', () => {
  it('ends within a second on up to 100,000 characters and only adds blank lines: without them it is the text', () => {
    fc.assert(
      fc.property(hostileText(), (markdown) => {
        const { value: sent, ms } = timed(() => toCardMarkdown(markdown));
        expect(ms).toBeLessThan(1000);
        const written = markdown.split('\n');
        const lines = sent.split('\n');
        let at = 0;
        for (const line of lines) {
          if (at < written.length && line === written[at]) at += 1;
          else expect(line).toBe('');
        }
        expect(at).toBe(written.length);
      }),
      { numRuns: 100 },
    );
  });
});
