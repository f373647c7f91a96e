import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callbackSchema } from './callback-schema.js';
import { extractQuote, MAX_QUOTE_CHARS } from './extract-quote.js';

const message = (fields: Record<string, unknown>) =>
  callbackSchema.parse({
    msgtype: 'text',
    text: { content: ' 这是什么意思？' },
    msgId: 'm',
    createAt: 1,
    conversationType: '2',
    conversationId: 'c',
    senderId: 's',
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    sessionWebhookExpiredTime: 2,
    ...fields,
  });

const reply = (repliedMsg: unknown) => message({ text: { content: ' 这是什么意思？', isReplyMsg: true, repliedMsg } });

describe('extractQuote', () => {
  it.each([
    ['a quoted text (content.text)', reply({ msgType: 'text', content: { text: '服务器 CPU 告警' } }), '服务器 CPU 告警'],
    ['a quoted text (content.content)', reply({ msgType: 'text', content: { content: '明天上午十点开会' } }), '明天上午十点开会'],
    ['a quoted markdown', reply({ msgType: 'markdown', content: { text: '### 周报' } }), '### 周报'],
    [
      'quoted rich text, pictures and mentions shown as such',
      reply({ msgType: 'richText', content: { richText: [{ msgType: 'text', content: '看这个' }, { type: 'picture', downloadCode: 'x' }, { type: 'at', atName: '张三' }] } }),
      '看这个[图片]@张三',
    ],
    ['a quoted chat record', reply({ msgType: 'chatRecord', content: { title: '群聊的聊天记录', summary: '张三: 你好' } }), '群聊的聊天记录\n张三: 你好'],
    ['a quoted picture', reply({ msgType: 'picture', content: { downloadCode: 'x' } }), '[图片]'],
    ['a quoted file', reply({ msgType: 'file', content: { fileName: '报价单.xlsx' } }), '[文件] 报价单.xlsx'],
    ['a quoted card, which comes without content', reply({ msgType: 'interactiveCard', msgId: 'x' }), '[卡片]'],
    ['a quote as a plain string', reply({ content: '原话' }), '原话'],
    ['an older payload\'s quoteMessage', message({ quoteMessage: { msgId: 'q', msgtype: 'text', text: { content: '旧格式的引用' } } }), '旧格式的引用'],
    ['content.quoteContent', message({ msgtype: 'richText', text: undefined, content: { richText: [], quoteContent: '另一种引用' } }), '另一种引用'],
    ['no quote', message({}), undefined],
    ['a reply flag without a quoted message', message({ text: { content: 'x', isReplyMsg: true } }), undefined],
    ['a quoted message of an unknown shape', reply({ msgType: 'somethingNew', content: { foo: 1 } }), undefined],
  ])('reads %s', (_name, input, quote) => {
    expect(extractQuote(input)).toBe(quote);
  });

  it(`cuts a quote longer than ${MAX_QUOTE_CHARS} characters`, () => {
    const quote = extractQuote(reply({ msgType: 'text', content: { text: '长'.repeat(MAX_QUOTE_CHARS + 10) } }));
    expect(quote).toBe(`${'长'.repeat(MAX_QUOTE_CHARS)}…`);
  });

  it('cuts a long quote between code points: "a" and 1,000 emoji keep 999 whole emoji', () => {
    const quote = extractQuote(reply({ msgType: 'text', content: { text: `a${'😀'.repeat(1000)}` } }));
    expect(quote).toBe(`a${'😀'.repeat(999)}…`);
  });

  it('on hostile quotes up to 100,000 characters, in each shape: quick, trimmed, a prefix of the quote, at most the bound', () => {
    const shapes = [
      (text: string) => reply({ msgType: 'text', content: { text } }),
      (text: string) => reply({ msgType: 'richText', content: { richText: [{ text }, { msgType: 'picture' }, { msgType: 'at', atName: text }] } }),
      (text: string) => reply(text),
      (text: string) => message({ quoteMessage: { text: { content: text } } }),
      (text: string) => message({ content: { quoteContent: text } }),
    ];
    fc.assert(
      fc.property(hostileText(), fc.integer({ min: 0, max: shapes.length - 1 }), (text, shape) => {
        const { value: quote, ms } = timed(() => extractQuote(shapes[shape]!(text)));
        expect(ms).toBeLessThan(1000);
        if (quote === undefined) return;
        expect(quote).toBe(quote.trim());
        expect(quote.length).toBeLessThanOrEqual(MAX_QUOTE_CHARS + 1);
        const kept = quote.length > MAX_QUOTE_CHARS - 1 && quote.endsWith('…') ? quote.slice(0, -1) : quote;
        // A rich text quote adds its picture and mention around the text; the others are the text itself.
        if (shape !== 1) expect(text.trim().startsWith(kept)).toBe(true);
        // A cut leaves no half of an emoji behind.
        if (kept !== quote) expect(/[\ud800-\udbff]$/.test(kept) && /^[\udc00-\udfff]/.test(text.trim().slice(kept.length))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
