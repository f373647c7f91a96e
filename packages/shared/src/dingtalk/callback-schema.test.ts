import { describe, expect, it } from 'vitest';
import { callbackSchema } from './callback-schema.js';
import { extractPrompt, isReadableKind } from './extract-prompt.js';

const groupText = {
  msgtype: 'text',
  text: { content: ' 帮我总结一下' },
  msgId: 'msgLICYeAbCdHgY4JtMQw==',
  createAt: 1690362101894,
  conversationType: '2',
  conversationId: 'cidAsXSBLnA==',
  conversationTitle: '测试群',
  senderId: '$:LWCP_v1:$Ff09GIabcd==',
  senderNick: '张三',
  senderStaffId: 'user123',
  chatbotUserId: '$:LWCP_v1:$Cx3vTgHFUDZ8Qi8qr3',
  robotCode: 'dingabcd1234efgh',
  isInAtList: true,
  atUsers: [{ dingtalkId: '$:LWCP_v1:$Cx3vTgHFUDZ8Qi8qr3' }],
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=76da36b4aaaa0000bbbb8f59e8',
  sessionWebhookExpiredTime: 1690367502152,
  senderPlatform: 'Mac',
};

describe('callbackSchema', () => {
  it('accepts the documented DingTalk group example, ignoring unknown keys', () => {
    const parsed = callbackSchema.parse(groupText);
    expect(parsed.msgId).toBe('msgLICYeAbCdHgY4JtMQw==');
    expect(parsed).not.toHaveProperty('senderPlatform');
  });

  it.each(['msgId', 'conversationId', 'senderId', 'sessionWebhook', 'sessionWebhookExpiredTime', 'msgtype'])(
    'refuses a message without %s',
    (field) => {
      const { [field]: _removed, ...rest } = groupText as Record<string, unknown>;
      const result = callbackSchema.safeParse(rest);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
    },
  );

  it('refuses a conversation type that is neither private nor group, and a webhook that is no URL', () => {
    expect(callbackSchema.safeParse({ ...groupText, conversationType: '3' }).success).toBe(false);
    expect(callbackSchema.safeParse({ ...groupText, sessionWebhook: 'not a url' }).success).toBe(false);
  });
});

describe('extractPrompt', () => {
  it('trims the leading space a group @-mention leaves', () => {
    expect(extractPrompt(callbackSchema.parse(groupText))).toBe('帮我总结一下');
  });

  it('uses the recognition of a voice message and the text segments of rich text', () => {
    expect(extractPrompt({ msgtype: 'audio', content: { downloadCode: 'x', recognition: ' 今天天气 ' } })).toBe('今天天气');
    expect(
      extractPrompt({
        msgtype: 'richText',
        content: { richText: [{ text: '看这张图' }, { type: 'picture', downloadCode: 'x' }, { text: '是什么？' }] },
      }),
    ).toBe('看这张图是什么？');
  });

  it('gives nothing for kinds it cannot read', () => {
    expect(extractPrompt({ msgtype: 'picture', content: { downloadCode: 'x' } })).toBe('');
    expect(extractPrompt({ msgtype: 'file', content: { fileName: 'a.zip' } })).toBe('');
  });
});

describe('isReadableKind', () => {
  it('knows text, voice and rich text, and nothing else (not even inherited names)', () => {
    expect(['text', 'audio', 'richText'].filter(isReadableKind)).toEqual(['text', 'audio', 'richText']);
    expect(['picture', 'file', 'video', 'toString', 'constructor'].filter(isReadableKind)).toEqual([]);
  });
});
