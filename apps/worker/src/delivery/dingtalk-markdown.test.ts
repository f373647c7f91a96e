import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDingTalkMarkdown } from './dingtalk-markdown.js';

const NBSP = '\u00a0';

/** What a model wrote, and the markdown DingTalk is sent. */
const CASES: { name: string; model: string; sent: string }[] = [
  { name: 'a single line is sent as it is', model: '你好！有什么可以帮你？', sent: '你好！有什么可以帮你？' },
  {
    name: 'paragraphs stay paragraphs',
    model: '第一段。\n\n第二段。',
    sent: '第一段。\n\n第二段。',
  },
  {
    name: 'a single newline becomes a hard break',
    model: '床前明月光\n疑是地上霜',
    sent: '床前明月光  \n疑是地上霜',
  },
  {
    name: 'list items each end with a hard break, and the list after a sentence too',
    model: '步骤如下：\n- 打开设置\n- 选择账号\n1. 然后保存',
    sent: '步骤如下：  \n- 打开设置  \n- 选择账号  \n1. 然后保存',
  },
  {
    name: 'a nested list keeps its indentation as no-break spaces',
    model: '- 水果\n  - 苹果\n    - 红富士',
    sent: `- 水果  \n${NBSP.repeat(2)}- 苹果  \n${NBSP.repeat(4)}- 红富士`,
  },
  {
    name: 'a heading, bold, italic, links and a quote pass through',
    model: '## 结论\n**重要**：见 [文档](https://example.com)，*仅供参考*\n\n> 引用的话',
    sent: '## 结论  \n**重要**：见 [文档](https://example.com)，*仅供参考*\n\n> 引用的话',
  },
  {
    name: 'raw HTML is escaped',
    model: '用 <script>alert(1)</script> 测试，<b>粗</b>',
    sent: '用 &lt;script>alert(1)&lt;/script> 测试，&lt;b>粗&lt;/b>',
  },
  {
    name: 'a comparison in text is left readable',
    model: 'if a > b and b < c',
    sent: 'if a > b and b &lt; c',
  },
  {
    name: '<br> becomes a line break',
    model: '第一行<br>第二行<br/>第三行',
    sent: '第一行  \n第二行  \n第三行',
  },
  {
    name: 'an autolink becomes a link',
    model: '详见 <https://open.dingtalk.com/document>',
    sent: '详见 [https://open.dingtalk.com/document](https://open.dingtalk.com/document)',
  },
  {
    name: 'a table becomes one line per row, header in bold',
    model: '对比：\n\n| 模型 | 价格 |\n|:---|---:|\n| A | 1 元 |\n| B | 2 元 |\n\n完毕',
    sent: '对比：\n\n**模型** | **价格**  \nA | 1 元  \nB | 2 元\n\n完毕',
  },
  {
    name: 'a table without outer pipes, with <br> and an escaped pipe in cells',
    model: '名称 | 说明\n--- | ---\n`a\\|b` | 一<br>二',
    sent: '**名称** | **说明**  \n`a|b` | 一 / 二',
  },
  {
    name: 'a pipe in a sentence is not a table',
    model: '用 a | b 表示或\n下一行',
    sent: '用 a | b 表示或  \n下一行',
  },
  {
    name: 'code keeps its lines and indentation; a comment is not a heading; HTML in code is escaped',
    model: '示例：\n\n```python\n# 打印\nif x < 1:\n    print("<b>")\n```\n\n结束',
    sent: `示例：\n\n\`\`\`python  \n\\# 打印  \nif x &lt; 1:  \n${NBSP.repeat(4)}print("&lt;b>")  \n\`\`\`\n\n结束`,
  },
  {
    name: 'code lines that would start a list or quote are escaped, blank lines in code kept',
    model: '```yaml\n- name: a\n\n> not a quote\n1. not a list\n```',
    sent: '```yaml  \n\\- name: a\n\n\\> not a quote  \n\\1. not a list  \n```',
  },
  {
    name: 'a table inside code stays code',
    model: '```\n| a | b |\n|---|---|\n```',
    sent: '```  \n| a | b |  \n|---|---|  \n```',
  },
  {
    name: 'a rule right after text stays a rule, not a heading underline',
    model: '上文\n---\n下文',
    sent: '上文\n\n---  \n下文',
  },
  {
    name: 'Windows line endings are read as newlines',
    model: '一\r\n二',
    sent: '一  \n二',
  },
  {
    name: 'trailing spaces the model left do not double',
    model: '一   \n二',
    sent: '一  \n二',
  },
];

describe('toDingTalkMarkdown', () => {
  it.each(CASES)('$name', ({ model, sent }) => {
    expect(toDingTalkMarkdown(model)).toBe(sent);
  });

  it('leaves an unclosed fence as code to the end', () => {
    expect(toDingTalkMarkdown('```\n# a\n<b>')).toBe('```  \n\\# a  \n&lt;b>');
  });
});

/** The letters and digits of a text, in order. */
const wordCharacters = (text: string) => text.match(/[\p{L}\p{N}]/gu) ?? [];

/** Whether `needle` appears in `haystack` in order, with anything between. */
function isSubsequence(needle: readonly string[], haystack: readonly string[]): boolean {
  let at = 0;
  for (const item of haystack) if (at < needle.length && item === needle[at]) at += 1;
  return at === needle.length;
}

describe('toDingTalkMarkdown on hostile text', () => {
  it('escapes HTML in a fence\'s info string: the opener line is no way around the escaping', () => {
    expect(toDingTalkMarkdown('```<img src=x onerror=alert(1)>\ncode\n```')).toBe('```&lt;img src=x onerror=alert(1)>  \ncode  \n```');
  });

  it('ends within a second on up to 100,000 characters, leaves no HTML, and keeps every letter and digit in order', () => {
    fc.assert(
      fc.property(hostileText(), (markdown) => {
        const { value: sent, ms } = timed(() => toDingTalkMarkdown(markdown));
        expect(ms).toBeLessThan(1000);
        expect(sent).not.toContain('<');
        // `<br>` becomes a line break (its letters go); nothing else written is dropped or reordered.
        const written = wordCharacters(markdown.replace(/<br\s*\/?>/gi, ''));
        expect(isSubsequence(written, wordCharacters(sent))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
