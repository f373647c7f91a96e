import { describe, expect, it } from 'vitest';
import { renderAnswer } from './render-answer.js';

const none = { atUserIds: [], nicks: {} };

describe('renderAnswer', () => {
  it('renders markdown and never raw HTML', () => {
    const html = renderAnswer('## Title\n\n**bold** `code`\n\n<img src=x onerror=alert(1)><script>alert(1)</script>', 'markdown', none);
    expect(html).toContain('<h2>Title</h2>');
    expect(html).toContain('<strong>bold</strong> <code>code</code>');
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('links only safe schemes, opening outside the page', () => {
    expect(renderAnswer('[docs](https://example.com)', 'markdown', none)).toBe(
      '<p><a href="https://example.com" target="_blank" rel="noopener noreferrer">docs</a></p>\n',
    );
    expect(renderAnswer('[x](javascript:alert(1))', 'markdown', none)).not.toContain('href');
  });

  it('shows the DingTalk escapes the worker sends as the characters they stand for', () => {
    expect(renderAnswer('a &lt;b> c', 'markdown', none)).toBe('<p>a &lt;b&gt; c</p>\n');
  });

  it('shows a mention of an @-mentioned user by nick, and leaves other @words alone', () => {
    const html = renderAnswer('hi @bob\n\n@alice', 'markdown', { atUserIds: ['alice'], nicks: { alice: 'Alice <3' } });
    expect(html).toContain('<span class="mention" title="alice">@Alice &lt;3</span>');
    expect(html).toContain('hi @bob');
  });

  it('escapes a plain text answer instead of rendering it', () => {
    expect(renderAnswer('**not bold** <b>\nline', 'text', none)).toBe('<p>**not bold** &lt;b&gt;<br>line</p>');
  });
});
