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
});
