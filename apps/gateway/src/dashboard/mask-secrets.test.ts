import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask-secrets.js';

describe('maskSecrets', () => {
  it('keeps where a sessionWebhook points and masks its session token', () => {
    const data = { msgId: 'm1', sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=c0ffee&x=1' };
    expect(maskSecrets(data)).toEqual({ msgId: 'm1', sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=***&x=1' });
  });

  it('masks credential query parameters inside free text, such as an error message or a stack trace', () => {
    const text = 'Error: POST https://oapi.dingtalk.com/robot/send?access_token=abc123&sign=s1g failed\n    at post (x.js:1)';
    expect(maskSecrets(text)).toBe('Error: POST https://oapi.dingtalk.com/robot/send?access_token=***&sign=*** failed\n    at post (x.js:1)');
  });

  it('masks string values under secret-looking keys at any depth, and leaves numbers such as token counts alone', () => {
    const value = { opts: { headers: { Authorization: 'Bearer sk-1', 'api-key': 'k' } }, list: [{ appSecret: 's' }], usage: { promptTokens: 12 } };
    expect(maskSecrets(value)).toEqual({
      opts: { headers: { Authorization: '***', 'api-key': '***' } },
      list: [{ appSecret: '***' }],
      usage: { promptTokens: 12 },
    });
  });

  it('leaves everything else as it was, without changing the input', () => {
    const input = { prompt: 'what is a token bucket?', seq: 3, nested: [null, true, 'plain'] };
    const copy = structuredClone(input);
    expect(maskSecrets(input)).toEqual(input);
    expect(input).toEqual(copy);
  });
});
