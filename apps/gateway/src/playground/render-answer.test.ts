import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
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

describe('renderAnswer on hostile text', () => {
  const TAGS = new Set(['p', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 's', 'code', 'pre', 'a', 'img', 'ul', 'ol', 'li', 'blockquote', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span']);
  const ATTRIBUTES = new Set(['href', 'src', 'alt', 'title', 'target', 'rel', 'class', 'start', 'style']);
  const mentions = fc.record({ atUserIds: fc.constant(['staff_1']), nicks: fc.record({ staff_1: hostileText({ maxLength: 64 }) }) });

  /** Every tag and attribute of the HTML, which must all be ones markdown renders. */
  function expectOnlyMarkdownHtml(html: string): void {
    for (const [, name, attributes] of html.matchAll(/<\/?([A-Za-z0-9]+)([^>]*)>/g)) {
      expect(TAGS).toContain(name!.toLowerCase());
      for (const [, attribute] of attributes!.matchAll(/\s([^\s=]+)="[^"]*"/g)) expect(ATTRIBUTES).toContain(attribute!.toLowerCase());
    }
    expect(html).not.toMatch(/href="\s*(javascript|vbscript|file):/i);
  }

  it('renders markdown of up to 100,000 characters within a second, with no HTML but markdown\'s own', () => {
    fc.assert(
      fc.property(hostileText(), mentions, (text, names) => {
        const { value: html, ms } = timed(() => renderAnswer(text, 'markdown', names));
        expect(ms).toBeLessThan(1000);
        expectOnlyMarkdownHtml(html);
      }),
      { numRuns: 100 },
    );
  });

  it('shows plain text of up to 100,000 characters as it is: unescaped, it gives back the text', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const { value: html, ms } = timed(() => renderAnswer(text, 'text', none));
        expect(ms).toBeLessThan(1000);
        expect(html.startsWith('<p>') && html.endsWith('</p>')).toBe(true);
        const inner = html.slice(3, -4);
        expect(inner).not.toMatch(/<(?!br>)/);
        const shown = inner.replaceAll('<br>', '\n').replace(/&(lt|gt|quot|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[name]!);
        expect(shown).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});
